"""What the deliverers and the control arm said, for the report's fidelity and cost part: the
deliverer survey summarised (:mod:`hearten.process.deliverers`) and the answers to the
trial's own questions asked of some arms only (the control arm's usual practice, and anything
like the intervention it received; :mod:`hearten.trials.questions`).

Within the disclosure rules: the letter writers' minutes and acceptability are given only when
at least ``monitoring.min_group`` of them answered; an answer count below that is shown as
"fewer than k", and when only one count of a question would be hidden the next smallest is
hidden too, so it cannot be worked out from the total.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from hearten.process.deliverers import LetterTime, letter_writing_time
from hearten.process.models import DelivererAnswer
from hearten.trials.lifecycle import design_of
from hearten.trials.models import Trial


@dataclass(frozen=True, slots=True)
class Share:
    """One answer to a question and how many gave it (``None``: too few to show)."""

    label: str
    count: int | None


@dataclass(frozen=True, slots=True)
class ArmQuestion:
    """A question asked of some arms only, at a wave: who was asked (the arms' labels), how
    many answered, and the answers."""

    wave: str
    question: str
    arms: tuple[str, ...]
    answered: int
    shares: tuple[Share, ...]


@dataclass(frozen=True, slots=True)
class Voices:
    """The report's part: deliverers' answers and the arm-specific questions."""

    min_group: int
    writers: int
    time: LetterTime | None
    acceptability: float | None
    hard: int
    coordinators: int
    questions: tuple[ArmQuestion, ...]

    @property
    def empty(self) -> bool:
        return not (self.writers or self.coordinators or self.questions)


def _suppress(counts: list[int], k: int) -> list[int | None]:
    shown: list[int | None] = [c if c == 0 or c >= k else None for c in counts]
    if sum(1 for c in shown if c is None) == 1:
        others = [(c, i) for i, c in enumerate(counts) if shown[i] is not None and c > 0]
        if others:
            shown[min(others)[1]] = None
    return shown


def voices(trial: Trial) -> Voices:
    """The part's content (module docstring)."""
    from hearten.surveys.models import Response

    design = design_of(trial)
    k = design.monitoring.min_group
    labels = dict(trial.arms.values_list("name", "label"))
    rows = list(DelivererAnswer.objects.filter(trial=trial))
    writers = [r for r in rows if r.role == "letter-writer"]
    rated = [r.acceptability for r in writers if r.acceptability is not None]
    enough = len(writers) >= k
    questions = []
    for wave in design.waves:
        for page in (p for p in design.questions if p.name in wave.questions):
            answers = list(
                Response.objects.filter(
                    invitation__wave__trial=trial, invitation__wave__name=wave.name,
                    instrument=page.name,
                ).values_list("answers", flat=True)
            )  # fmt: skip
            for q in page.items:
                if not q.arms or q.kind != "choice":
                    continue
                given = [a[q.key] for a in answers if q.key in a]
                counts = [given.count(v) for v in q.values]
                shares = tuple(
                    Share(label, c)
                    for label, c in zip(q.options, _suppress(counts, k), strict=True)
                )
                arms = tuple(labels.get(a, a) for a in q.arms)
                questions.append(ArmQuestion(wave.name, q.text, arms, len(given), shares))
    return Voices(
        min_group=k,
        writers=len(writers),
        time=letter_writing_time(trial) if enough else None,
        acceptability=statistics.fmean(rated) if enough and rated else None,
        hard=sum(1 for r in rows if r.hard),
        coordinators=sum(1 for r in rows if r.role == "coordinator"),
        questions=tuple(questions),
    )

"""The deliverer survey: what delivering the intervention took and how it felt, from the people
who delivered it, for the fidelity and cost sections.

Letter writers (managers) give the minutes a letter took them and how acceptable the task was
(1 very unacceptable – 5 very acceptable); coordinators and managers say what was hard, in a
few sentences. Only the trial's evaluators read the answers. :func:`letter_writing_time` is
the one query the costing reads: the managers' reported minutes per letter.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from hearten.errors import DataError, StateError
from hearten.interventions.ingredients import ReportedTime
from hearten.interventions.models import CostDriver
from hearten.process.models import DelivererAnswer
from hearten.trials.models import Trial

#: The longest "what was hard" answer kept (about 150 words): a short survey, not an essay.
MAX_HARD = 1000
#: A letter taking more than this many minutes is surely a typing slip.
MAX_MINUTES = 240


@dataclass(frozen=True, slots=True)
class LetterTime:
    """Managers' reported minutes per letter: how many answered, and the mean and median
    (``None`` when nobody has)."""

    answers: int
    mean_minutes: float | None
    median_minutes: float | None


@transaction.atomic
def answer(
    trial: Trial,
    user: Any,
    *,
    minutes_per_letter: int | None = None,
    acceptability: int | None = None,
    hard: str = "",
) -> DelivererAnswer:
    """Store ``user``'s deliverer survey answers (replacing earlier ones), checked against
    their role in the trial."""
    from hearten.trials.concealment import role_of

    role = role_of(user, trial)
    if role not in ("letter-writer", "coordinator"):
        raise StateError(
            f"{user.get_username()} delivers nothing in {trial.slug}: the deliverer survey is "
            "for its letter writers and coordinators"
        )
    if role == "coordinator" and (minutes_per_letter is not None or acceptability is not None):
        raise DataError("minutes per letter and acceptability are asked of letter writers only")
    if minutes_per_letter is not None and not 1 <= minutes_per_letter <= MAX_MINUTES:
        raise DataError(f"minutes per letter must be between 1 and {MAX_MINUTES}")
    if acceptability is not None and not 1 <= acceptability <= 5:
        raise DataError("acceptability is from 1 (very unacceptable) to 5 (very acceptable)")
    hard = hard.strip()
    if len(hard) > MAX_HARD:
        raise DataError(f"say what was hard in at most {MAX_HARD} characters (this is {len(hard)})")
    row, _ = DelivererAnswer.objects.update_or_create(
        trial=trial,
        respondent=user,
        defaults={"role": role, "minutes_per_letter": minutes_per_letter,
                  "acceptability": acceptability, "hard": hard},
    )  # fmt: skip
    return row


def letter_writing_time(trial: Trial) -> LetterTime:
    """The managers' reported minutes per letter (for the cost of writing letters)."""
    minutes = [
        m
        for m in DelivererAnswer.objects.filter(trial=trial, role="letter-writer").values_list(
            "minutes_per_letter", flat=True
        )
        if m is not None
    ]
    if not minutes:
        return LetterTime(0, None, None)
    return LetterTime(len(minutes), statistics.fmean(minutes), float(statistics.median(minutes)))


def reported_times(trial: Trial) -> dict[str, ReportedTime]:
    """The deliverers' reported minutes the costing reads, by what they are per: the letter
    writers' mean minutes per letter (absent until one has answered)."""
    time = letter_writing_time(trial)
    if time.mean_minutes is None:
        return {}
    return {CostDriver.LETTER: ReportedTime(time.mean_minutes, time.answers)}

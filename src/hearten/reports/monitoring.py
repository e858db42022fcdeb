"""The evaluator's monitoring page of one trial: what has happened so far, from stored data.

Recruitment and consent over time, each open wave's responses over time against the trial's
target (``monitoring.target``), reminders sent, letters written, sent and reviewed, whether
the audit chain is intact, and whether the analysis plan is locked. Each figure carries its
accessible name and the table of the numbers it draws (``figures.both``), as in the reports.
Evaluators see full data for their own trials; nothing here is shown to other roles.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.utils import timezone

from hearten.trials.models import Trial


@dataclass(frozen=True, slots=True)
class WaveProgress:
    """One opened wave: people invited, people who finished, the reminders sent, and its
    figure (``None`` before anyone has answered)."""

    name: str
    invited: int
    answered: int
    reminders_sent: int
    figure: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class Monitoring:
    """A trial's progress (module docstring). ``audit_problems``: one line per broken link of
    the audit chain (empty: intact). ``plan_locked_at``: when version 1 of the plan was locked
    (``None``: not locked); ``plan_versions``: how many versions there are."""

    people: int
    consented: int
    declined: int
    withdrawn: int
    recruitment: dict[str, Any] | None
    target: float
    waves: list[WaveProgress]
    letters: dict[str, int]
    audit_problems: list[str]
    plan_locked_at: datetime | None
    plan_versions: int


def _day(moment: datetime) -> date:
    return timezone.localtime(moment).date()


def _cumulative(days: list[date]) -> list[tuple[date, int]]:
    counts = Counter(days)
    total, out = 0, []
    for d in sorted(counts):
        total += counts[d]
        out.append((d, total))
    return out


def _recruitment(consented: list[date], declined: list[date]) -> dict[str, Any] | None:
    if not consented and not declined:
        return None
    from matplotlib.figure import Figure

    from hearten.reports.figures import both

    yes, no = dict(_cumulative(consented)), dict(_cumulative(declined))
    days = sorted(set(yes) | set(no))
    agreed: list[int] = []
    refused: list[int] = []
    for d in days:
        agreed.append(yes.get(d, agreed[-1] if agreed else 0))
        refused.append(no.get(d, refused[-1] if refused else 0))
    rows = [[d.isoformat(), a, r] for d, a, r in zip(days, agreed, refused, strict=True)]
    fig = Figure(figsize=(7.0, 3.0))
    ax = fig.subplots()
    ax.step(days, agreed, where="post", color="#00703c", label="Agreed")  # type: ignore[arg-type]
    ax.step(days, refused, where="post", color="#d4351c", label="Declined")  # type: ignore[arg-type]
    ax.set_ylabel("People (running total)")
    ax.legend(frameon=False, loc="upper left")
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(axis="x", labelrotation=45)
    fig.tight_layout()
    return both(
        fig,
        summary="People who agreed and who declined to take part, running totals by day",
        headers=["Day", "Agreed", "Declined"],
        rows=rows,
    )


def _wave(name: str, answered: list[date], invited: int, target: float) -> dict[str, Any] | None:
    if not answered or not invited:
        return None
    from matplotlib.figure import Figure

    from hearten.reports.figures import both

    running = _cumulative(answered)
    days = [d for d, _ in running]
    shares = [round(100 * n / invited) for _, n in running]
    rows = [[d.isoformat(), n, p] for (d, n), p in zip(running, shares, strict=True)]
    fig = Figure(figsize=(7.0, 3.0))
    ax = fig.subplots()
    ax.step(days, shares, where="post", color="#1d70b8", label="Answered")  # type: ignore[arg-type]
    ax.axhline(100 * target, color="#505a5f", linestyle="--", label=f"Target {100 * target:.0f}%")
    ax.set_ylim(0, 100)
    ax.set_ylabel("% of those invited")
    ax.legend(frameon=False, loc="lower right")
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(axis="x", labelrotation=45)
    fig.tight_layout()
    return both(
        fig,
        summary=(
            f"The {name} survey: the share of the {invited} people invited who have answered, "
            f"by day, against the target of {100 * target:.0f}%"
        ),
        headers=["Day", "Answered", "Per cent"],
        rows=rows,
    )


def monitoring(trial: Trial) -> Monitoring:
    """The trial's progress (module docstring), for its evaluators."""
    from hearten.analysis.models import PlanVersion
    from hearten.interventions.models import Letter, LetterReview, Verdict
    from hearten.surveys.reminders import reminders_sent
    from hearten.trials.audit import verify_chain
    from hearten.trials.choices import Consent
    from hearten.trials.lifecycle import design_of

    people = trial.participants.all()
    rows = list(people.values_list("consent", "consent_at", "withdrawn_at"))
    agreed = [_day(at) for c, at, _ in rows if c == Consent.CONSENTED and at is not None]
    declined = [_day(at) for c, at, _ in rows if c == Consent.DECLINED and at is not None]
    target = design_of(trial).monitoring.target
    waves = []
    for w in trial.waves.exclude(opened_at=None):
        done = [
            _day(at)
            for at in w.invitations.values_list("completed_at", flat=True)
            if at is not None
        ]
        invited = w.invitations.count()
        sent = reminders_sent(w)
        waves.append(
            WaveProgress(w.name, invited, len(done), sent, _wave(w.name, done, invited, target))
        )
    letters = Letter.objects.filter(trial=trial)
    reviews = LetterReview.objects.filter(sample__trial=trial)
    plan = list(PlanVersion.objects.filter(trial=trial).values_list("created_at", flat=True))
    return Monitoring(
        people=len(rows),
        consented=sum(c == Consent.CONSENTED for c, _, _ in rows),
        declined=sum(c == Consent.DECLINED for c, _, _ in rows),
        withdrawn=sum(w is not None for _, _, w in rows),
        recruitment=_recruitment(agreed, declined),
        target=target,
        waves=waves,
        letters={
            "written": letters.count(),
            "sent": letters.filter(status__in=["approved", "printed", "posted", "emailed"]).count(),
            "sampled": reviews.count(),
            "accepted": reviews.filter(verdict=Verdict.ACCEPTED).count(),
            "returned": reviews.filter(verdict=Verdict.RETURNED).count(),
        },
        audit_problems=verify_chain(),
        plan_locked_at=plan[0] if plan else None,
        plan_versions=len(plan),
    )

"""Uptake and fidelity: who received what, in numbers a coordinator may see.

Counts of fewer than the trial's ``monitoring.min_group`` people are shown as "fewer than k",
and more are hidden until the disclosure audit (``hearten.stats.disclosure.protect``) can
solve for none of them from the counts shown and the total the coordinator knows from
delivery. The programme funnel's steps are nested, so its base cells are the people who
stopped at each step (never opened, opened only, some modules, all six); a step at nobody
or everybody of those invited is hidden too, since it would tell each person's status.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from django.db.models import Avg, Q

from hearten.errors import DataError
from hearten.interventions.goals import Funnel, funnel
from hearten.interventions.ingredients import ArmCost, ReportedTime, costing
from hearten.interventions.models import Letter, PerkDeployment
from hearten.stats.disclosure import Group, Margin, Table, protect, suppress
from hearten.trials.lifecycle import design_of
from hearten.trials.models import Trial


@dataclass(frozen=True, slots=True)
class PerkRun:
    """One perk deployed: its ``name``, ``where`` it ran (the office's or team's code, or
    ``""``), the ``days`` it ran less its interruptions' days, and how many ``interruptions``
    it had."""

    name: str
    where: str
    days: int
    interruptions: int


@dataclass(frozen=True, slots=True)
class Uptake:
    """What the uptake page shows."""

    min_group: int
    funnel: Funnel | None
    funnel_shown: dict[str, str]
    letters: dict[str, str]
    letter_score: float | None
    perks: tuple[PerkRun, ...]
    costs: list[ArmCost]


def _shown(counts: dict[str, int], k: int) -> dict[str, str]:
    """Counts as text: the parts of a total, suppressed as response rates are (small ones
    "fewer than k", and a partner for a lone one, "hidden"); zeros are shown."""
    parts = [Group(key, None, n, n) for key, n in sorted(counts.items()) if n > 0]
    hidden = {c.key for c in suppress(parts, k) if c.hidden}
    return {key: (f"fewer than {k}" if key in hidden and n < k else "hidden" if key in hidden
                  else str(n)) for key, n in counts.items()}  # fmt: skip


def shown_funnel(steps: dict[str, int], k: int) -> dict[str, str]:
    """The funnel's nested steps as text, audited (module docstring); the first step (those
    invited) is known from delivery and always shown."""
    if not steps:
        return {}
    names, counts = list(steps), list(steps.values())
    stopped = [a - b for a, b in zip(counts, [*counts[1:], 0], strict=True)]
    margins = tuple(
        Margin(name, None, n, n, frozenset(range(i, len(counts))))
        for i, (name, n) in enumerate(zip(names, counts, strict=True))
    )
    table = Table(tuple(stopped), tuple(stopped), margins, k, sizes_known=False,
                  extremes=True, known=frozenset({0}))  # fmt: skip
    hidden = protect(table)
    return {name: (str(n) if i not in hidden else f"fewer than {k}" if 0 < n < k else "hidden")
            for i, (name, n) in enumerate(zip(names, counts, strict=True))}  # fmt: skip


def uptake(
    trial: Trial,
    sites: set[int] | None = None,
    reported: Mapping[str, ReportedTime] | None = None,
) -> Uptake:
    """Uptake, fidelity and cost; a site coordinator's view holds only their ``sites``.
    ``reported`` are the deliverers' reported minutes the costing reads
    (``hearten.process.deliverers.reported_times``)."""
    k = design_of(trial).monitoring.min_group
    f = funnel(trial, sites) if trial.enrolments.exists() else None
    steps = (
        {"invited": f.invited, "opened": f.opened, "one module": f.one_module,
         "all six": f.all_modules} if f else {}
    )  # fmt: skip
    funnel_shown = shown_funnel(steps, k)
    letters = Letter.objects.filter(trial=trial)
    deployments = PerkDeployment.objects.filter(trial=trial)
    if sites is not None:
        letters = letters.filter(participant__site_id__in=sites)
        deployments = deployments.filter(Q(office__site_id__in=sites) | Q(team__site_id__in=sites))
    statuses = Counter(letters.values_list("status", flat=True))
    score = letters.aggregate(s=Avg("score"))["s"]
    perks = tuple(
        PerkRun(
            name=p.name,
            where=p.office.code if p.office else p.team.code if p.team else "",
            days=(p.ends_on - p.starts_on).days
            + 1
            - sum((g.ends_on - g.starts_on).days + 1 for g in p.interruptions.all()),
            interruptions=p.interruptions.count(),
        )
        for p in deployments.select_related("office", "team")
    )
    costs: list[ArmCost] = []
    if sites is None:
        try:
            costs = costing(trial, reported).arms
        except DataError:  # costs not yet on one footing: the report's value section says why
            costs = []
    return Uptake(
        min_group=k,
        funnel=f,
        funnel_shown=funnel_shown,
        letters=_shown(dict(statuses), k),
        letter_score=float(score) if score is not None else None,
        perks=perks,
        costs=costs,
    )

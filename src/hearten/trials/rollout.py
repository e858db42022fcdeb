"""A stepped-wedge trial's roll-out: the schedule drawn at randomisation, and late changes to
it recorded as deviations.

The allocation keeps each cluster's *drawn* sequence (``AllocatedUnit.factors["sequence"]``),
which ``hearten audit verify`` re-derives from the seed. When a team cannot start on time
(a manager leaves, an office moves) the change is not written over the draw: it is appended
to the hash-chained audit log as a ``schedule-changed`` event with its reason, and the
schedule a report shows is the drawn one with those changes applied, each listed as a
deviation. The analysis is by the drawn sequence (intention to treat) unless a plan says
otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction

from hearten.errors import DesignError, StateError
from hearten.stats.sequences import Schedule, schedule, sequence_names
from hearten.trials import audit
from hearten.trials.lifecycle import design_of
from hearten.trials.models import Allocation, AuditEvent, Trial

SCHEDULE_CHANGED = "schedule-changed"


@dataclass(frozen=True, slots=True)
class Deviation:
    """A recorded late change: ``unit`` moved from starting at period ``was`` to
    ``moved_to``, on ``at`` (ISO time), for ``reason``."""

    unit: str
    was: int
    moved_to: int
    at: str
    reason: str


def _stepped(trial: Trial) -> tuple[int, int]:
    design = design_of(trial)
    if design.stepped_wedge is None:
        raise DesignError(
            f"trial {trial.slug!r} is not a stepped-wedge trial: its design has no "
            "[stepped_wedge] section"
        )
    if not Allocation.objects.filter(trial=trial).exists():
        raise StateError(f"trial {trial.slug!r} is not randomised yet: randomise it first")
    return design.stepped_wedge.steps, design.stepped_wedge.transition


def _drawn(trial: Trial) -> dict[str, tuple[str, str]]:
    units = trial.allocation.units.filter(method="initial").order_by("unit_key")
    return {u.unit_key: (u.stratum, str(u.factors["sequence"])) for u in units}


def deviations(trial: Trial) -> list[Deviation]:
    """The late changes to the schedule, oldest first."""
    events = AuditEvent.objects.filter(trial=trial, action=SCHEDULE_CHANGED).order_by("id")
    return [
        Deviation(
            e.detail["unit"],
            e.detail["from"],
            e.detail["to"],
            e.at.isoformat(),
            e.detail["reason"],
        )
        for e in events
    ]


def trial_schedule(trial: Trial, as_drawn: bool = False) -> Schedule:
    """Who starts when: the drawn schedule, with the recorded changes unless ``as_drawn``."""
    steps, transition = _stepped(trial)
    drawn = _drawn(trial)
    sequence = {u: seq for u, (_, seq) in drawn.items()}
    if not as_drawn:
        for d in deviations(trial):
            sequence[d.unit] = sequence_names(steps)[d.moved_to - 1]
    units = sorted(drawn)
    return schedule(
        units, [drawn[u][0] for u in units], [sequence[u] for u in units], steps, transition
    )


def arm_in_wave(trial: Trial, unit: str, wave: str) -> str | None:
    """The arm whose questions a stepped-wedge cluster's people are asked at ``wave``: the
    control arm in the periods before the cluster starts, the change arm from its start
    (transition periods included), by the schedule as it is now (recorded changes applied:
    what the team actually had then); ``None`` for a wave that measures no period, or a unit
    not in the schedule."""
    design = design_of(trial)
    spec = design.stepped_wedge
    if spec is None or wave not in spec.period_waves:
        return None
    row = next((r for r in trial_schedule(trial).rows if r.unit == unit), None)
    if row is None:
        return None
    condition = row.conditions[list(spec.period_waves).index(wave)]
    control = next(a.name for a in design.arms if a.control)
    change = next(a.name for a in design.arms if not a.control)
    return control if condition == "control" else change


def change_schedule(
    trial: Trial, unit: str, start: int, reason: str, *, now: datetime
) -> Deviation:
    """Record that ``unit`` now starts at period ``start`` (its new sequence), with a reason."""
    steps, _ = _stepped(trial)
    if not reason.strip():
        raise DesignError("say why the schedule changes (--reason): the report lists it")
    if not 1 <= start <= steps:
        raise DesignError(f"--start must be a period from 1 to {steps}, not {start}")
    current = {r.unit: r.start for r in trial_schedule(trial).rows}
    if unit not in current:
        raise DesignError(
            f"{unit!r} is not one of the trial's randomised {trial.unit}s "
            f"(e.g. {', '.join(sorted(current)[:3])})"
        )
    if current[unit] == start:
        raise DesignError(f"{unit!r} already starts at period {start}: nothing to change")
    detail: dict[str, Any] = {"unit": unit, "from": current[unit], "to": start, "reason": reason}
    with transaction.atomic():
        event = audit.record(trial, SCHEDULE_CHANGED, detail, at=now)
    return Deviation(unit, current[unit], start, event.at.isoformat(), reason)

"""Randomising a trial's units and reading who is in which arm."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.db import IntegrityError, transaction

import hearten
from hearten.errors import DesignError, StateError
from hearten.stats.randomise import block_randomise
from hearten.trials import audit
from hearten.trials.choices import TrialStatus, Unit
from hearten.trials.models import AllocatedUnit, Allocation, Participant, Trial


@dataclass(frozen=True, slots=True)
class AllocationSummary:
    """How many units and participants each arm received."""

    seed: int
    scheme: str
    units_by_arm: dict[str, int]
    participants_by_arm: dict[str, int]


def _unit_key(p: Participant, unit: str) -> str:
    if unit == Unit.TEAM:
        return p.team.code
    if unit == Unit.OFFICE:
        if p.office is None:
            raise DesignError(
                f"participant {p.pseudonym} has no office, but offices are randomised"
            )
        return p.office.code
    return p.pseudonym


def randomise_trial(trial: Trial, seed: int) -> AllocationSummary:
    """Randomise the trial's units within strata, once; store seed, scheme and probabilities."""
    if Allocation.objects.filter(trial=trial).exists():
        a = trial.allocation
        raise StateError(
            f"trial {trial.slug!r} was randomised on {a.created_at:%Y-%m-%d %H:%M} with seed "
            f"{a.seed}; an allocation is never re-drawn"
        )
    people = list(Participant.objects.filter(trial=trial).select_related("team", "office", "site"))
    if not people:
        raise StateError(f"trial {trial.slug!r} has no participants: import a roster first")
    units: dict[str, str] = {}
    for p in people:
        key = _unit_key(p, trial.unit)
        stratum = p.site.code if trial.strata == "site" else "all"
        if units.setdefault(key, stratum) != stratum:
            raise DesignError(f"{trial.unit} {key!r} spans strata {units[key]!r} and {stratum!r}")
    arms = list(trial.arms.order_by("position"))
    per_stratum = Counter(units.values())
    small = [f"{s} ({n})" for s, n in sorted(per_stratum.items()) if n < len(arms)]
    if small:
        raise DesignError(
            f"these strata have fewer {trial.unit}s than the {len(arms)} arms: "
            + ", ".join(small)
            + "; merge small strata or randomise without strata"
        )
    keys = sorted(units)
    drawn = block_randomise(
        keys, [units[k] for k in keys], [a.name for a in arms], [a.ratio for a in arms], seed
    )
    by_name = {a.name: a for a in arms}
    try:
        with transaction.atomic():
            allocation = Allocation.objects.create(
                trial=trial,
                seed=seed,
                scheme=drawn.scheme,
                unit=trial.unit,
                parameters={
                    "strata": trial.strata or "none",
                    "arms": list(drawn.arm_names),
                    "ratio": list(drawn.ratio),
                },
                software_version=hearten.__version__,
            )
            AllocatedUnit.objects.bulk_create(
                AllocatedUnit(
                    allocation=allocation, unit_key=u, stratum=s, arm=by_name[a], probability=pr
                )
                for u, s, a, pr in zip(
                    drawn.units, drawn.strata, drawn.arms, drawn.probabilities, strict=True
                )
            )
            trial.status = TrialStatus.RANDOMISED
            trial.save(update_fields=["status"])
            audit.record(
                trial,
                "randomised",
                {
                    "seed": seed,
                    "scheme": drawn.scheme,
                    "units": len(keys),
                    "software_version": hearten.__version__,
                },
            )
    except IntegrityError:  # another process randomised between the check and the write
        raise StateError(f"trial {trial.slug!r} was randomised by someone else just now") from None
    arm_of = dict(zip(drawn.units, drawn.arms, strict=True))
    return AllocationSummary(
        seed=seed,
        scheme=drawn.scheme,
        units_by_arm={a.name: drawn.arms.count(a.name) for a in arms},
        participants_by_arm={
            a.name: sum(1 for p in people if arm_of[_unit_key(p, trial.unit)] == a.name)
            for a in arms
        },
    )


def arms_by_participant(trial: Trial) -> dict[int, str]:
    """Each participant's arm (by participant id); empty before randomisation."""
    if not Allocation.objects.filter(trial=trial).exists():
        return {}
    arm_of = dict(trial.allocation.units.values_list("unit_key", "arm__name"))
    people = Participant.objects.filter(trial=trial).select_related("team", "office")
    found = ((p.id, arm_of.get(_unit_key(p, trial.unit))) for p in people)
    return {pid: arm for pid, arm in found if arm is not None}

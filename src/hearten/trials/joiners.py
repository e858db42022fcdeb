"""Allocating units that join after randomisation: new staff in a new team, new offices, or
new people in an individually randomised trial. New people in an allocated team or office
simply share its arm.

Joiners are taken in the order they were added (first participant's id, then unit key) and
allocated by the design's late-joiner scheme (``hearten.stats.sequential``): permuted blocks
within the stratum, or minimisation on site (and role) against every unit allocated so far.
Each keeps its scheme, its place in the order (``sequence``) and its factor levels, so the
whole sequence can be replayed from the seed.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from hearten.stats.sequential import LateAllocation, blocked_joiner, minimise_joiner
from hearten.trials import audit
from hearten.trials.choices import Unit
from hearten.trials.design import Design
from hearten.trials.lifecycle import design_of
from hearten.trials.models import AllocatedUnit, Participant, Trial

INITIAL = "initial"


def late_allocation(
    design: Design,
    seed: int,
    stratum: str,
    factors: dict[str, str],
    earlier: list[AllocatedUnit],
) -> LateAllocation:
    """One joiner's arm given the units allocated before it (``earlier``, in order)."""
    names = [a.name for a in design.arms]
    ratio = [a.ratio for a in design.arms]
    r = design.randomisation
    late = [u for u in earlier if u.method != INITIAL]
    if r.late_joiners == "blocked":
        index = sum(1 for u in late if u.stratum == stratum and u.method == "blocked")
        return blocked_joiner(stratum, index, names, ratio, seed)
    chosen: dict[str, str] = {str(f): factors[f] for f in r.minimisation_factors}
    existing = [(u.arm.name, u.factors) for u in earlier]
    return minimise_joiner(
        existing, chosen, names, ratio, seed, len(late), r.minimisation_probability
    )


def allocate_joiners(trial: Trial, now: datetime) -> list[AllocatedUnit]:
    """Allocate every unit that has participants but no arm yet (module docstring)."""
    allocation = trial.allocation
    design = design_of(trial)
    if design.stepped_wedge is not None:
        return []  # the roll-out's schedule is fixed: clusters added later are not in it
    arms = {a.name: a for a in trial.arms.all()}
    with transaction.atomic():
        earlier = list(allocation.units.select_related("arm").order_by("id"))
        known = {u.unit_key for u in earlier}
        firsts: dict[str, Participant] = {}
        people = (
            Participant.objects.filter(trial=trial, withdrawn_at__isnull=True)
            .select_related("team", "office", "site")
            .order_by("id")
        )
        from hearten.trials.allocation import unit_key

        for p in people:
            key = unit_key(p, trial.unit)
            if key not in known and key not in firsts:
                firsts[key] = p
        created = []
        for key, p in firsts.items():
            stratum = p.site.code if trial.strata == "site" else "all"
            factors = {"site": p.site.code}
            if trial.unit == Unit.INDIVIDUAL:
                factors["role"] = p.role
            drawn = late_allocation(design, allocation.seed, stratum, factors, earlier)
            unit = AllocatedUnit.objects.create(
                allocation=allocation,
                unit_key=key,
                stratum=stratum,
                arm=arms[drawn.arm],
                probability=drawn.probability,
                method=drawn.scheme,
                sequence=sum(1 for u in earlier if u.method != INITIAL),
                factors=factors,
            )
            earlier.append(unit)
            created.append(unit)
        if created:
            audit.record(
                trial,
                "late-joiners-allocated",
                {
                    "scheme": design.randomisation.late_joiners,
                    "units": [
                        {"unit": u.unit_key, "arm": u.arm.name, "sequence": u.sequence}
                        for u in created
                    ],
                },
                at=now,
            )
    return created

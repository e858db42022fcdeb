"""What a run records about the allocation and the roster: how the allocation was drawn and
how to check it (seed, commitment, audit head), and who was assessed for eligibility, as the
run's typed parts (:class:`~hearten.analysis.allocation_record.AllocationRecord`, a stepped
wedge's :class:`~hearten.analysis.stepped_result.SteppedAllocation`,
:class:`~hearten.analysis.flow_counts.Assessed`)."""

from __future__ import annotations

from typing import Any, TypedDict

import pandas as pd

from hearten.analysis.allocation_record import AllocationRecord
from hearten.analysis.flow_counts import Assessed
from hearten.analysis.stepped_result import SteppedAllocation
from hearten.trials.choices import Unit
from hearten.trials.lifecycle import design_of
from hearten.trials.models import AuditEvent, Participant, SeedCommitment, Trial


class _Drawn(TypedDict):
    """How the allocation was drawn and how to check it, as every run records it."""

    seed: Any
    scheme: str
    unit: str
    randomised_at: str
    software_version: str | None
    roster_sha256: str | None
    units: int
    commitment: str | None
    committed_at: str | None
    salt: str | None
    audit_events: int
    audit_head: str | None


def _drawn(trial: Trial) -> _Drawn:
    """The allocation, its seed commitment (if any) and the audit log's length and head."""
    a = trial.allocation
    c = SeedCommitment.objects.filter(trial=trial).first()
    head = AuditEvent.objects.order_by("-id").first()
    return _Drawn(
        seed=a.seed,
        scheme=a.scheme,
        unit=a.unit,
        randomised_at=a.created_at.isoformat(),
        software_version=a.software_version,
        roster_sha256=a.roster_sha256,
        units=len(a.snapshot.get("units", [])),
        commitment=c.commitment if c else None,
        committed_at=c.created_at.isoformat() if c else None,
        salt=c.salt if c else None,
        audit_events=AuditEvent.objects.count(),
        audit_head=head.digest if head else None,
    )


def allocation_record(trial: Trial, data: pd.DataFrame) -> AllocationRecord:
    """What the report says about a parallel trial's allocation: how it was drawn and how to
    check it, its scheme's parameters, and who joined late or withdrew."""
    return AllocationRecord(
        **_drawn(trial),
        parameters=trial.allocation.parameters,
        late_units=trial.allocation.units.exclude(method="initial").count(),
        late_people=int(data["late"].sum()),
        withdrawn=int(data["withdrawn"].sum()),
        late_scheme=design_of(trial).randomisation.late_joiners,
    )


def stepped_allocation(trial: Trial) -> SteppedAllocation:
    """How a stepped wedge's schedule was drawn and how to check it, and whether it was
    drawn within strata."""
    return SteppedAllocation(**_drawn(trial), stratified=bool(trial.strata))


def assessed(trial: Trial) -> Assessed:
    """Everyone on the trial's roster: sites, randomisable units and people (CONSORT's
    "assessed for eligibility"); people not randomised joined after the draw unallocated."""
    people = Participant.objects.filter(trial=trial)
    unit = {Unit.TEAM: "team", Unit.OFFICE: "office"}.get(Unit(trial.unit))
    return Assessed(
        sites=people.values("site").distinct().count(),
        units=people.values(unit).distinct().count() if unit else people.count(),
        people=people.count(),
    )

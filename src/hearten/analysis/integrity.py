"""What a run records about the allocation and the roster: how the allocation was drawn and
how to check it (seed, commitment, audit head), and who was assessed for eligibility, as the
run's typed parts (:class:`~hearten.analysis.allocation_record.AllocationRecord`,
:class:`~hearten.analysis.flow_counts.Assessed`)."""

from __future__ import annotations

import pandas as pd

from hearten.analysis.allocation_record import AllocationRecord
from hearten.analysis.flow_counts import Assessed
from hearten.trials.choices import Unit
from hearten.trials.lifecycle import design_of
from hearten.trials.models import AuditEvent, Participant, SeedCommitment, Trial


def allocation_record(trial: Trial, data: pd.DataFrame) -> AllocationRecord:
    """What the report says about the allocation: how it was drawn and how to check it."""
    a = trial.allocation
    c = SeedCommitment.objects.filter(trial=trial).first()
    head = AuditEvent.objects.order_by("-id").first()
    late_units = a.units.exclude(method="initial").count()
    return AllocationRecord(
        seed=a.seed,
        scheme=a.scheme,
        unit=a.unit,
        randomised_at=a.created_at.isoformat(),
        parameters=a.parameters,
        software_version=a.software_version,
        roster_sha256=a.roster_sha256,
        units=len(a.snapshot.get("units", [])),
        commitment=c.commitment if c else None,
        committed_at=c.created_at.isoformat() if c else None,
        salt=c.salt if c else None,
        late_units=late_units,
        late_people=int(data["late"].sum()),
        withdrawn=int(data["withdrawn"].sum()),
        late_scheme=design_of(trial).randomisation.late_joiners,
        audit_events=AuditEvent.objects.count(),
        audit_head=head.digest if head else None,
    )


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

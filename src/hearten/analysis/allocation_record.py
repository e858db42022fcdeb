"""What a parallel trial's run records about its allocation, typed: how it was drawn and how
to check it (:class:`AllocationRecord`, made by
:func:`hearten.analysis.integrity.allocation_record`), and the arms by name and label
(:class:`RunArm`).

Each part reads and writes its stored JSON exactly (:class:`~hearten.analysis.keyed.Keyed`);
this module imports nothing heavy (the report reads stored runs through it).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hearten.analysis.keyed import JsonObject, Keyed, mapping
from hearten.errors import StateError


@dataclass(frozen=True, slots=True)
class AllocationRecord(Keyed):
    """How the allocation was drawn and how anyone can check it.

    Attributes:
        seed, scheme, unit: the draw's seed, its scheme and the unit randomised.
        randomised_at: when it was drawn (ISO 8601).
        parameters: the scheme's parameters as stored with the allocation.
        software_version, roster_sha256: the Hearten that drew it and the roster drawn over.
        units: the units randomised.
        commitment, committed_at, salt: the seed's commitment (``None`` when the seed was
            chosen at randomisation).
        late_units, late_people: units and people who joined after the draw (0 in runs
            stored before they were counted).
        withdrawn: people who withdrew (0 in older runs).
        late_scheme: how late-joining units were allocated.
        audit_events, audit_head: the audit log's length and head digest at the run.
    """

    seed: int
    scheme: str
    unit: str
    randomised_at: str
    parameters: JsonObject | None = field(default=None, metadata=mapping())
    software_version: str | None = None
    roster_sha256: str | None = None
    units: int | None = None
    commitment: str | None = None
    committed_at: str | None = None
    salt: str | None = None
    late_units: int = 0
    late_people: int = 0
    withdrawn: int = 0
    late_scheme: str | None = None
    audit_events: int | None = None
    audit_head: str | None = None


def recorded(allocation: AllocationRecord | None) -> AllocationRecord:
    """A run's allocation record, for a reader that needs it (a run stored before the record
    was kept has none: a :class:`~hearten.errors.StateError` says to analyse again)."""
    if allocation is None:
        raise StateError(
            "the analysis run stores no allocation record (an older Hearten made it): run "
            "`hearten trial analyse` again"
        )
    return allocation


@dataclass(frozen=True, slots=True)
class RunArm(Keyed):
    """One arm of the trial as the run names it: its ``name`` and its ``label``."""

    name: str
    label: str

"""The harms and concerns log: what the evaluator learns of, and concerns participants raise
through the study's contact route (entered with ``hearten trial harm``) or on the study's own
"Raise a concern" page (:mod:`hearten.surveys.concerns`); read with ``hearten trial harms``;
counted by arm in the trial report (CONSORT 2025 asks for harms and unintended effects in each
group).

Descriptions may identify people, so the report shows counts only; the entries stay in the
database (and the audit log records each one without its text).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from hearten.errors import DataError, NotFound
from hearten.trials import audit
from hearten.trials.choices import HarmKind, HarmSource
from hearten.trials.models import HarmReport, Participant, Trial


def log_harm(
    trial: Trial,
    description: str,
    *,
    kind: Literal["harm", "concern"] = "harm",
    source: Literal["evaluator", "participant"] = "evaluator",
    pseudonym: str | None = None,
    serious: bool = False,
    now: datetime,
) -> HarmReport:
    """Add an entry to the trial's harms and concerns log, reported at ``now`` (the caller's
    clock)."""
    text = description.strip()
    if not text:
        raise DataError("describe the harm or concern: the description is empty")
    if kind not in HarmKind.values or source not in HarmSource.values:
        raise DataError("kind is harm or concern; source is evaluator or participant")
    person = None
    if pseudonym:
        person = Participant.objects.filter(trial=trial, pseudonym=pseudonym).first()
        if person is None:
            raise NotFound(f"no participant {pseudonym!r} in trial {trial.slug!r}")
    return audit.create_recorded(
        trial,
        "harm-logged",
        HarmReport,
        lambda entry: {
            "entry": entry.pk,
            "kind": kind,
            "source": source,
            "serious": serious,
            "participant": pseudonym,
        },
        trial=trial,
        participant=person,
        kind=kind,
        source=source,
        serious=serious,
        description=text,
        reported_at=now,
        at=now,
    )


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One entry of the log as the evaluator reads it (``hearten trial harms``)."""

    entry: int
    reported_at: datetime
    kind: str
    source: str
    serious: bool
    pseudonym: str | None
    description: str

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "reported_at": self.reported_at.isoformat()}


def log_entries(trial: Trial, days: int | None = None, *, now: datetime) -> list[LogEntry]:
    """The trial's log, oldest first; with ``days``, only the entries of the ``days`` before
    ``now`` (the caller's clock)."""
    found = HarmReport.objects.filter(trial=trial).select_related("participant")
    if days is not None:
        found = found.filter(reported_at__gte=now - timedelta(days=days))
    return [
        LogEntry(
            e.pk,
            e.reported_at,
            e.kind,
            e.source,
            e.serious,
            e.participant.pseudonym if e.participant else None,
            e.description,
        )
        for e in found.order_by("reported_at", "id")
    ]


@dataclass(frozen=True, slots=True)
class HarmCount:
    """Entries of one kind for one arm (``arm`` "" when no participant is named)."""

    arm: str
    kind: str
    entries: int
    serious: int
    people: int


def harms_by_arm(trial: Trial) -> list[HarmCount]:
    """The log counted by arm and kind (harms, then concerns; arms in the design's order)."""
    from hearten.trials.allocation import arms_by_participant

    arm_of = arms_by_participant(trial)
    tally: dict[tuple[str, str], tuple[int, int, set[int]]] = {}
    for e in HarmReport.objects.filter(trial=trial):
        arm = arm_of.get(e.participant_id, "") if e.participant_id else ""
        n, s, people = tally.get((arm, e.kind), (0, 0, set()))
        if e.participant_id:
            people.add(e.participant_id)
        tally[(arm, e.kind)] = (n + 1, s + int(e.serious), people)
    order = [a["name"] for a in trial.design["arms"]] + [""]
    return [
        HarmCount(arm, kind, n, s, len(people))
        for kind in ("harm", "concern")
        for arm in order
        if (found := tally.get((arm, kind))) is not None
        for n, s, people in [found]
    ]

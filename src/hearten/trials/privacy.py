"""Data protection: erasing a withdrawn participant's data, and purging a trial's identifiable
data after its retention date.

Each part of Hearten deletes what it holds through the signals in :mod:`hearten.trials.signals`
(surveys their answers and links, HR records their rows, interventions letters and programme
work), so this layer need not know them. Both run in one transaction: all or nothing.

What stays, and why: a withdrawn person's pseudonymous allocation (pseudonym, unit, arm) and
their staff number, so the randomisation can still be checked and they are never contacted or
enrolled again; after a purge, the pseudonymous answers and allocation that make up the
anonymised analysis dataset.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from hearten.errors import StateError
from hearten.trials import audit
from hearten.trials.erasures import record_erasure, record_purge
from hearten.trials.lifecycle import design_of
from hearten.trials.models import IdentityKey, Participant, Trial
from hearten.trials.signals import participant_erased, trial_purged


def _collect(responses: list[tuple[Any, Any]]) -> dict[str, int]:
    out: dict[str, int] = {}
    for _, counts in responses:
        out.update(counts or {})
    return out


def erase_participant(person: Participant, *, now: datetime) -> dict[str, int]:
    """Delete everything the trial holds about ``person`` but their pseudonymous allocation and
    staff number, at ``now`` (the caller's clock, recorded as the time of the erasure); returns
    the rows deleted, by kind (recorded in the audit log)."""
    if person.erased_at is not None:
        raise StateError(f"{person.pseudonym}'s data were erased on {person.erased_at:%Y-%m-%d}")
    with transaction.atomic():
        counts = _collect(participant_erased.send(sender=Participant, participant=person, at=now))
        counts["contact details"] = IdentityKey.objects.filter(participant=person).update(
            email="", name="", address=""
        )
        Participant.objects.filter(pk=person.pk).update(erased_at=now, caseload=None)
        audit.record(
            person.trial, "erased", {"participant": person.pseudonym, "rows": counts}, at=now
        )
        record_erasure(person.trial, person.pseudonym, now=now)  # the ledger and exports, on commit
    person.refresh_from_db()
    return counts


def purge_due(trial: Trial, today: date) -> date:
    """The trial's retention date, checked to have passed on ``today`` (the caller's clock);
    :class:`StateError` otherwise."""
    until = design_of(trial).privacy.retain_until
    if until is None:
        raise StateError(
            f"trial {trial.slug!r} declares no retention date: set privacy.retain_until in its "
            "design (hearten trial amend-plan) before purging"
        )
    if today <= until:
        raise StateError(
            f"trial {trial.slug!r} keeps its identifiable data until {until:%Y-%m-%d}: it can be "
            "purged after that date"
        )
    if trial.purged_at is not None:
        raise StateError(f"trial {trial.slug!r} was purged on {trial.purged_at:%Y-%m-%d}")
    return until


def purge_identifiable(trial: Trial, *, now: datetime) -> dict[str, int]:
    """Remove the trial's identifiable data after its retention date (checked against
    ``now``'s day; ``now``, the caller's clock, is recorded as the time of the purge): staff
    numbers, names, e-mail and postal addresses, links, letters and free text; returns rows by
    kind."""
    purge_due(trial, timezone.localdate(now))
    with transaction.atomic():
        counts = _collect(trial_purged.send(sender=Trial, trial=trial, at=now))
        deleted, _ = IdentityKey.objects.filter(participant__trial=trial).delete()
        counts["identity keys (staff numbers, names, addresses)"] = deleted
        Trial.objects.filter(pk=trial.pk).update(purged_at=now)
        audit.record(trial, "purged", {"rows": counts}, at=now)
        record_purge(trial, now=now)
    trial.refresh_from_db()
    return counts


def forget_tokens(links: QuerySet[Any]) -> int:
    """Give every link in ``links`` a new random token that was never sent to anyone, so the
    database no longer holds the tokens of the links people were sent; returns how many."""
    n = 0
    for pk in list(links.values_list("pk", flat=True)):
        n += links.model.objects.filter(pk=pk).update(token=secrets.token_urlsafe(32))
    return n


def compact_database() -> str:
    """Rewrite the database so deleted rows leave no bytes behind: on SQLite a checkpoint
    that empties the write-ahead log, ``VACUUM`` and another checkpoint; on PostgreSQL
    ``VACUUM (FULL)``. Returns what was done, or ``""`` inside a transaction (neither can run
    there: the caller's transaction must end first, and a later purge or restore does it)."""
    if connection.in_atomic_block:
        return ""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            cursor.execute("VACUUM")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            return "database rewritten (SQLite VACUUM, write-ahead log emptied)"
        cursor.execute("VACUUM (FULL)")
        return "database rewritten (PostgreSQL VACUUM FULL)"

"""The hash-chained audit log."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from django.db import models, transaction

from hearten.trials.models import AuditEvent, Trial

GENESIS = "0" * 64

M = TypeVar("M", bound=models.Model)


def _digest(previous: str, slug: str, at: str, action: str, detail: dict[str, Any]) -> str:
    body = json.dumps(
        {"trial": slug, "at": at, "action": action, "detail": detail},
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256((previous + body).encode()).hexdigest()


def _stamp(at: datetime) -> datetime:
    """The event's time: the caller's clock in UTC, to the second (its ISO form is hashed,
    and must read back the same from the database)."""
    if at.tzinfo is None:
        raise ValueError("an audit event's time must be timezone-aware")
    return at.astimezone(UTC).replace(microsecond=0)


def record(trial: Trial, action: str, detail: dict[str, Any], *, at: datetime) -> AuditEvent:
    """Append an event stamped ``at`` (the caller's clock: time is an input, so a service
    run under a given clock records that clock). Call inside the transaction that does the
    action. Events are chained by id; a given clock may be earlier than the event before."""
    with transaction.atomic():
        last = AuditEvent.objects.select_for_update().order_by("-id").first()
        previous = last.digest if last else GENESIS
        at = _stamp(at)
        digest = _digest(previous, trial.slug, at.isoformat(), action, detail)
        return AuditEvent.objects.create(
            trial=trial,
            trial_slug=trial.slug,
            at=at,
            action=action,
            detail=detail,
            previous=previous,
            digest=digest,
        )


def create_recorded(
    trial: Trial,
    action: str,
    model: type[M],
    detail: Callable[[M], dict[str, Any]],
    /,
    *,
    at: datetime,
    **fields: Any,
) -> M:
    """Create one ``model`` row from ``fields`` and append ``action`` with ``detail(row)``,
    stamped ``at`` (:func:`record`), in one transaction: the row and its event are written
    together or not at all. (The first four are positional only, so ``trial`` may be one of
    the row's fields too; ``at`` is the event's time, never a field of the row.)"""
    with transaction.atomic():
        row = model._default_manager.create(**fields)
        record(trial, action, detail(row), at=at)
    return row


def verify_chain() -> list[str]:
    """Problems found in the chain, one line per broken event; empty when intact."""
    problems = []
    previous = GENESIS
    for event in AuditEvent.objects.order_by("id"):
        expected = _digest(
            previous, event.trial_slug, event.at.isoformat(), event.action, event.detail
        )
        if event.previous != previous or event.digest != expected:
            problems.append(f"event {event.id} ({event.action}) does not match the chain")
        previous = event.digest
    return problems


#: Columns of an audit event that may never change once written (``trial_id`` may become
#: NULL when a trial is deleted; the event keeps ``trial_slug``).
FROZEN_COLUMNS = ("id", "trial_slug", "at", "action", "detail", "previous", "digest")
_TABLE = "trials_auditevent"


def append_only_sql(vendor: str) -> list[str]:
    """SQL that makes the audit table append-only: no event deleted or changed."""
    if vendor == "postgresql":
        changed = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in FROZEN_COLUMNS)
        return [
            "CREATE OR REPLACE FUNCTION hearten_audit_append_only() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN "
            "IF TG_OP = 'DELETE' THEN RAISE EXCEPTION "
            "'the audit log is append-only: events cannot be deleted'; END IF; "
            f"IF {changed} THEN RAISE EXCEPTION "
            "'the audit log is append-only: events cannot be changed'; END IF; "
            "RETURN NEW; END $$",
            f"CREATE TRIGGER hearten_audit_append_only BEFORE UPDATE OR DELETE ON {_TABLE} "
            "FOR EACH ROW EXECUTE FUNCTION hearten_audit_append_only()",
        ]
    columns = ", ".join(FROZEN_COLUMNS)
    return [
        f"CREATE TRIGGER hearten_audit_no_delete BEFORE DELETE ON {_TABLE} BEGIN "
        "SELECT RAISE(ABORT, 'the audit log is append-only: events cannot be deleted'); END",
        f"CREATE TRIGGER hearten_audit_no_update BEFORE UPDATE OF {columns} ON {_TABLE} "
        "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: events cannot be changed'); "
        "END",
    ]


def remove_append_only_sql(vendor: str) -> list[str]:
    """SQL that lifts the append-only triggers (for migrations backwards and test teardown)."""
    if vendor == "postgresql":
        return [
            f"DROP TRIGGER IF EXISTS hearten_audit_append_only ON {_TABLE}",
            "DROP FUNCTION IF EXISTS hearten_audit_append_only()",
        ]
    return [
        "DROP TRIGGER IF EXISTS hearten_audit_no_delete",
        "DROP TRIGGER IF EXISTS hearten_audit_no_update",
    ]


#: Columns of an allocation that may never change once drawn: when (``created_at`` starts the
#: HR follow-up window), with what seed, by which scheme, over which roster, by which software.
#: A row is never deleted either (:func:`allocation_kept_sql`), except with its trial when the
#: trial is discarded (``lifecycle.discard_trial``).
ALLOCATION_FROZEN = ("id", "trial_id", "seed", "scheme", "unit", "software_version",
                     "created_at", "roster_sha256")  # fmt: skip
_ALLOCATION = "trials_allocation"


def allocation_frozen_sql(vendor: str) -> list[str]:
    """SQL that freezes an allocation's :data:`ALLOCATION_FROZEN` columns."""
    message = "an allocation is never changed: its time, seed and scheme are as drawn"
    if vendor == "postgresql":
        changed = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in ALLOCATION_FROZEN)
        return [
            "CREATE OR REPLACE FUNCTION hearten_allocation_frozen() RETURNS trigger "
            f"LANGUAGE plpgsql AS $$ BEGIN IF {changed} THEN RAISE EXCEPTION '{message}'; "
            "END IF; RETURN NEW; END $$",
            f"CREATE TRIGGER hearten_allocation_frozen BEFORE UPDATE ON {_ALLOCATION} "
            "FOR EACH ROW EXECUTE FUNCTION hearten_allocation_frozen()",
        ]
    columns = ", ".join(ALLOCATION_FROZEN)
    return [
        f"CREATE TRIGGER hearten_allocation_frozen BEFORE UPDATE OF {columns} ON {_ALLOCATION} "
        f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
    ]


def remove_allocation_frozen_sql(vendor: str) -> list[str]:
    """SQL that lifts :func:`allocation_frozen_sql` (migrations backwards, tamper tests)."""
    if vendor == "postgresql":
        return [
            f"DROP TRIGGER IF EXISTS hearten_allocation_frozen ON {_ALLOCATION}",
            "DROP FUNCTION IF EXISTS hearten_allocation_frozen()",
        ]
    return ["DROP TRIGGER IF EXISTS hearten_allocation_frozen"]


_UNITS = "trials_allocatedunit"
_PERMITS = "trials_discardpermit"
#: What the triggers of :func:`allocation_kept_sql` say.
KEPT_MESSAGE = (
    "an allocation is never deleted: it is kept as drawn, with its units (erasing a person "
    "keeps their pseudonymous allocation; a trial is discarded only by "
    "hearten.trials.lifecycle.discard_trial, which records it in the audit log)"
)


def allocation_kept_sql(vendor: str) -> list[str]:
    """SQL that refuses to delete an allocation or one of its units, except with its trial
    under a :class:`~hearten.trials.models.DiscardPermit` (``discard_trial``)."""
    # Table names are this module's own constants, never input: trigger DDL cannot take
    # bound parameters.
    own = f"EXISTS (SELECT 1 FROM {_PERMITS} k WHERE k.trial_id = OLD.trial_id)"  # nosec B608
    units = (
        f"EXISTS (SELECT 1 FROM {_ALLOCATION} a JOIN {_PERMITS} k ON k.trial_id = a.trial_id "  # nosec B608
        "WHERE a.id = OLD.allocation_id)"
    )
    if vendor == "postgresql":
        return [
            "CREATE OR REPLACE FUNCTION hearten_allocation_kept() RETURNS trigger "
            f"LANGUAGE plpgsql AS $$ BEGIN IF NOT {own} THEN RAISE EXCEPTION '{KEPT_MESSAGE}'; "
            "END IF; RETURN OLD; END $$",
            f"CREATE TRIGGER hearten_allocation_kept BEFORE DELETE ON {_ALLOCATION} "
            "FOR EACH ROW EXECUTE FUNCTION hearten_allocation_kept()",
            "CREATE OR REPLACE FUNCTION hearten_allocated_unit_kept() RETURNS trigger "
            f"LANGUAGE plpgsql AS $$ BEGIN IF NOT {units} THEN RAISE EXCEPTION "
            f"'{KEPT_MESSAGE}'; END IF; RETURN OLD; END $$",
            f"CREATE TRIGGER hearten_allocated_unit_kept BEFORE DELETE ON {_UNITS} "
            "FOR EACH ROW EXECUTE FUNCTION hearten_allocated_unit_kept()",
        ]
    return [
        f"CREATE TRIGGER hearten_allocation_kept BEFORE DELETE ON {_ALLOCATION} "
        f"WHEN NOT {own} BEGIN SELECT RAISE(ABORT, '{KEPT_MESSAGE}'); END",
        f"CREATE TRIGGER hearten_allocated_unit_kept BEFORE DELETE ON {_UNITS} "
        f"WHEN NOT {units} BEGIN SELECT RAISE(ABORT, '{KEPT_MESSAGE}'); END",
    ]


def remove_allocation_kept_sql(vendor: str) -> list[str]:
    """SQL that lifts :func:`allocation_kept_sql` (migrations backwards, test teardown)."""
    if vendor == "postgresql":
        return [
            f"DROP TRIGGER IF EXISTS hearten_allocation_kept ON {_ALLOCATION}",
            "DROP FUNCTION IF EXISTS hearten_allocation_kept()",
            f"DROP TRIGGER IF EXISTS hearten_allocated_unit_kept ON {_UNITS}",
            "DROP FUNCTION IF EXISTS hearten_allocated_unit_kept()",
        ]
    return [
        "DROP TRIGGER IF EXISTS hearten_allocation_kept",
        "DROP TRIGGER IF EXISTS hearten_allocated_unit_kept",
    ]

"""The hash-chained audit log."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.db import transaction
from django.utils import timezone

from hearten.trials.models import AuditEvent, Trial

GENESIS = "0" * 64


def _digest(previous: str, slug: str, at: str, action: str, detail: dict[str, Any]) -> str:
    body = json.dumps(
        {"trial": slug, "at": at, "action": action, "detail": detail},
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256((previous + body).encode()).hexdigest()


def record(trial: Trial, action: str, detail: dict[str, Any]) -> AuditEvent:
    """Append an event. Call inside the transaction that does the action."""
    with transaction.atomic():
        last = AuditEvent.objects.select_for_update().order_by("-id").first()
        previous = last.digest if last else GENESIS
        at = timezone.now().replace(microsecond=0)
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

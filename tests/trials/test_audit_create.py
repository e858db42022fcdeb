"""``audit.create_recorded``: a row and its audit event are written together or not at all."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from hearten.trials import audit
from hearten.trials.models import AuditEvent, HarmReport

pytestmark = pytest.mark.django_db


def _create(trial: Any, detail: Any) -> HarmReport:
    return audit.create_recorded(
        trial,
        "harm-logged",
        HarmReport,
        detail,
        trial=trial,
        kind="harm",
        source="evaluator",
        description="Upset by a survey question",
        reported_at=timezone.now(),
    )


def test_the_row_and_its_event_are_written_together(trial: Any) -> None:
    entry = _create(trial, lambda row: {"entry": row.pk})
    event = AuditEvent.objects.filter(trial=trial, action="harm-logged").get()
    assert event.detail == {"entry": entry.pk}
    assert audit.verify_chain() == []


def test_no_row_is_left_when_its_event_cannot_be_written(trial: Any) -> None:
    def broken(row: HarmReport) -> dict[str, Any]:
        raise RuntimeError("the event's detail could not be made")

    with pytest.raises(RuntimeError):
        _create(trial, broken)
    assert not HarmReport.objects.filter(trial=trial).exists()
    assert not AuditEvent.objects.filter(trial=trial, action="harm-logged").exists()

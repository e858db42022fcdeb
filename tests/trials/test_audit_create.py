"""``audit.create_recorded``: a row and its audit event are written together or not at all."""

from __future__ import annotations

from datetime import timedelta
from datetime import timezone as tz
from typing import Any

import pytest
from django.utils import timezone

from hearten.trials import audit
from hearten.trials.models import AuditEvent, HarmReport
from tests.conftest import CLOCK

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
        at=CLOCK,
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


def test_an_event_carries_its_writers_clock_to_the_second_and_the_chain_holds(trial: Any) -> None:
    later = audit.record(trial, "x-later", {}, at=CLOCK + timedelta(hours=1, microseconds=7))
    # A given clock may be earlier than the event before it (events are chained by id), and
    # one given in another zone is stored, and hashed, as the same instant in UTC.
    earlier = audit.record(trial, "x-earlier", {}, at=CLOCK.astimezone(tz(timedelta(hours=1))))
    later.refresh_from_db()
    earlier.refresh_from_db()
    assert (later.at, earlier.at) == (CLOCK + timedelta(hours=1), CLOCK)
    assert audit.verify_chain() == []


def test_an_event_without_a_zone_is_refused(trial: Any) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        audit.record(trial, "x", {}, at=CLOCK.replace(tzinfo=None))
    assert not AuditEvent.objects.filter(action="x").exists()

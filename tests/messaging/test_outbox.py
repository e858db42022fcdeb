"""The outbox sends what the apps above it register and nothing else."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone
from django.utils.module_loading import import_string

from hearten.messaging.models import Message, MessageStatus
from hearten.messaging.outbox import FIRST_WAIT, STALE_AFTER, _failed, send_message, sweep
from hearten.messaging.purposes import purpose_of, queue
from hearten.trials.models import Site
from tests.conftest import Inbox

pytestmark = pytest.mark.django_db

#: A clock long past: the outbox goes by the clock it is given, not the machine's (issue 27).
AT = datetime(2025, 4, 7, 9, tzinfo=UTC)


def test_a_message_about_something_no_app_writes_is_skipped_not_sent(
    trial: Any, smtp: Inbox
) -> None:
    person = trial.participants.first()
    queue(Site, [(person.site_id, person.pk, "stray", timezone.now())])
    message = Message.objects.get(kind="stray")
    assert purpose_of(message) is None
    assert send_message.call(message.pk) == "skipped: nothing writes this e-mail"
    message.refresh_from_db()
    assert (message.status, message.note) == (MessageStatus.SKIPPED, "nothing writes this e-mail")
    assert smtp.messages == []


def test_queueing_twice_makes_one_message_per_subject_and_kind(trial: Any) -> None:
    person = trial.participants.first()
    for _ in range(2):
        queue(Site, [(person.site_id, person.pk, "once", timezone.now())])
    assert Message.objects.filter(kind="once").count() == 1


def test_tasks_queued_before_the_move_still_find_the_send_task() -> None:
    assert import_string("hearten.surveys.mail.send_message") is send_message


def test_a_sweep_finds_what_is_due_by_the_clock_it_is_given(trial: Any) -> None:
    person = trial.participants.first()
    queue(Site, [(person.site_id, person.pk, "due", AT)])
    assert sweep(AT - timedelta(seconds=1)) == 0
    assert sweep(AT) == 1
    # A claim is stale by the sweep's clock too: not yet a moment before STALE_AFTER.
    Message.objects.update(status=MessageStatus.SENDING, claimed_at=AT)
    assert sweep(AT + STALE_AFTER) == 0
    assert Message.objects.get().status == MessageStatus.SENDING
    assert sweep(AT + STALE_AFTER + timedelta(seconds=1)) == 1
    assert Message.objects.get().status == MessageStatus.PENDING


def test_a_failed_try_is_timed_by_the_clock_it_is_given(trial: Any, settings: Any) -> None:
    person = trial.participants.first()
    queue(Site, [(person.site_id, person.pk, "due", AT)])
    message = Message.objects.get()
    _failed(message, ConnectionRefusedError("no server"), AT)
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.PENDING, 1)
    assert (message.failing_since, message.retry_at) == (AT, AT + FIRST_WAIT)
    # The retry period is counted from the first failure to the clock of the last try.
    end = AT + timedelta(hours=settings.HEARTEN.mail_retry_hours)
    _failed(message, ConnectionRefusedError("no server"), end - timedelta(seconds=1))
    message.refresh_from_db()
    assert message.status == MessageStatus.PENDING
    _failed(message, ConnectionRefusedError("no server"), end)
    message.refresh_from_db()
    assert (message.status, message.failing_since, message.retry_at) == (
        MessageStatus.FAILED, AT, None,
    )  # fmt: skip

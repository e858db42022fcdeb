"""The outbox sends what the apps above it register and nothing else."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone
from django.utils.module_loading import import_string

from hearten.messaging.models import Message, MessageStatus
from hearten.messaging.outbox import send_message
from hearten.messaging.purposes import purpose_of, queue
from hearten.trials.models import Site
from tests.conftest import Inbox

pytestmark = pytest.mark.django_db


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

"""The outbox sends what the apps above it register and nothing else."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from django.utils.module_loading import import_string

from hearten.errors import DataError
from hearten.messaging import purposes
from hearten.messaging.models import Message, MessageStatus
from hearten.messaging.outbox import FIRST_WAIT, STALE_AFTER, _failed, send_message, sweep
from hearten.messaging.purposes import Draft, purpose_of, queue
from hearten.trials.models import Site
from tests.conftest import Inbox

pytestmark = pytest.mark.django_db

#: A clock long past: the outbox goes by the clock it is given, not the machine's (issue 27).
AT = datetime(2025, 4, 7, 9, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Note:
    """A kind of message the test's own purpose declares: ``once`` or ``due``."""

    stored: str


class Notes:
    """A purpose for messages about sites, only for these tests."""

    def kind(self, stored: str) -> Note:
        if stored not in ("once", "due"):
            raise ValueError(f"{stored!r} is not a note (once, due)")
        return Note(stored)

    def unwanted(self, message: Message, now: datetime) -> str | None:
        return None

    def draft(self, message: Message, now: datetime) -> Draft:
        return Draft("A note", "Hello.", "https://example.org/leave/", "")

    def sent(self, message: Message, now: datetime) -> None:
        pass


@pytest.fixture(autouse=True)
def notes() -> Iterator[None]:
    """Messages about sites are written by :class:`Notes` while a test runs."""
    purposes.register(Site, Notes())
    yield
    purposes._PURPOSES.pop(("trials", "site"), None)


def test_a_message_about_something_no_app_writes_is_skipped_not_sent(
    trial: Any, smtp: Inbox
) -> None:
    person = trial.participants.first()
    # Made while an app wrote it, which is no longer installed.
    message = Message.objects.create(
        content_type=ContentType.objects.get_for_model(Site), object_id=person.site_id,
        participant=person, kind="stray", due_at=timezone.now(),
    )  # fmt: skip
    del purposes._PURPOSES[("trials", "site")]
    assert purpose_of(message) is None
    assert send_message.call(message.pk) == "skipped: nothing writes this e-mail"
    message.refresh_from_db()
    assert (message.status, message.note) == (MessageStatus.SKIPPED, "nothing writes this e-mail")
    assert smtp.messages == []


def test_queueing_twice_makes_one_message_per_subject_and_kind(trial: Any) -> None:
    person = trial.participants.first()
    for _ in range(2):
        queue(Site, [(person.site_id, person.pk, Note("once"), timezone.now())])
    assert Message.objects.filter(kind="once").count() == 1


def test_tasks_queued_before_the_move_still_find_the_send_task() -> None:
    assert import_string("hearten.surveys.mail.send_message") is send_message


def test_a_sweep_finds_what_is_due_by_the_clock_it_is_given(trial: Any) -> None:
    person = trial.participants.first()
    queue(Site, [(person.site_id, person.pk, Note("due"), AT)])
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
    queue(Site, [(person.site_id, person.pk, Note("due"), AT)])
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


def test_a_kind_its_purpose_does_not_declare_is_refused_in_one_line(trial: Any) -> None:
    from hearten.interventions.programme_mail import ProgrammeKind
    from hearten.surveys.mail_kinds import INVITATION
    from hearten.surveys.models import Invitation

    person = trial.participants.first()
    with pytest.raises(DataError) as refused:
        queue(Site, [(person.site_id, person.pk, Note("stray"), AT)])
    assert str(refused.value) == (
        "unknown e-mail kind 'stray' about trials.site: 'stray' is not a note (once, due)"
    )
    # Another app's kind, or one the model's purpose reads back as a different kind.
    with pytest.raises(
        DataError, match=re.escape("'programme-1' about surveys.invitation: 'programme-1'")
    ):
        queue(Invitation, [(1, person.pk, ProgrammeKind(1), AT)])
    with pytest.raises(
        DataError, match=re.escape("'invitation' about trials.site: 'invitation' is not")
    ):
        queue(Site, [(person.site_id, person.pk, INVITATION, AT)])
    with pytest.raises(
        DataError, match=re.escape("'due' about surveys.invitation: 'due' is not a survey")
    ):
        queue(Invitation, [(1, person.pk, Note("due"), AT)])
    with pytest.raises(
        DataError, match=re.escape("'invitation' about surveys.invitation: not a kind its")
    ):
        queue(Invitation, [(1, person.pk, Note("invitation"), AT)])
    purposes._PURPOSES.pop(("trials", "site"))
    with pytest.raises(
        DataError, match=re.escape("about trials.site: no app registered e-mails about it")
    ):
        queue(Site, [(person.site_id, person.pk, Note("due"), AT)])
    assert not Message.objects.exists()

"""Invitations and reminders over real SMTP: a loopback aiosmtpd server reads what arrived."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from hearten.messaging.models import Message
from hearten.surveys.models import Invitation
from hearten.surveys.services import close_wave, get_wave, invite, record_consent, save_page
from hearten.trials.people import withdraw
from tests.conftest import Inbox, free_port

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("worker_in_test")]


def test_invitations_and_reminders_arrive_once_and_only_while_wanted(
    hearten: Callable[..., Any], smtp: Inbox, trial: Any
) -> None:
    wave = get_wave(trial, "baseline")
    invite(wave, timezone.now())
    assert Message.objects.count() == 40 * 3  # the invitation and two reminders each
    r = hearten("worker", "--once")
    assert r.code == 0, r.err
    assert len(smtp.messages) == 40
    first = smtp.messages[0]
    assert first["Subject"] == "Staff wellbeing study: a short survey"  # never the internal name
    assert first["Message-ID"].startswith("<hearten-message-")
    body = first.get_payload(decode=True).decode()
    inv = Invitation.objects.get(participant__identity__email=first["To"])
    assert f"/s/{inv.token}/" in body
    assert "about 3 minutes" in body  # SWEMWBS, consent page of 257 words, check: 141 s
    assert trial.name not in body
    assert f"/s/{inv.token}/leave-study/" in body
    assert f"/s/{inv.token}/privacy/" in body
    assert "Samaritans: 116 123" in body
    # Nothing more is due: running again sends nothing, and opening again schedules nothing.
    invite(wave, timezone.now())
    hearten("worker", "--once")
    assert len(smtp.messages) == 40
    # One person finishes, one withdraws, one declines; then the first reminder falls due.
    people = list(Invitation.objects.filter(wave=wave).order_by("id"))
    record_consent(people[0], True, now=timezone.now())
    save_page(people[0], "swemwbs", {f"swemwbs_{i}": 3 for i in range(1, 8)}, now=timezone.now())
    withdraw(trial, people[1].participant.pseudonym, now=timezone.now())
    record_consent(people[2], False, now=timezone.now())
    Message.objects.filter(kind="reminder-1").update(due_at=timezone.now() - timedelta(seconds=1))
    hearten("worker", "--once")
    reminders = [m for m in smtp.messages if "reminder" in m["Subject"]]
    assert len(reminders) == 37
    skipped = dict(
        Message.objects.filter(kind="reminder-1", status="skipped").values_list(
            "invitation", "note"
        )
    )
    assert skipped == {
        people[0].pk: "survey complete",
        people[1].pk: "withdrawn",
        people[2].pk: "declined",
    }
    # After the wave closes, no reminder goes.
    close_wave(wave, timezone.now())
    Message.objects.filter(kind="reminder-2").update(due_at=timezone.now() - timedelta(seconds=1))
    hearten("worker", "--once")
    assert len(smtp.messages) == 40 + 37 + 1  # and the consent receipt of the one who answered
    assert Message.objects.filter(kind="reminder-2", note="wave closed").count() == 37


def test_a_worker_that_died_mid_send_sends_again_and_a_duplicate_task_does_not(
    hearten: Callable[..., Any], smtp: Inbox, trial: Any
) -> None:
    from hearten.messaging.outbox import send_message

    invite(get_wave(trial, "baseline"), timezone.now())
    Message.objects.exclude(kind="invitation").delete()
    stuck, *rest = list(Message.objects.order_by("id"))
    # The worker claimed this one and died before marking it sent.
    Message.objects.filter(pk=stuck.pk).update(
        status="sending", claimed_at=timezone.now() - timedelta(minutes=30)
    )
    send_message.enqueue(rest[0].pk)  # enqueued twice: by an earlier sweep and by this one
    hearten("worker", "--once")
    assert len(smtp.messages) == 40
    assert Message.objects.filter(status="sent").count() == 40
    ids = [m["Message-ID"] for m in smtp.messages]
    assert len(set(ids)) == 40


def test_an_smtp_failure_is_retried_later(
    hearten: Callable[..., Any], settings: Any, trial: Any
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nobody listening
    settings.EMAIL_TIMEOUT = 2
    invite(get_wave(trial, "baseline"), timezone.now())
    Message.objects.exclude(kind="invitation").delete()
    Message.objects.exclude(pk=Message.objects.order_by("id").first().pk).delete()  # type: ignore[union-attr]
    hearten("worker", "--once")
    m = Message.objects.get()
    assert m.status == "pending"
    assert m.attempts == 1
    assert m.note

"""E-mail through a mail-server outage: a real loopback SMTP server is stopped during a wave
and started again; nothing is lost, each failure is one log line, and the evaluator sees it."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from hearten.messaging.models import MailFailure, Message, MessageStatus
from hearten.messaging.outbox import mail_status, wait_after
from hearten.surveys.models import Invitation
from hearten.surveys.services import get_wave, invite
from tests.conftest import Inbox

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("worker_in_test")]


def _invitations_only(trial: Any) -> None:
    invite(get_wave(trial, "baseline"), timezone.now())
    Message.objects.exclude(kind="invitation").delete()


def _retry_now() -> None:
    Message.objects.filter(retry_at__isnull=False).update(
        retry_at=timezone.now() - timedelta(seconds=1)
    )


def test_mail_waits_through_an_outage_and_goes_when_the_server_answers_again(
    hearten: Callable[..., Any], smtp: Inbox, trial: Any
) -> None:
    _invitations_only(trial)
    smtp.stop()
    r = hearten("worker", "--once")
    assert r.code == 0
    assert "Traceback" not in r.out + r.err
    assert smtp.messages == []
    rows = list(Message.objects.all())
    assert {m.status for m in rows} == {MessageStatus.PENDING}
    assert {m.attempts for m in rows} == {1}
    assert {m.failure for m in rows} == {MailFailure.UNREACHABLE}
    for m in rows:
        assert m.retry_at is not None
        assert m.failing_since is not None
        assert timedelta(seconds=50) < m.retry_at - m.failing_since <= timedelta(minutes=1)
    # One line in the log per failed message, no traceback.
    lines = r.err.splitlines()
    assert len(lines) == 40
    assert all(" not sent, try 1: ConnectionRefusedError" in x for x in lines)
    assert "40 could not be sent since" in r.out
    # A sweep before the wait is over tries nothing (and the server still does not answer).
    hearten("worker", "--once")
    assert {m.attempts for m in Message.objects.all()} == {1}
    # The second try waits twice as long; the period runs out after the configured hours.
    _retry_now()
    hearten("worker", "--once")
    m = Message.objects.order_by("id").first()
    assert m is not None
    assert m.attempts == 2
    assert m.retry_at is not None
    assert timedelta(seconds=110) < m.retry_at - timezone.now() <= timedelta(minutes=2)
    Message.objects.update(failing_since=timezone.now() - timedelta(hours=49))
    _retry_now()
    r = hearten("worker", "--once")
    assert Message.objects.filter(status=MessageStatus.FAILED).count() == 40
    assert "40 failed" in r.out
    assert "--retry-failed" in r.out
    assert mail_status(trial.pk).failed == 40
    # The server answers again: the next sweep sends every one of them, once.
    smtp.start()
    r = hearten("worker", "--once")
    assert len(smtp.messages) == 40
    assert len({x["To"] for x in smtp.messages}) == 40
    assert Message.objects.filter(status=MessageStatus.SENT).count() == 40
    assert "40 sent" in r.out
    hearten("worker", "--once")
    assert len(smtp.messages) == 40


def test_a_short_outage_loses_nothing_before_the_retry_period_ends(
    hearten: Callable[..., Any], smtp: Inbox, trial: Any
) -> None:
    """Six failed sweeps in a row (the old limit was five) and the mail still goes."""
    _invitations_only(trial)
    smtp.stop()
    for _ in range(6):
        _retry_now()
        hearten("worker", "--once")
    assert Message.objects.filter(status=MessageStatus.PENDING, attempts=6).count() == 40
    smtp.start()
    hearten("worker", "--once")
    assert len(smtp.messages) == 40


def test_the_retry_period_is_configurable(
    hearten: Callable[..., Any], smtp: Inbox, trial: Any, settings: Any
) -> None:
    settings.HEARTEN = dataclasses.replace(settings.HEARTEN, mail_retry_hours=2.0)
    _invitations_only(trial)
    smtp.stop()
    hearten("worker", "--once")
    Message.objects.update(failing_since=timezone.now() - timedelta(hours=3))
    _retry_now()
    hearten("worker", "--once")
    assert Message.objects.filter(status=MessageStatus.FAILED).count() == 40
    smtp.start()


class Refusing(Inbox):
    """Refuses the recipient ``refused`` (a permanent 550), takes every other message."""

    refused = ""

    async def handle_RCPT(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address == self.refused:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"


def test_a_refused_message_fails_at_once_and_goes_again_on_request(
    hearten: Callable[..., Any], smtp: Inbox, trial: Any
) -> None:
    _invitations_only(trial)
    Message.objects.exclude(pk=Message.objects.order_by("id").first().pk).delete()  # type: ignore[union-attr]
    m = Message.objects.get()
    address = m.participant.identity.email
    refusing = Refusing()
    refusing.refused = address
    smtp.stop()
    refusing.start(smtp.port)
    try:
        r = hearten("worker", "--once")
        m.refresh_from_db()
        assert (m.status, m.failure, m.attempts) == ("failed", MailFailure.REFUSED, 1)
        assert "550" in m.note
        assert "1 failed" in r.out
        # The server answers, but a refusal is not an outage: it is not sent again by itself.
        hearten("worker", "--once")
        m.refresh_from_db()
        assert (m.status, m.attempts) == ("failed", 1)
        refusing.refused = ""  # the address was fixed at the other end
        r = hearten("worker", "--once", "--retry-failed")
        assert "1 failed e-mail(s) will be sent again" in r.out
        m.refresh_from_db()
        assert m.status == "sent"
        assert [x["To"] for x in refusing.messages] == [address]
    finally:
        refusing.stop()


def test_headers_name_the_one_click_stop_and_the_study_contact(
    hearten: Callable[..., Any], smtp: Inbox, trial: Any, settings: Any
) -> None:
    trial.design.setdefault("participants", {})["email"] = "wellbeing-study@example.org"
    trial.save(update_fields=["design"])
    _invitations_only(trial)
    hearten("worker", "--once")
    first = smtp.messages[0]
    inv = Invitation.objects.get(participant__identity__email=first["To"])
    # One click stops e-mails (RFC 8058), not the leave page, which asks before it acts.
    stop = f"<{settings.HEARTEN.base_url}/s/{inv.token}/stop-emails/>"
    assert "".join(first["List-Unsubscribe"].split()) == stop  # long headers are folded
    assert first["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert first["Reply-To"] == "wellbeing-study@example.org"


def test_one_click_unsubscribe_stops_e_mails_without_leaving_the_study(
    hearten: Callable[..., Any], smtp: Inbox, trial: Any
) -> None:
    from django.test import Client

    from hearten.messaging.stops import STOPPED
    from hearten.trials.models import Arm

    _invitations_only(trial)
    inv = Invitation.objects.select_related("participant").order_by("pk").first()
    assert inv is not None
    url = f"/s/{inv.token}/stop-emails/"
    browser = Client(enforce_csrf_checks=True)  # as a mail program: no CSRF token, no cookie
    asked = browser.get(url)
    assert asked.status_code == 200
    assert "Stop e-mails" in asked.content.decode()
    assert not hasattr(inv.participant, "mail_stop")  # looking at the page stops nothing
    done = browser.post(
        url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert done.status_code == 200
    page = done.content.decode()
    assert "You will get no more e-mails from this study" in page
    assert f"/s/{inv.token}/leave-study/" in page  # leaving is still theirs to choose
    for arm in Arm.objects.filter(trial=trial).values_list("name", flat=True):
        assert arm not in page, arm
    assert browser.post(url).status_code == 200  # again: nothing changes
    assert hearten("worker", "--once").code == 0
    mine = Message.objects.get(participant=inv.participant)
    assert (mine.status, mine.note) == (MessageStatus.SKIPPED, STOPPED)
    assert inv.participant.identity.email not in [m["To"] for m in smtp.messages]
    assert len(smtp.messages) == Message.objects.filter(status="sent").count() > 0
    inv.participant.refresh_from_db()
    assert inv.participant.withdrawn_at is None  # still in the study
    assert Client().get(f"/s/{inv.token}/").status_code == 200  # and their link works
    assert Client().post("/s/no-such-link/stop-emails/").status_code == 404


def test_waits_double_up_to_an_hour() -> None:
    assert [wait_after(n).total_seconds() / 60 for n in range(1, 9)] == [
        1, 2, 4, 8, 16, 32, 60, 60,
    ]  # fmt: skip


def test_the_trial_page_warns_the_evaluator_of_mail_that_has_not_gone(
    hearten: Callable[..., Any], smtp: Inbox, trial: Any, client: Any
) -> None:
    from django.contrib.auth import get_user_model

    from tests.conftest import sign_in

    user = get_user_model().objects.create_user("eve", password="a long passphrase 1")
    trial.evaluators.add(user)
    assert sign_in(client, "eve", "a long passphrase 1")
    _invitations_only(trial)
    smtp.stop()
    hearten("worker", "--once")
    page = client.get(f"/trials/{trial.slug}/").content.decode()
    assert "E-mails to participants" in page
    assert "govuk-warning-text" in page
    assert "40 could not be sent since" in page
    assert "will be tried again" in page
    smtp.start()
    hearten("worker", "--once")
    page = client.get(f"/trials/{trial.slug}/").content.decode()
    assert "40 sent, 0 waiting" in page
    assert "govuk-warning-text" not in page


def test_the_retry_period_is_read_from_the_environment(tmp_path: Any) -> None:
    from hearten.config import load_settings

    env = {"HEARTEN_HOME": str(tmp_path), "HEARTEN_MAIL_RETRY_HOURS": "6"}
    assert load_settings(env).mail_retry_hours == 6.0
    assert load_settings({"HEARTEN_HOME": str(tmp_path)}).mail_retry_hours == 48.0
    with pytest.raises(ValueError, match="HEARTEN_MAIL_RETRY_HOURS must be a number of hours"):
        load_settings({**env, "HEARTEN_MAIL_RETRY_HOURS": "soon"})

"""A wave's reminder schedule and "send a reminder now": only to those who have not answered,
only in the sender's own sites, through the e-mail worker over real SMTP, at most once a day,
never once the survey has closed, and audited."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from hearten.errors import StateError
from hearten.messaging.models import Message
from hearten.surveys.models import Invitation
from hearten.surveys.reminders import MIN_GAP, remind_now, schedule_of
from hearten.surveys.services import close_wave, get_wave, invite, record_consent, save_page
from hearten.trials.models import AuditEvent
from tests.conftest import Inbox

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("worker_in_test")]
ANSWERS = {f"swemwbs_{i}": 3 for i in range(1, 8)}
#: The frozen clock the wave opens and reminders are sent by (in the past: the worker sends
#: what is due by the real time).
NOW = datetime(2026, 10, 5, 9, tzinfo=UTC)


@pytest.fixture
def opened(trial: Any) -> Any:
    wave = get_wave(trial, "baseline")
    invite(wave, now=NOW)
    Message.objects.all().update(status="sent", sent_at=NOW)  # invitations went
    for inv in Invitation.objects.filter(wave=wave, participant__site__code="Dudley").order_by(
        "id"
    )[:3]:
        record_consent(inv, True, now=NOW)
        save_page(inv, "swemwbs", ANSWERS, now=NOW)
    return wave


def _dudley(trial: Any) -> set[int]:
    return set(trial.sites.filter(code="Dudley").values_list("id", flat=True))


def test_a_reminder_now_reaches_only_those_of_my_sites_who_have_not_answered(
    hearten: Callable[..., Any], smtp: Inbox, opened: Any
) -> None:
    coordinator = get_user_model().objects.create_user("coord")
    queued = remind_now(coordinator, opened, _dudley(opened.trial), NOW)
    assert queued == 20 - 3
    assert hearten("worker", "--once").code == 0
    reminders = [m for m in smtp.messages if "a reminder about the survey" in m["Subject"]]
    assert len(reminders) == 17  # besides the three consent receipts
    dudley = set(
        Invitation.objects.filter(
            wave=opened, participant__site__code="Dudley", completed_at__isnull=True
        ).values_list("participant__identity__email", flat=True)
    )
    assert {m["To"] for m in reminders} == dudley
    event = AuditEvent.objects.get(action="reminder-sent-now")
    assert event.detail == {"by": "coord", "wave": "baseline", "sites": ["Dudley"], "emails": 17}


def test_a_second_reminder_within_a_day_is_refused_then_allowed(opened: Any) -> None:
    coordinator = get_user_model().objects.create_user("coord")
    dudley = _dudley(opened.trial)
    remind_now(coordinator, opened, dudley, NOW)
    with pytest.raises(StateError, match="nobody is pressed more than once a day"):
        remind_now(coordinator, opened, dudley, NOW)
    assert not schedule_of(opened, dudley, NOW).can_remind
    # Shropshire's coordinator is not held back by Dudley's reminder.
    shropshire = set(opened.trial.sites.filter(code="Shropshire").values_list("id", flat=True))
    assert schedule_of(opened, shropshire, NOW).can_remind
    # A minute short of a day later, still refused; a day later, allowed (a frozen clock).
    first = Message.objects.filter(kind="reminder-now-1").values_list("due_at", flat=True)[0]
    assert first == NOW
    with pytest.raises(StateError, match="nobody is pressed more than once a day"):
        remind_now(coordinator, opened, dudley, first + MIN_GAP - timedelta(minutes=1))
    assert not schedule_of(opened, dudley, first + MIN_GAP - timedelta(minutes=1)).can_remind
    assert schedule_of(opened, dudley, first + MIN_GAP).can_remind
    assert remind_now(coordinator, opened, dudley, first + MIN_GAP) == 17
    assert Message.objects.filter(kind="reminder-now-2").count() == 17
    assert AuditEvent.objects.filter(action="reminder-sent-now").count() == 2


def test_no_reminder_goes_once_the_survey_has_closed(opened: Any) -> None:
    close_wave(opened, NOW)
    with pytest.raises(StateError, match="has closed"):
        remind_now(get_user_model().objects.create_user("eve"), opened, None, NOW)
    assert not Message.objects.filter(kind__startswith="reminder-now").exists()
    assert not AuditEvent.objects.filter(action="reminder-sent-now").exists()


def test_the_schedule_lists_the_closing_date_and_each_reminder(opened: Any) -> None:
    opened.closes_on = (opened.opened_at + timedelta(days=21)).date()
    opened.save()
    s = schedule_of(opened, None, opened.opened_at + timedelta(days=8))
    assert s.closes_on == opened.closes_on
    assert not s.closed
    days = [(r.due - opened.opened_at).days for r in s.reminders]
    assert days == opened.reminder_days
    assert [r.gone for r in s.reminders] == [d <= 8 for d in opened.reminder_days]
    assert not any(r.by_hand for r in s.reminders)
    remind_now(get_user_model().objects.create_user("eve"), opened, None, NOW)
    assert [r.by_hand for r in schedule_of(opened, None, NOW).reminders].count(True) == 1


def test_a_due_e_mail_is_dropped_by_the_send_s_clock_once_the_wave_has_closed(opened: Any) -> None:
    """Whether a survey e-mail still goes is decided at the clock the send passes (issue 27):
    on the wave's closing day it goes, the day after it does not."""
    from hearten.surveys.mail import SurveyMail

    opened.closes_on = date(2026, 10, 26)
    opened.save()
    waiting = Invitation.objects.filter(wave=opened, completed_at__isnull=True).first()
    assert waiting is not None
    message = Message.objects.get(invitation=waiting, kind="reminder-1")
    mail = SurveyMail()
    assert mail.unwanted(message, datetime(2026, 10, 26, 20, tzinfo=UTC)) is None
    assert mail.unwanted(message, datetime(2026, 10, 27, 9, tzinfo=UTC)) == "wave closed"

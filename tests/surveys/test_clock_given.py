"""The survey services decide by the clock their caller gives, never by the machine's (issue 27):
the same calls with the same clock give the same answers and store the same times, whatever
the day the tests run. The clocks here are in a spring long past and a year far ahead, so a
service that read today's date would decide otherwise."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from hearten.errors import StateError
from hearten.messaging.models import Message
from hearten.surveys.models import Invitation, Response
from hearten.surveys.reminders import schedule_of
from hearten.surveys.services import (
    close_wave,
    get_wave,
    invite,
    is_closed,
    link_dead,
    record_consent,
    revoke_links,
    save_page,
)
from hearten.surveys.visits import visit

pytestmark = pytest.mark.django_db

#: A morning when the wave is open: its closing date (``CLOSES``) is three days on.
SPRING = datetime(2025, 4, 7, 9, tzinfo=UTC)
CLOSES = date(2025, 4, 10)
#: Noon on the closing date (still open all that day) and the first morning after it.
LAST_DAY = datetime(2025, 4, 10, 12, tzinfo=UTC)
DAY_AFTER = datetime(2025, 4, 11, 8, tzinfo=UTC)
#: A clock far ahead of any day these tests run on.
FAR_AHEAD = datetime(2099, 1, 4, 9, tzinfo=UTC)
SWEMWBS = {f"swemwbs_{i}": "4" for i in range(1, 8)}


@pytest.fixture
def wave(trial: Any) -> Any:
    """The baseline wave, closing on ``CLOSES``, of a trial whose links end on 30 April 2025."""
    design = copy.deepcopy(trial.design)
    design["privacy"] = {**design.get("privacy", {}), "ends_on": "2025-04-30"}
    trial.design = design
    trial.save()
    w = get_wave(trial, "baseline")
    w.closes_on = CLOSES
    w.save()
    return w


def test_a_wave_is_open_or_closed_by_the_clock_given_not_today(wave: Any) -> None:
    # Today (whenever the tests run) is long past CLOSES; the services go by the clock given.
    for now, closed in ((SPRING, False), (LAST_DAY, False), (DAY_AFTER, True)):
        assert is_closed(wave, now) is closed
        assert schedule_of(wave, None, now).closed is False  # not opened yet: nothing to close
    links = invite(wave, SPRING)
    assert len(links) == 40
    wave.refresh_from_db()
    assert wave.opened_at == SPRING
    assert schedule_of(wave, None, LAST_DAY).closed is False
    assert schedule_of(wave, None, DAY_AFTER).closed is True
    with pytest.raises(StateError, match="has closed"):
        invite(wave, DAY_AFTER)
    v = visit(links[0].token)
    assert v is not None
    assert (v.closed(LAST_DAY), v.closed(DAY_AFTER)) == (False, True)


def test_a_link_ends_at_the_instant_given(wave: Any) -> None:
    trial = wave.trial
    assert link_dead(trial, None, datetime(2025, 4, 30, 12, tzinfo=UTC)) == ""
    assert link_dead(trial, None, datetime(2025, 5, 1, 8, tzinfo=UTC)) == "ended"
    assert link_dead(trial, SPRING, SPRING) == "revoked"
    inv = invite(wave, SPRING)[0]
    assert revoke_links(trial, [inv.pseudonym], now=LAST_DAY) == 1
    assert Invitation.objects.get(token=inv.token).revoked_at == LAST_DAY


def test_invitations_and_reminders_are_due_from_the_clock_given(wave: Any) -> None:
    invite(wave, SPRING)
    # The links are stamped with the clock given too (the stepped-wedge report reads when a
    # period's first link was made from them), not with the database's.
    assert set(Invitation.objects.filter(wave=wave).values_list("created_at", flat=True)) == {
        SPRING
    }
    first = Message.objects.filter(kind="invitation").values_list("due_at", flat=True)
    assert set(first) == {SPRING}
    reminders = set(
        Message.objects.filter(kind__startswith="reminder").values_list("due_at", flat=True)
    )
    assert reminders == {SPRING + timedelta(days=d) for d in wave.reminder_days}


def test_consent_answers_and_closing_store_the_clock_given(wave: Any) -> None:
    invite(wave, SPRING)
    inv = Invitation.objects.filter(wave=wave).order_by("id").first()
    assert inv is not None
    person = record_consent(inv, True, now=SPRING + timedelta(minutes=1))
    assert person.consent_at == SPRING + timedelta(minutes=1)
    saved = save_page(inv, "swemwbs", SWEMWBS, now=SPRING + timedelta(minutes=4))
    assert saved.complete
    row = Response.objects.get(invitation=inv)
    assert row.submitted_at == row.updated_at == SPRING + timedelta(minutes=4)
    inv.refresh_from_db()
    assert inv.completed_at == SPRING + timedelta(minutes=4)
    close_wave(wave, LAST_DAY)
    wave.refresh_from_db()
    assert wave.closed_at == LAST_DAY


def test_an_answer_on_the_closing_day_is_kept_and_one_a_day_late_is_not(wave: Any) -> None:
    invite(wave, SPRING)
    early, late = list(Invitation.objects.filter(wave=wave).order_by("id")[:2])
    for inv in (early, late):
        record_consent(inv, True, now=SPRING)
    assert save_page(early, "swemwbs", SWEMWBS, now=LAST_DAY).created
    with pytest.raises(StateError, match="has closed"):
        save_page(late, "swemwbs", SWEMWBS, now=DAY_AFTER)
    assert not Response.objects.filter(invitation=late).exists()


def test_a_clock_far_ahead_is_taken_as_given(trial: Any) -> None:
    """No closing date: a wave opened on a clock far ahead records that clock, and e-mails are
    due from it (a service that read the real clock would have stored today)."""
    wave = get_wave(trial, "baseline")
    invite(wave, FAR_AHEAD)
    wave.refresh_from_db()
    assert wave.opened_at == FAR_AHEAD
    assert not Message.objects.filter(due_at__lt=FAR_AHEAD).exists()

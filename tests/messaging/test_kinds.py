"""Kinds of message are typed (issue 27, item 5): each app's closed set round-trips through the
text ``Message.kind`` has always stored, and nothing else reads as one of them."""

from __future__ import annotations

from typing import Any

import pytest

from hearten.interventions.programme_mail import ProgrammeKind
from hearten.surveys.mail_kinds import (
    INVITATION,
    SurveyKind,
    SurveyMailKind,
    receipt,
    reminder,
    reminder_now,
)
from tests.conftest import CLOCK

SURVEY = {
    "invitation": INVITATION,
    "reminder-1": reminder(1),
    "reminder-12": reminder(12),
    "reminder-now-3": reminder_now(3),
    "consent-receipt-v2": receipt(2),
}


@pytest.mark.parametrize(("stored", "kind"), SURVEY.items())
def test_a_survey_kind_round_trips_through_its_stored_text(stored: str, kind: SurveyKind) -> None:
    assert kind.stored == stored
    assert SurveyKind.parse(stored) == kind
    assert SurveyKind.parse(stored).reminder == stored.startswith("reminder")


@pytest.mark.parametrize(
    "stored",
    ["", "invitation-1", "reminder", "reminder-0", "reminder-01", "reminder-now", "reminder-x",
     "consent-receipt", "consent-receipt-1", "programme-1", "Invitation"],
)  # fmt: skip
def test_anything_else_is_not_a_survey_kind(stored: str) -> None:
    with pytest.raises(ValueError, match=f"^{stored!r} is not a survey e-mail"):
        SurveyKind.parse(stored)


def test_a_survey_kind_has_a_number_exactly_when_it_is_numbered() -> None:
    with pytest.raises(ValueError, match="takes no number"):
        SurveyKind(SurveyMailKind.INVITATION, 1)
    with pytest.raises(ValueError, match="takes a number from 1"):
        SurveyKind(SurveyMailKind.REMINDER)
    with pytest.raises(ValueError, match="takes a number from 1"):
        receipt(0)


@pytest.mark.parametrize(("stored", "module"), [("programme-1", 1), ("module-2", 2),
                                                ("module-14", 14)])  # fmt: skip
def test_a_programme_kind_round_trips_through_its_stored_text(stored: str, module: int) -> None:
    kind = ProgrammeKind(module)
    assert kind.stored == stored
    assert ProgrammeKind.parse(stored) == kind
    assert kind.first == (module == 1)


@pytest.mark.parametrize(
    "stored", ["module-1", "programme-2", "module-0", "module-02", "module-", "invitation"]
)
def test_anything_else_is_not_a_programme_kind(stored: str) -> None:
    with pytest.raises(ValueError, match=f"^{stored!r} is not a goals-programme e-mail"):
        ProgrammeKind.parse(stored)
    with pytest.raises(ValueError, match="module 1 or later"):
        ProgrammeKind(0)


@pytest.mark.django_db
def test_the_reminders_sent_are_the_sent_messages_of_a_reminder_kind(trial: Any) -> None:
    """The monitoring page's count: scheduled reminders and those sent by hand, not the
    invitation or a consent receipt, and only once sent."""
    from hearten.messaging.models import Message, MessageStatus
    from hearten.messaging.purposes import queue
    from hearten.surveys.models import Invitation
    from hearten.surveys.reminders import reminders_sent
    from hearten.surveys.services import get_wave, invite

    wave = get_wave(trial, "baseline")
    invite(wave, CLOCK)  # the invitation and two reminders each
    first, second = wave.invitations.order_by("pk")[:2]
    queue(Invitation, [(i.pk, i.participant_id, k, CLOCK) for i in (first, second)
                       for k in (reminder_now(1), receipt(1))])  # fmt: skip
    Message.objects.filter(invitation__in=[first, second]).update(status=MessageStatus.SENT)
    Message.objects.filter(invitation=second, kind="reminder-2").update(
        status=MessageStatus.PENDING
    )
    assert reminders_sent(wave) == 2 * 3 - 1

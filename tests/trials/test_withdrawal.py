"""Withdrawal: recorded and audited, no more links, and the survey link says so."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from hearten.errors import DataError, NotFound, StateError
from hearten.surveys.services import get_wave, invite
from hearten.trials.models import AuditEvent, Participant
from hearten.trials.people import withdraw

pytestmark = pytest.mark.django_db


def test_a_withdrawn_participant_gets_no_further_links(trial: Any, client: Client) -> None:
    wave = get_wave(trial, "baseline")
    links = {link.pseudonym: link.token for link in invite(wave)}
    leaver = Participant.objects.filter(trial=trial).first()
    assert leaver is not None
    withdraw(trial, leaver.pseudonym, "no-longer-wishes")
    leaver.refresh_from_db()
    assert leaver.withdrawn_at is not None
    assert leaver.withdrawal_reason == "no-longer-wishes"
    assert leaver.pseudonym not in {link.pseudonym for link in invite(wave)}
    page = client.get(f"/s/{links[leaver.pseudonym]}/")
    assert b"You have left the study" in page.content
    event = AuditEvent.objects.get(action="withdrawal")
    assert event.detail == {
        "participant": leaver.pseudonym,
        "reason": "no-longer-wishes",
        "by": "evaluator",
        "erase": False,
    }
    with pytest.raises(StateError, match="withdrew on"):
        withdraw(trial, leaver.pseudonym)


def test_withdrawal_needs_a_known_person_and_reason(trial: Any) -> None:
    with pytest.raises(NotFound, match="no participant"):
        withdraw(trial, "P-NOBODY00")
    someone = Participant.objects.filter(trial=trial).first()
    assert someone is not None
    with pytest.raises(DataError, match="unknown withdrawal reason"):
        withdraw(trial, someone.pseudonym, "bored")

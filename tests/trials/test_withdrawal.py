"""Withdrawal: recorded and audited, no more links, and the survey link says so."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client

from hearten.errors import DataError, NotFound, StateError
from hearten.surveys.services import get_wave, invite
from hearten.trials.models import AuditEvent, Participant
from hearten.trials.people import withdraw

#: The clock the services are given (a fixed one: nothing here depends on the day).
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)

pytestmark = pytest.mark.django_db


def test_a_withdrawn_participant_gets_no_further_links(trial: Any, client: Client) -> None:
    wave = get_wave(trial, "baseline")
    links = {link.pseudonym: link.token for link in invite(wave, NOW)}
    leaver = Participant.objects.filter(trial=trial).first()
    assert leaver is not None
    withdraw(trial, leaver.pseudonym, "no-longer-wishes", now=NOW)
    leaver.refresh_from_db()
    assert leaver.withdrawn_at is not None
    assert leaver.withdrawal_reason == "no-longer-wishes"
    assert leaver.pseudonym not in {link.pseudonym for link in invite(wave, NOW)}
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
        withdraw(trial, leaver.pseudonym, now=NOW)


def test_withdrawal_needs_a_known_person_and_reason(trial: Any) -> None:
    with pytest.raises(NotFound, match="no participant"):
        withdraw(trial, "P-NOBODY00", now=NOW)
    someone = Participant.objects.filter(trial=trial).first()
    assert someone is not None
    with pytest.raises(DataError, match="unknown withdrawal reason"):
        withdraw(trial, someone.pseudonym, "bored", now=NOW)


def test_a_withdrawal_and_its_erasure_are_recorded_at_the_clock_given(trial: Any) -> None:
    """Issue 27: one clock for both, the one the caller gives (not the machine's)."""
    import copy

    design = copy.deepcopy(trial.design)
    design["privacy"] = {**design.get("privacy", {}), "on_withdrawal": "erase"}
    trial.design = design
    trial.save()
    person = Participant.objects.filter(trial=trial).order_by("id").first()
    assert person is not None
    left = datetime(2025, 4, 7, 9, 30, tzinfo=UTC)
    withdraw(trial, person.pseudonym, now=left)
    person.refresh_from_db()
    assert person.withdrawn_at == person.erased_at == left

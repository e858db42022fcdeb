"""Concealment: delivery staff see only what delivery needs, and only once it opens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from hearten.errors import DataError, NotFound, StateError
from hearten.trials.allocation import arms_by_participant, randomise_trial
from hearten.trials.models import IdentityKey, Participant
from hearten.trials.people import add_role, open_delivery, withdraw
from tests.conftest import CLOCK, sign_in

#: The clock the services are given (a fixed one: nothing here depends on the day).
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)

pytestmark = pytest.mark.django_db
PASSWORD = "a long passphrase 1"


@pytest.fixture
def randomised(trial: Any) -> Any:
    randomise_trial(trial, 7, now=CLOCK)
    return trial


def _team_in(trial: Any, arm: str) -> str:
    arms = arms_by_participant(trial)
    people = Participant.objects.filter(trial=trial).select_related("team").order_by("id")
    return next(p.team.code for p in people if arms[p.id] == arm)


def _login(client: Client, username: str) -> None:
    assert sign_in(client, username, PASSWORD)


def test_a_letter_writer_sees_only_their_own_staff_who_get_a_letter(
    client: Client, randomised: Any
) -> None:
    mine = _team_in(randomised, "letters")
    control_team = _team_in(randomised, "control")
    add_role(randomised, "manager", "letter-writer", [mine, control_team], PASSWORD, now=CLOCK)
    _login(client, "manager")
    closed = client.get(f"/trials/{randomised.slug}/delivery/")
    assert closed.status_code == 200
    assert b"Delivery has not opened yet" in closed.content
    assert b"P-" not in closed.content
    open_delivery(randomised, now=CLOCK)
    page = client.get(f"/trials/{randomised.slug}/delivery/").content.decode()
    recipients = Participant.objects.filter(trial=randomised, team__code=mine)
    for p in recipients:
        assert p.pseudonym in page
        assert IdentityKey.objects.get(participant=p).staff_id in page
    others = Participant.objects.filter(trial=randomised).exclude(team__code=mine)
    assert not any(p.pseudonym in page for p in others)  # not the control team, nor others
    assert "control" not in page.lower().replace("controlled", "")


def test_a_coordinator_sees_the_intervention_arm_only(client: Client, randomised: Any) -> None:
    add_role(randomised, "coord", "coordinator", [], PASSWORD, now=CLOCK)
    open_delivery(randomised, now=CLOCK)
    _login(client, "coord")
    page = client.get(f"/trials/{randomised.slug}/delivery/").content.decode()
    arms = arms_by_participant(randomised)
    for p in Participant.objects.filter(trial=randomised):
        assert (p.pseudonym in page) == (arms[p.id] == "letters")
    assert "Staff number" not in page


def test_withdrawn_staff_leave_every_delivery_list(client: Client, randomised: Any) -> None:
    add_role(randomised, "coord", "coordinator", [], PASSWORD, now=CLOCK)
    open_delivery(randomised, now=CLOCK)
    arms = arms_by_participant(randomised)
    leaver = next(
        p for p in Participant.objects.filter(trial=randomised) if arms[p.id] == "letters"
    )
    withdraw(randomised, leaver.pseudonym, "left-employer", now=NOW)
    _login(client, "coord")
    assert (
        leaver.pseudonym not in client.get(f"/trials/{randomised.slug}/delivery/").content.decode()
    )


def test_someone_without_a_role_learns_nothing(client: Client, randomised: Any) -> None:
    get_user_model().objects.create_user("mallory", password=PASSWORD)
    _login(client, "mallory")
    assert client.get(f"/trials/{randomised.slug}/delivery/").status_code == 404
    assert client.get("/trials/no-such-trial/delivery/").status_code == 404


def test_delivery_roles_and_opening_are_checked(randomised: Any, trial: Any) -> None:
    with pytest.raises(DataError, match="give --team"):
        add_role(randomised, "m", "letter-writer", [], PASSWORD, now=CLOCK)
    with pytest.raises(NotFound, match="no team 'XX'"):
        add_role(randomised, "m", "letter-writer", ["XX"], PASSWORD, now=CLOCK)
    with pytest.raises(DataError, match="unknown role"):
        add_role(randomised, "m", "boss", [], PASSWORD, now=CLOCK)
    open_delivery(randomised, now=CLOCK)
    randomised.refresh_from_db()
    assert randomised.delivery_opened_at == CLOCK  # the clock given (issue 27)
    with pytest.raises(StateError, match="opened on 2026-11-30 already"):
        open_delivery(randomised, now=CLOCK + timedelta(days=1))


def test_delivery_cannot_open_before_randomisation(trial: Any) -> None:
    with pytest.raises(StateError, match="not randomised"):
        open_delivery(trial, now=CLOCK)

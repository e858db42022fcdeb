"""A participant's link: consent or decline, answer, and never duplicate."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client

from hearten.surveys.models import Invitation, Response
from hearten.surveys.services import invite
from hearten.trials.models import Participant

#: The clock the services are given (a fixed one: nothing here depends on the day).
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)

pytestmark = pytest.mark.django_db

ANSWERS = {f"swemwbs_{i}": str(v) for i, v in enumerate([4, 4, 3, 4, 4, 4, 4], start=1)}
SENT = {**ANSWERS, "checked": "yes"}  # sent from the "Check your answers" page


@pytest.fixture
def link(trial: Any) -> Invitation:
    invite(trial.waves.get(name="baseline"), NOW)
    return Invitation.objects.filter(wave__trial=trial).order_by("id").first()  # type: ignore[return-value]


def test_a_participant_consents_answers_and_is_thanked(client: Client, link: Invitation) -> None:
    url = f"/s/{link.token}/"
    page = client.get(url)
    assert page.status_code == 200
    assert b"Do you agree to take part?" in page.content
    assert b"never shown to your manager" in page.content
    page = client.post(url, {"consent": "yes"}, follow=True)
    assert b"How you have been feeling" in page.content
    assert "I’ve been feeling optimistic about the future" in page.content.decode()
    assert b"NHS Health Scotland" in page.content  # the licence notice is shown
    # A one-page survey: its page is kept only when sent, and the page says so.
    assert b"kept when you send them" in page.content
    assert b"on any device" not in page.content
    page = client.post(url, {"page": "swemwbs", **ANSWERS}, follow=True)
    assert b"Check your answers before sending them" in page.content  # nothing stored yet
    assert "I’ve been feeling optimistic about the future" in page.content.decode()
    assert not Response.objects.filter(invitation=link).exists()
    page = client.post(url, {"page": "swemwbs", **ANSWERS, "edit": "yes"})
    assert 'value="3" checked' in page.content.decode()  # "Change": the answers come back
    page = client.post(url, {"page": "swemwbs", **SENT}, follow=True)
    assert b"Thank you" in page.content
    response = Response.objects.get(invitation=link)
    assert response.scores == {"raw": 27.0, "metric": 24.11}
    assert response.answers == {k: int(v) for k, v in ANSWERS.items()}


def test_a_resubmission_does_not_duplicate_the_response(client: Client, link: Invitation) -> None:
    url = f"/s/{link.token}/"
    client.post(url, {"consent": "yes"})
    client.post(url, {"page": "swemwbs", **SENT})
    again = client.post(url, {"page": "swemwbs", **{**SENT, "swemwbs_1": "1"}}, follow=True)
    assert b"You have already answered" in again.content
    assert Response.objects.filter(invitation=link).count() == 1
    assert Response.objects.get(invitation=link).answers["swemwbs_1"] == 4


def test_missing_and_invalid_answers_are_shown_and_nothing_is_stored(
    client: Client, link: Invitation
) -> None:
    url = f"/s/{link.token}/"
    client.post(url, {"consent": "yes"})
    bad = {**ANSWERS, "swemwbs_2": "9"}
    del bad["swemwbs_5"]
    page = client.post(url, {"page": "swemwbs", **bad})
    text = page.content.decode()
    assert page.status_code == 200
    assert "There is a problem" in text
    assert "Answer “I’ve been thinking clearly”" in text  # the question, not a number
    assert "Choose one of the answers to “I’ve been feeling useful”" in text
    assert 'value="4" checked' in text  # answers given are kept
    assert not Response.objects.filter(invitation=link).exists()


def test_a_participant_who_declines_is_not_asked_anything(client: Client, link: Invitation) -> None:
    url = f"/s/{link.token}/"
    page = client.post(url, {"consent": "no"}, follow=True)
    assert b"Are you sure you do not want to take part?" in page.content  # asked to confirm
    assert Participant.objects.get(pk=link.participant_id).consent == "pending"
    page = client.post(url, {"consent": "no", "confirm": "yes"}, follow=True)
    assert b"You are not taking part" in page.content
    assert Participant.objects.get(pk=link.participant_id).consent == "declined"
    page = client.post(url, {"page": "swemwbs", **ANSWERS}, follow=True)
    assert b"You are not taking part" in page.content
    assert not Response.objects.filter(invitation=link).exists()


def test_consent_must_be_chosen(client: Client, link: Invitation) -> None:
    page = client.post(f"/s/{link.token}/", {})
    assert b"Select whether you agree to take part" in page.content
    assert Participant.objects.get(pk=link.participant_id).consent == "pending"


def test_an_unknown_link_is_not_found(client: Client, db: None) -> None:
    page = client.get("/s/not-a-real-token/")
    assert page.status_code == 404


def test_declined_staff_get_no_new_links(trial: Any, link: Invitation, client: Client) -> None:
    client.post(f"/s/{link.token}/", {"consent": "no", "confirm": "yes"})
    links = invite(trial.waves.get(name="follow-up"), NOW)
    assert len(links) == 39
    assert link.participant.pseudonym not in {x.pseudonym for x in links}

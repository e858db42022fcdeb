"""Consent an ethics committee accepts: separate statements kept with the information sheet's
version and the time, a receipt, re-consent when the sheet changes materially, and a refusal
that is confirmed first and can be changed until the wave closes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from hearten.surveys.models import Invitation
from hearten.surveys.services import close_wave, invite, record_consent
from hearten.trials.consent import consented_to_interview, record_answers, standing
from hearten.trials.models import Participant, Trial
from tests.conftest import Inbox

#: The clock the services are given (a fixed one: nothing here depends on the day).
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)

pytestmark = pytest.mark.django_db


def _ask_all_statements(trial: Trial, version: int = 1) -> None:
    trial.design["participants"] = {
        "statements": ["surveys", "hr", "interview"],
        "information_version": version,
        "consent_version": version,
    }
    trial.save(update_fields=["design"])


@pytest.fixture
def links(trial: Trial) -> list[Invitation]:
    _ask_all_statements(trial)
    invite(trial.waves.get(name="baseline"), NOW)
    return list(Invitation.objects.filter(wave__trial=trial).order_by("id"))


def test_each_statement_is_kept_with_its_version_and_time(
    client: Client, links: list[Invitation], trial: Trial
) -> None:
    first, second, third = links[:3]
    page = client.get(f"/s/{first.token}/").content.decode()
    assert "I agree to be contacted about a short interview" in page
    assert "linked to my answers under my study code" in page
    client.post(f"/s/{first.token}/", {"consent": "yes", "interview": "on"})
    client.post(f"/s/{second.token}/", {"consent": "yes", "hr": "on"})
    record = standing(Participant.objects.get(pk=first.participant_id))
    assert {s: r.agreed for s, r in record.items()} == {
        "surveys": True,
        "hr": False,
        "interview": True,
    }
    assert {r.version for r in record.values()} == {1}
    assert record["surveys"].recorded_at is not None
    assert list(consented_to_interview(trial)) == [first.participant]
    # A later "no" stands over the earlier "yes" (given on the page, by the real clock).
    record_answers(first.participant, {"interview": False}, 1, timezone.now())
    assert list(consented_to_interview(trial)) == []
    receipt = client.get(f"/s/{first.token}/consent/").content.decode()
    assert "Your consent record" in receipt
    assert "version 1" in receipt
    assert third.participant not in consented_to_interview(trial)


def test_the_first_survey_page_links_the_consent_record(
    client: Client, links: list[Invitation]
) -> None:
    page = client.post(f"/s/{links[0].token}/", {"consent": "yes"}, follow=True)
    text = page.content.decode()
    assert "Thank you for agreeing" in text
    assert f"/s/{links[0].token}/consent/" in text


def test_a_refusal_can_be_changed_until_the_wave_closes(
    client: Client, links: list[Invitation]
) -> None:
    one, two = links[:2]
    for inv in (one, two):
        client.post(f"/s/{inv.token}/", {"consent": "no", "confirm": "yes"})
    declined = client.get(f"/s/{one.token}/").content.decode()
    assert "Take part after all" in declined
    page = client.get(f"/s/{one.token}/?reconsider=1").content.decode()
    assert "Do you agree to take part?" in page
    client.post(f"/s/{one.token}/?reconsider=1", {"consent": "yes"})
    assert Participant.objects.get(pk=one.participant_id).consent == "consented"
    close_wave(one.wave, NOW)
    assert "Take part after all" not in client.get(f"/s/{two.token}/").content.decode()
    record_consent(two, True, now=NOW)  # too late: the refusal stands
    assert Participant.objects.get(pk=two.participant_id).consent == "declined"


def test_a_material_change_to_the_sheet_asks_for_consent_again(
    client: Client, links: list[Invitation], trial: Trial
) -> None:
    inv = links[0]
    client.post(f"/s/{inv.token}/", {"consent": "yes"})
    assert "How you have been feeling" in client.get(f"/s/{inv.token}/").content.decode()
    _ask_all_statements(trial, version=2)
    page = client.get(f"/s/{inv.token}/").content.decode()
    assert "The information sheet has changed since you agreed" in page
    client.post(f"/s/{inv.token}/", {"consent": "yes"})
    person = Participant.objects.get(pk=inv.participant_id)
    assert person.consent_version == 2
    assert person.consent_records.filter(statement="surveys", version=2, agreed=True).exists()
    assert "How you have been feeling" in client.get(f"/s/{inv.token}/").content.decode()


def test_a_receipt_is_e_mailed_where_there_is_an_address(
    client: Client, links: list[Invitation], hearten: Any, smtp: Inbox
) -> None:
    client.post(f"/s/{links[0].token}/", {"consent": "yes", "interview": "on"})
    assert hearten("worker", "--once").code == 0
    receipts = [m for m in smtp.messages if m["Subject"].endswith("your consent record")]
    assert len(receipts) == 1
    body = receipts[0].get_payload(decode=True).decode()
    assert "- Yes: I agree to take part and answer the surveys." in body
    assert "- Yes: I agree to be contacted about a short interview" in body
    assert "- No: I agree that my HR records" in body
    assert "information sheet version 1" in body

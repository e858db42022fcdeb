"""A participant completes the survey on a phone, in a real browser."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from hearten.instruments import get_instrument
from hearten.surveys.models import Invitation, Response
from hearten.surveys.services import invite, plan_waves
from hearten.trials.design import load_design
from hearten.trials.lifecycle import create_trial
from hearten.trials.roster import import_roster
from tests.browser.conftest import PHONE, axe_violations
from tests.conftest import CLOCK, roster_text

#: The clock the services are given (a fixed one: nothing here depends on the day).
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("audit_flushable"),
]


@pytest.fixture
def survey_url(live_server: Any, design_file: Path, tmp_path: Path) -> tuple[str, Invitation]:
    trial = create_trial(load_design(design_file), now=CLOCK)
    plan_waves(trial)
    roster = tmp_path / "roster.csv"
    roster.write_text(roster_text(1, 3))
    import_roster(trial, roster, now=CLOCK)
    invite(trial.waves.get(name="baseline"), NOW)
    inv = Invitation.objects.order_by("id").first()
    assert inv is not None
    return f"{live_server.url}/s/{inv.token}/", inv


def _fits_the_screen(page: Any) -> bool:
    return bool(page.evaluate(f"document.documentElement.scrollWidth <= {PHONE['width']}"))


def test_a_participant_consents_and_answers_on_a_phone(
    phone: Any, survey_url: tuple, tmp_path: Path
) -> None:
    url, inv = survey_url
    phone.goto(url)
    assert phone.get_by_role("heading", name="Do you agree to take part?").is_visible()
    assert _fits_the_screen(phone)
    assert axe_violations(phone) == []
    phone.get_by_role("button", name="Continue").click()
    assert phone.get_by_text("Select whether you agree to take part").first.is_visible()
    phone.get_by_label("Yes, I agree to take part").check()
    phone.get_by_role("button", name="Continue").click()

    phone.get_by_role("heading", name="How you have been feeling").wait_for()
    assert _fits_the_screen(phone)
    assert axe_violations(phone) == []
    questions = phone.locator("fieldset")
    assert questions.count() == 7
    for i in range(7):
        questions.nth(i).get_by_label("Often" if i != 2 else "Some of the time").check()
    phone.screenshot(path=str(tmp_path / "survey.png"), full_page=True)
    phone.get_by_role("button", name="Check your answers").click()
    phone.get_by_role("heading", name="Check your answers before sending them").wait_for()
    assert axe_violations(phone) == []
    assert not Response.objects.filter(invitation=inv).exists()  # nothing sent yet
    phone.get_by_role("button", name="Send my answers").click()

    phone.get_by_role("heading", name="Thank you").wait_for()
    assert axe_violations(phone) == []
    response = Response.objects.get(invitation=inv)
    assert response.scores == {"raw": 27.0, "metric": 24.11}

    phone.goto(url)  # coming back to the link does not offer the survey again
    assert phone.get_by_role("heading", name="You have already answered").is_visible()
    assert Response.objects.filter(invitation=inv).count() == 1


def test_a_missed_question_is_flagged_and_answers_are_kept(phone: Any, survey_url: tuple) -> None:
    url, inv = survey_url
    phone.goto(url)
    phone.get_by_label("Yes, I agree to take part").check()
    phone.get_by_role("button", name="Continue").click()
    questions = phone.locator("fieldset")
    for i in range(6):
        questions.nth(i).get_by_label("Rarely").check()
    phone.get_by_role("button", name="Check your answers").click()
    summary = phone.locator(".govuk-error-summary")
    assert summary.is_visible()
    seventh = get_instrument("swemwbs").items[6].text
    assert f"Answer “{seventh}”" in summary.inner_text()  # the question, not a hidden number
    assert questions.nth(0).get_by_label("Rarely").is_checked()
    assert axe_violations(phone) == []
    assert not Response.objects.filter(invitation=inv).exists()

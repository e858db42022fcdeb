"""A wary participant on a 360-pixel phone: reads the information sheet and privacy notice
from the consent page, agrees, stops half-way and comes back on another device, checks their
answers before sending them; another leaves the study by themselves. axe-core (WCAG 2.2 AA and
its best-practice rules, landmarks among them) finds nothing on any page."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from hearten.surveys.models import Invitation, Response
from hearten.surveys.services import invite, plan_waves
from hearten.trials.design import parse_design
from hearten.trials.lifecycle import create_trial
from hearten.trials.models import AuditEvent, HarmReport, Participant
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

PARTICIPANTS = """
[participants]
title = "Working well in children's services"
team = "The Anytown University evaluation team"
councils = ["Dudley Council"]
email = "working-well@example.org"
statements = ["surveys", "hr", "interview"]

[support.employee_assistance]
name = "Health Assured (employee assistance)"
about = "Free, confidential counselling, day or night."
phone = "0800 030 5182"
"""


@pytest.fixture
def links(live_server: Any, design_file: Path, tmp_path: Path) -> tuple[str, list[Invitation]]:
    text = design_file.read_text().replace(
        'name = "baseline"\ninstrument = "swemwbs"',
        'name = "baseline"\ninstrument = "swemwbs"\nalso = ["ons4", "caseload"]\n'
        "closes = 2099-12-31",
    )
    text = text.replace("[analysis]", PARTICIPANTS + "\n[analysis]")
    text += '\n[privacy]\ncontroller = "Dudley Council"\non_withdrawal = "ask"\n'
    trial = create_trial(parse_design(text), now=CLOCK)
    plan_waves(trial)
    roster = tmp_path / "roster.csv"
    roster.write_text(roster_text(1, 3))
    import_roster(trial, roster, now=CLOCK)
    invite(trial.waves.get(name="baseline"), NOW)
    return live_server.url, list(Invitation.objects.order_by("id"))


def _check(page: Any) -> None:
    assert page.evaluate(f"document.documentElement.scrollWidth <= {PHONE['width']}")
    assert axe_violations(page, best_practice=True) == []


def _new_phone(browser: Any) -> Any:
    context = browser.new_context(
        viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2
    )
    context.set_default_timeout(90_000)
    return context.new_page()


def test_a_wary_participant_reads_agrees_resumes_and_checks(
    browser: Any, links: tuple[str, list[Invitation]]
) -> None:
    base, invitations = links
    url = f"{base}/s/{invitations[0].token}/"
    phone = _new_phone(browser)
    phone.goto(url)
    phone.get_by_role(
        "heading", name="Taking part in Working well in children's services"
    ).wait_for()
    assert "The Anytown University evaluation team, with Dudley Council" in phone.content()
    assert "Samaritans" in phone.content()  # support, before anything is asked
    assert "closes on Thursday 31 December 2099" in phone.content()
    _check(phone)
    phone.locator("main").get_by_role("link", name="information sheet").click()
    phone.get_by_role("heading", name="Information sheet").wait_for()
    _check(phone)
    phone.go_back()
    phone.locator("main").get_by_role("link", name="privacy notice").click()
    phone.get_by_role("heading", name="Privacy notice").wait_for()
    assert "Information Commissioner" in phone.content()
    _check(phone)
    phone.go_back()
    phone.get_by_label("Yes, I agree to take part").check()
    phone.get_by_label("I agree to be contacted about a short interview").check()
    phone.get_by_role("button", name="Continue").click()
    phone.get_by_text("Thank you for agreeing").wait_for()
    _check(phone)
    questions = phone.locator("fieldset")
    for i in range(7):
        questions.nth(i).get_by_label("Often").check()
    phone.get_by_role("button", name="Save and continue").click()
    phone.get_by_text("Page 2 of 3").wait_for()
    phone.context.close()

    later = _new_phone(browser)  # another device, later
    later.goto(url)
    later.get_by_text("Welcome back").wait_for()
    assert "Your answers so far are saved (1 page of 3)" in later.content()
    _check(later)
    for i in range(4):
        later.locator("fieldset").nth(i).get_by_label("7", exact=True).check()
    later.get_by_role("button", name="Save and continue").click()
    later.get_by_text("Page 3 of 3").wait_for()
    later.get_by_label("How many children or families").fill("17")
    later.get_by_role("button", name="Check your answers").click()
    later.get_by_role("heading", name="Check your answers before sending them").wait_for()
    _check(later)
    assert Response.objects.filter(invitation=invitations[0]).count() == 2  # not sent yet
    later.get_by_role("button", name="Send my answers").click()
    later.get_by_role("heading", name="Thank you").wait_for()
    _check(later)
    assert Response.objects.get(invitation=invitations[0], instrument="caseload").answers == {
        "caseload_1": 17
    }
    later.context.close()


def test_a_participant_leaves_the_study_by_themselves(
    browser: Any, links: tuple[str, list[Invitation]]
) -> None:
    base, invitations = links
    leaver = invitations[1]
    phone = _new_phone(browser)
    phone.goto(f"{base}/s/{leaver.token}/")
    phone.get_by_role("contentinfo").get_by_role("link", name="Leave the study").click()
    phone.get_by_role("heading", name="Leave the study").wait_for()
    _check(phone)
    phone.get_by_role("button", name="Continue").click()  # nothing chosen
    phone.get_by_text("Select what you would like to happen").first.wait_for()
    _check(phone)
    phone.get_by_label("Stop all contact, and erase my answers").check()
    phone.get_by_role("button", name="Continue").click()
    phone.get_by_role("heading", name="Are you sure you want to leave the study?").wait_for()
    _check(phone)
    phone.get_by_role("button", name="Yes, leave the study").click()
    phone.get_by_role("heading", name="You have left the study").wait_for()
    assert "have been erased" in phone.content()
    _check(phone)
    person = Participant.objects.get(pk=leaver.participant_id)
    assert person.withdrawn_at is not None
    assert person.erased_at is not None
    event = AuditEvent.objects.get(action="withdrawal")
    assert event.detail["by"] == "participant"
    assert event.detail["erase"] is True
    phone.context.close()


def test_a_participant_raises_a_concern_from_the_footer(
    browser: Any, links: tuple[str, list[Invitation]]
) -> None:
    base, invitations = links
    worried = invitations[2]
    phone = _new_phone(browser)
    phone.goto(f"{base}/s/{worried.token}/")
    phone.get_by_role("contentinfo").get_by_role("link", name="Raise a concern").click()
    phone.get_by_role("heading", name="Raise a concern").wait_for()
    assert "The Anytown University evaluation team reads every concern within 5" in (
        phone.content()
    )
    assert "Health Assured (employee assistance)" in phone.content()
    _check(phone)
    phone.get_by_role("button", name="Send my concern").click()  # nothing written
    phone.get_by_text("Write your concern").first.wait_for()
    _check(phone)
    phone.get_by_label("Your concern").fill("I was asked at work whether I had answered.")
    phone.get_by_role("button", name="Send my concern").click()
    phone.get_by_role("heading", name="Your concern has been sent").wait_for()
    _check(phone)
    entry = HarmReport.objects.get()
    assert (entry.kind, entry.source) == ("concern", "participant")
    assert entry.participant_id == worried.participant_id
    assert AuditEvent.objects.filter(action="harm-logged").count() == 1
    phone.context.close()

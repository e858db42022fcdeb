"""Every page a participant can meet, checked with axe-core (WCAG 2.2 AA and its best-practice
rules, landmarks among them) on a 360-pixel phone, and a whole multi-page survey answered with
the keyboard alone; the goals programme's pages and the study pages of a programme link too."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from hearten.surveys.models import Invitation
from hearten.surveys.services import close_wave, invite, plan_waves, record_consent
from hearten.trials.design import parse_design
from hearten.trials.lifecycle import create_trial
from hearten.trials.people import withdraw
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
def links(live_server: Any, design_file: Path, tmp_path: Path) -> tuple[str, list[Invitation]]:
    text = design_file.read_text().replace(
        'name = "baseline"\ninstrument = "swemwbs"',
        'name = "baseline"\ninstrument = "swemwbs"\nalso = ["ons4", "caseload"]',
    )
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


def _tab_to(page: Any, selector: str, limit: int = 80) -> None:
    """Press Tab until the element matching ``selector`` has the focus."""
    for _ in range(limit):
        if page.evaluate(f"document.activeElement.matches({selector!r})"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


def test_a_whole_survey_by_keyboard_alone(phone: Any, links: tuple[str, list[Invitation]]) -> None:
    base, invitations = links
    phone.goto(f"{base}/s/{invitations[0].token}/")
    _check(phone)
    _tab_to(phone, "#consent-1")
    phone.keyboard.press("Space")
    _tab_to(phone, "button.govuk-button")
    phone.keyboard.press("Enter")
    phone.get_by_text("Page 1 of 3").wait_for()
    _check(phone)
    for n in range(1, 8):  # each question: Tab to its first answer, choose the fourth
        _tab_to(phone, f"#swemwbs_{n}-1")
        for _ in range(3):
            phone.keyboard.press("ArrowDown")
    _tab_to(phone, "button.govuk-button")
    phone.keyboard.press("Enter")
    phone.get_by_text("Page 2 of 3").wait_for()
    _check(phone)
    _tab_to(phone, "button.govuk-button")
    phone.keyboard.press("Enter")  # nothing answered: the error summary takes the focus
    summary = phone.locator(".govuk-error-summary")
    summary.wait_for()
    _check(phone)
    for n in range(1, 5):
        _tab_to(phone, f"#ons4_{n}-1")
        for _ in range(7):
            phone.keyboard.press("ArrowDown")
    _tab_to(phone, "button.govuk-button")
    phone.keyboard.press("Enter")
    phone.get_by_text("Page 3 of 3").wait_for()
    _check(phone)
    _tab_to(phone, "#caseload_1")
    phone.keyboard.type("17")
    phone.keyboard.press("Enter")
    phone.get_by_role("heading", name="Check your answers before sending them").wait_for()
    _check(phone)
    _tab_to(phone, "button.govuk-button:not(.govuk-button--secondary)", limit=120)
    phone.keyboard.press("Enter")
    phone.get_by_role("heading", name="Thank you").wait_for()
    _check(phone)
    done = Invitation.objects.get(pk=invitations[0].pk)
    assert done.completed_at is not None
    assert done.responses.get(instrument="swemwbs").answers["swemwbs_1"] == 4
    assert done.responses.get(instrument="ons4").answers["ons4_2"] == 7
    assert done.responses.get(instrument="caseload").answers == {"caseload_1": 17}


def test_every_other_participant_page_is_accessible(
    phone: Any, links: tuple[str, list[Invitation]]
) -> None:
    base, invitations = links
    declined, withdrawn, closed = invitations[:3]
    record_consent(declined, False, now=NOW)
    phone.goto(f"{base}/s/{declined.token}/")
    phone.get_by_role("heading", name="You are not taking part").wait_for()
    _check(phone)
    withdraw(withdrawn.wave.trial, withdrawn.participant.pseudonym, now=NOW)
    phone.goto(f"{base}/s/{withdrawn.token}/")
    phone.get_by_role("heading", name="You have left the study").wait_for()
    _check(phone)
    phone.goto(f"{base}/s/no-such-link/")
    phone.get_by_role("heading", name="This link does not work").wait_for()
    _check(phone)
    phone.goto(f"{base}/s/{closed.token}/stop-emails/")  # the one-click unsubscribe's page
    phone.get_by_role("heading", name="Stop e-mails from the study").wait_for()
    _check(phone)
    phone.get_by_role("button", name="Stop e-mails").click()
    phone.get_by_role("heading", name="You will get no more e-mails from this study").wait_for()
    _check(phone)
    close_wave(closed.wave, NOW)
    phone.goto(f"{base}/s/{closed.token}/")
    phone.get_by_role("heading", name="This survey has closed").wait_for()
    _check(phone)


@pytest.fixture
def programme(live_server: Any, design_file: Path, tmp_path: Path) -> tuple[str, Any]:
    """A randomised trial whose letters arm is in the goals programme, begun 8 days ago."""
    from datetime import timedelta

    from django.utils import timezone

    from hearten.interventions.goals import enrol
    from hearten.interventions.models import Enrolment
    from hearten.trials.allocation import randomise_trial

    trial = create_trial(parse_design(design_file.read_text()), now=CLOCK)
    plan_waves(trial)
    roster = tmp_path / "roster.csv"
    roster.write_text(roster_text())
    import_roster(trial, roster, now=CLOCK)
    randomise_trial(trial, 7, now=CLOCK)
    invite(trial.waves.get(name="baseline"), NOW)
    enrol(trial, "letters", timezone.localdate() - timedelta(days=8), now=CLOCK)
    e = Enrolment.objects.order_by("id").first()
    assert e is not None
    return live_server.url, e


def test_the_programme_and_study_pages_of_a_programme_link_are_accessible(
    phone: Any, programme: tuple[str, Any]
) -> None:
    base, e = programme
    g = f"{base}/g/{e.token}/"
    for path, heading in [
        ("", None),
        ("1/", None),
        ("information/", None),
        ("privacy/", None),
        ("concern/", "Raise a concern"),
        ("leave/", None),
        ("leave-study/", "Leave the study"),
    ]:
        phone.goto(g + path)
        phone.locator("main h1").first.wait_for()
        if heading:
            phone.get_by_role("heading", name=heading).wait_for()
        _check(phone)
    phone.goto(g + "concern/")
    phone.get_by_label("Your concern").fill("The module asked about my manager.")
    phone.get_by_role("button", name="Send my concern").click()
    phone.get_by_role("heading", name="Your concern has been sent").wait_for()
    _check(phone)
    inv = Invitation.objects.get(participant_id=e.participant_id)
    record_consent(inv, True, now=NOW)
    phone.goto(f"{base}/s/{inv.token}/consent/")
    phone.locator("main h1").first.wait_for()
    _check(phone)

"""The comment protections in a real browser: a participant names a colleague and mentions
bullying, and sees where to find support; the evaluator reads the comment redacted and
flagged; a coordinator cannot open the page; a group smaller than the threshold is held back.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from hearten.surveys.models import Invitation, Response
from hearten.surveys.services import record_consent, save_page
from hearten.trials.allocation import arms_by_participant
from hearten.trials.people import add_role
from tests.browser.conftest import PHONE, axe_violations
from tests.conftest import CLOCK, sign_in
from tests.surveys.test_items import SWEMWBS, asked  # noqa: F401  (the fixture)

#: The clock the services are given (a fixed one: nothing here depends on the day).
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("audit_flushable"),
]
PASSWORD = "a long passphrase 1"
COMMENT = "I am being bullied by Tom Brennan in supervision and Tommy's team sees it."


def _links(trial: Any, arm: str, site: str) -> list[Invitation]:
    arms = arms_by_participant(trial)
    return [
        i
        for i in Invitation.objects.filter(wave__trial=trial)
        .select_related("participant__site")
        .order_by("id")
        if arms[i.participant_id] == arm and i.participant.site.code == site
    ]


def _staff_page(browser: Any, base: str, username: str) -> Any:
    client = Client()
    assert sign_in(client, username, PASSWORD)
    context = browser.new_context(viewport={"width": 1024, "height": 800})
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base}]
    )
    page = context.new_page()
    page.set_default_timeout(90_000)
    return page


def test_a_comment_naming_a_colleague_and_bullying_is_protected(
    asked: Any,  # noqa: F811
    live_server: Any,
    browser: Any,
    phone: Any,
) -> None:
    control = _links(asked, "control", "Dudley")
    for inv in control[1:5]:  # four others in the group: with the participant, five
        record_consent(inv, True, now=NOW)
        save_page(inv, "swemwbs", SWEMWBS, now=NOW)
        views = {"valued": "4", "thanked": "2", "comment": "Supervision keeps being cancelled."}
        save_page(inv, "your-views", views, now=NOW)
    for inv in _links(asked, "letters", "Dudley")[:2]:  # a group of two: held back
        record_consent(inv, True, now=NOW)
        save_page(inv, "swemwbs", SWEMWBS, now=NOW)
        save_page(
            inv, "your-views", {"valued": "2", "comment": "I have been harassed at work."}, now=NOW
        )

    base = live_server.url
    mine = control[0]
    phone.goto(f"{base}/s/{mine.token}/")
    phone.get_by_label("Yes, I agree to take part").check()
    phone.get_by_role("button", name="Continue").click()
    phone.get_by_role("heading", name="How you have been feeling").wait_for()
    questions = phone.locator("fieldset")
    for i in range(7):
        questions.nth(i).get_by_label("Often").check()
    phone.get_by_role("button", name="Save and continue").click()

    phone.get_by_role("heading", name="Your views").wait_for()
    assert phone.evaluate(f"document.documentElement.scrollWidth <= {PHONE['width']}")
    assert axe_violations(phone) == []
    who = phone.get_by_label("Who thanked you, and how?")
    assert not who.is_visible()  # asked only after "Yes": hidden until then
    phone.get_by_role("group", name="thanked you in writing").get_by_label("Yes").check()
    assert who.is_visible()
    phone.get_by_role("group", name="thanked you in writing").get_by_label("No").check()
    assert not who.is_visible()
    phone.get_by_role("group", name="valued").get_by_label("Disagree", exact=True).check()
    phone.get_by_label("Is there anything else you would like to tell us?").fill(COMMENT)
    phone.get_by_role("button", name="Check your answers").click()
    phone.get_by_role("heading", name="Check your answers before sending them").wait_for()
    assert axe_violations(phone) == []
    phone.get_by_role("button", name="Send my answers").click()

    phone.get_by_role("heading", name="Thank you").wait_for()
    assert phone.get_by_role("heading", name="Support if you need it").is_visible()
    assert phone.get_by_text("Samaritans").first.is_visible()
    assert axe_violations(phone) == []
    stored = Response.objects.get(invitation=mine, instrument="your-views").answers
    assert stored["comment"] == (
        "I am being bullied by [name] [name] in supervision and [name]'s team sees it."
    )
    assert "thanked_by" not in stored

    users = get_user_model()
    asked.evaluators.add(users.objects.create_user("eva", password=PASSWORD))
    users.objects.create_user("coord", password=PASSWORD)
    add_role(asked, "coord", "coordinator", [], now=CLOCK)
    url = f"{base}/trials/{asked.slug}/comments/"

    evaluator = _staff_page(browser, base, "eva")
    evaluator.goto(url)
    evaluator.get_by_role("heading", name="Survey comments").wait_for()
    assert axe_violations(evaluator) == []
    body = evaluator.locator("main").inner_text()
    assert "I am being bullied by [name] [name] in supervision and [name]'s team sees it." in body
    assert "Tom" not in body
    assert "Brennan" not in body
    assert evaluator.locator(".govuk-tag", has_text="bullying").count() == 1
    assert "harassed" not in body  # the group of two is held back, its flags counted
    assert "2 comments from groups of fewer than 5 people are not shown" in body
    assert "3 comments mention self-harm, abuse or bullying (2 in groups too small" in body

    coordinator = _staff_page(browser, base, "coord")
    response = coordinator.goto(url)
    assert response is not None
    assert response.status == 404
    assert "bullied" not in coordinator.content()

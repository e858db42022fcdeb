"""The deliverer survey on a phone, in a real browser: a letter writer answers and saves."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from hearten.trials.people import add_role
from tests.browser.conftest import PHONE, axe_violations
from tests.conftest import CLOCK, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("audit_flushable"),
]
PASSWORD = "a long passphrase 1"


def test_a_letter_writer_answers_the_deliverer_survey_on_a_phone(
    trial: Any, live_server: Any, browser: Any
) -> None:
    from hearten.process.models import DelivererAnswer

    team = sorted(trial.teams.values_list("code", flat=True))[0]
    add_role(trial, "writer", "letter-writer", [team], PASSWORD, now=CLOCK)
    client = Client()
    assert sign_in(client, "writer", PASSWORD)
    base = live_server.url
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base}]
    )
    page = context.new_page()
    page.set_default_timeout(90_000)
    page.goto(f"{base}/trials/{trial.slug}/deliverer-survey/")
    page.get_by_role("heading", name="Your experience of delivering the study").wait_for()
    assert page.evaluate(f"document.documentElement.scrollWidth <= {PHONE['width']}")
    assert axe_violations(page) == []
    page.get_by_label("how many minutes did writing one letter take you?").fill("20")
    page.get_by_label("Acceptable", exact=True).check()
    page.get_by_label("What was hard about writing the letters?").fill("Time after visits.")
    page.get_by_role("button", name="Save your answers").click()
    page.get_by_text("your answers are saved").wait_for()
    assert axe_violations(page) == []
    row = DelivererAnswer.objects.get(trial=trial)
    assert (row.minutes_per_letter, row.acceptability, row.hard) == (20, 4, "Time after visits.")
    context.close()

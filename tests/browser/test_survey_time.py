"""The survey time participants are told, checked by a scripted participant who reads and answers
at a stated, realistic pace in a phone-sized browser (issue 18, item 6).

The participant's time is computed from the words and questions actually on the pages the
browser shows, never from the machine's clock (a loaded test machine would say nothing about
a person). Their pace, with its sources (``docs/explanation/survey-time.md``):

* reads at :data:`READING_WPM` words a minute: the average silent reading rate of English
  non-fiction by adults (Brysbaert 2019, 190 studies);
* reads the whole consent page (the support lines on it included), and on later pages the
  heading, prompt and notes but not the support box again (already read on the consent page)
  nor the closed "About these questions";
* answers each question in :data:`ANSWER_SECONDS`: Pew Research Center budgets about 10 s for
  a stand-alone web survey question and less for an item in a battery of the same answers,
  which is what the scales are;
* spends :data:`PAGE_TURN_SECONDS` sending each page and waiting for the next on mobile data;
* glances at each answer on the check-your-answers page for :data:`GLANCE_SECONDS`.

The estimate shown on the consent page must be at least that participant's time (never said
to be shorter than it is) and at most :data:`TOLERANCE_SECONDS` more (the model's rounding up
to whole minutes, and its per-item times, not an inflated promise).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from hearten.surveys.models import Invitation
from hearten.surveys.services import invite, plan_waves
from hearten.surveys.timing import words_in
from hearten.trials.design import parse_design
from hearten.trials.lifecycle import create_trial
from hearten.trials.roster import import_roster
from tests.browser.conftest import PHONE
from tests.browser.test_trusting_the_study import PARTICIPANTS
from tests.conftest import CLOCK, roster_text

#: The clock the services are given (a fixed one: nothing here depends on the day).
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("audit_flushable"),
]

READING_WPM = 238.0
ANSWER_SECONDS = 8.0
PAGE_TURN_SECONDS = 3.0
GLANCE_SECONDS = 1.0
#: Rounding up to whole minutes adds up to 60 s; the model's own per-item times may differ
#: from the scripted participant's by up to 30 s on a four-page survey.
TOLERANCE_SECONDS = 90.0

#: The words on the page a reader reads, and the questions they answer (JavaScript).
READ = """(skipping) => {
  const main = document.querySelector('main');
  const skipped = [...main.querySelectorAll(skipping)].map(e => e.innerText);
  const questions = main.querySelectorAll('form .govuk-form-group').length;
  const glances = main.querySelectorAll('.govuk-summary-list__row').length;
  return {text: main.innerText, skipped, questions, glances};
}"""


def _seconds(page: Any, skipping: str, answering: bool) -> float:
    """The scripted participant's seconds on ``page`` (module docstring)."""
    seen = page.evaluate(READ, skipping)
    words = words_in(seen["text"]) - sum(words_in(t) for t in seen["skipped"])
    seconds = words * 60 / READING_WPM + PAGE_TURN_SECONDS
    if answering:
        seconds += ANSWER_SECONDS * seen["questions"]
    return seconds + GLANCE_SECONDS * seen["glances"]


@pytest.fixture
def link(live_server: Any, design_file: Path, tmp_path: Path) -> str:
    text = design_file.read_text().replace(
        'name = "baseline"\ninstrument = "swemwbs"',
        'name = "baseline"\ninstrument = "swemwbs"\nalso = ["ons4", "caseload", "supervision"]\n'
        "closes = 2099-12-31",
    )
    text = text.replace("[analysis]", PARTICIPANTS + "\n[analysis]")
    trial = create_trial(parse_design(text), now=CLOCK)
    plan_waves(trial)
    roster = tmp_path / "roster.csv"
    roster.write_text(roster_text(1, 2))
    import_roster(trial, roster, now=CLOCK)
    invite(trial.waves.get(name="baseline"), NOW)
    first = Invitation.objects.order_by("id").first()
    assert first is not None
    return f"{live_server.url}/s/{first.token}/"


def test_the_time_shown_is_what_a_reader_at_a_realistic_pace_takes(browser: Any, link: str) -> None:
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    context.set_default_timeout(90_000)
    phone = context.new_page()
    phone.goto(link)
    shown = re.search(r"takes about (\d+) minutes?", phone.content())
    assert shown is not None
    told = int(shown.group(1)) * 60
    # The consent page, read whole; one question (taking part) answered.
    spent = _seconds(phone, ".no-such-thing", answering=False) + ANSWER_SECONDS
    phone.get_by_label("Yes, I agree to take part").check()
    phone.get_by_role("button", name="Continue").click()
    pages = 0
    while True:
        phone.locator("main h1").wait_for()
        if phone.get_by_role("button", name="Send my answers").count():
            break
        pages += 1
        spent += _seconds(phone, ".hearten-support, form .govuk-form-group", answering=True)
        for group in phone.locator("form .govuk-form-group").all():
            radio = group.locator("input[type=radio]")
            if radio.count():
                radio.first.check()
            else:
                group.locator("input").fill("17")
        phone.locator("form button.govuk-button").last.click()
        phone.wait_for_load_state()
    spent += _seconds(phone, ".hearten-support, .govuk-summary-list", answering=False)
    phone.get_by_role("button", name="Send my answers").click()
    phone.get_by_role("heading", name="Thank you").wait_for()
    context.close()
    assert pages == 4
    assert told >= spent, f"told {told} s, a reader at this pace takes {spent:.0f} s"
    assert told - spent <= TOLERANCE_SECONDS, f"told {told} s for {spent:.0f} s"

"""The survey time model: hand-worked cases, words counted the way a reader meets them, and the
consent page's own words (not a constant) in what participants are told."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from hearten.surveys.models import Invitation
from hearten.surveys.services import get_wave, invite
from hearten.surveys.study import study_of, study_of_design
from hearten.surveys.survey_time import survey_estimate
from hearten.surveys.timing import Estimate, Item, Page, estimate, pages_of, words_in
from hearten.trials.design import parse_design
from hearten.trials.questions import QuestionPageSpec

#: The clock the services are given (a fixed one: nothing here depends on the day).
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)

WARY = """
[participants]
team = "The Anytown University evaluation team"
councils = ["Dudley Council"]
email = "working-well@example.org"
statements = ["surveys", "hr", "interview"]

[support.employee_assistance]
name = "Health Assured (employee assistance)"
about = "Free, confidential counselling, day or night."
phone = "0800 030 5182"
"""


#: The worked sums are written to two decimals of a second.
HAND_ROUNDED = 0.01


def test_a_one_page_survey_worked_by_hand() -> None:
    page = Page("swemwbs", (Item("choice", 5),) * 7, heading_words=5, prompt_words=24)
    # The consent page: 3 s to load, 238 words at 238 a minute, 5 s to choose: 68 s.
    # The page: 3 s; heading, prompt, notes and the last page's longer note (5 + 24 + 45 + 15
    # = 89 words) 22.44 s; seven five-option questions at 6.25 s: 69.19 s.
    # The check page: 3 s; its notes and the page's heading (55 + 5 = 60 words) 15.13 s;
    # seven answers at 1 s: 25.13 s. In all 162.31 s, told as 3 minutes.
    e = estimate([page], consent_words=238)
    assert e == Estimate(seconds=pytest.approx(162.31, abs=HAND_ROUNDED), questions=7, pages=1,
                         consent_words=238)  # fmt: skip
    assert e.minutes == 3
    assert estimate([page]).seconds == pytest.approx(
        162.31 - 68, abs=HAND_ROUNDED
    )  # no consent page


def test_numbers_and_free_text_take_longer_than_a_choice() -> None:
    assert Item("number").seconds == 15
    assert Item("text").seconds == 30
    assert Item("choice", 11).seconds == pytest.approx(8.35)


def test_words_are_counted_as_a_reader_meets_them() -> None:
    page = (
        "<title>Not counted</title><main id='main'><h1>Don&#x27;t stop</h1>"
        "<p>Call <a href='tel:116123'>116 123</a> or e-mail jo@samaritans.org.</p>"
        "<script>var counted = false;</script></main><footer>Not counted</footer>"
    )
    # Don't | stop | Call | 116 | 123 | or | e-mail | jo | samaritans.org
    assert words_in(page) == 9


def test_the_pages_of_a_wave_count_every_own_question_whatever_the_arm() -> None:
    own = QuestionPageSpec.model_validate({"name": "work", "heading": "Your work", "items": [
        {"key": "a", "text": "Did you get one?", "options": ["Yes", "No"], "arms": ["letters"]},
        {"key": "b", "text": "How many?", "kind": "number", "minimum": 0, "maximum": 9},
        {"key": "c", "text": "Anything else?", "kind": "text"},
    ]})  # fmt: skip
    pages = pages_of(["swemwbs", "work"], {"work": own})
    assert [p.name for p in pages] == ["swemwbs", "work"]
    assert pages[1].items == (Item("choice", 2), Item("number", 0), Item("text", 0))
    assert (pages[1].heading_words, pages[1].prompt_words) == (2, 0)
    assert (len(pages[0].items), pages[0].heading_words, pages[0].prompt_words) == (7, 5, 24)


def test_more_to_read_on_the_consent_page_is_a_longer_estimate(design_file: Path) -> None:
    text = design_file.read_text()
    plain = study_of_design(parse_design(text))
    wary = study_of_design(parse_design(text.replace("[analysis]", WARY + "\n[analysis]")))
    pages = ["swemwbs", "ons4", "caseload", "supervision"]
    short, long = survey_estimate(plain, pages), survey_estimate(wary, pages)
    assert long.consent_words > short.consent_words + 40  # two statements, a support line
    assert long.seconds - short.seconds == pytest.approx(
        (long.consent_words - short.consent_words) * 60 / 238
    )
    assert survey_estimate(wary, pages, consent=False).consent_words == 0


@pytest.mark.django_db
def test_the_words_counted_are_the_consent_page_participants_see(trial: Any) -> None:
    invite(get_wave(trial, "baseline"), NOW)
    inv = Invitation.objects.filter(wave__trial=trial).first()
    assert inv is not None
    page = Client().get(f"/s/{inv.token}/").content.decode()
    told = survey_estimate(study_of(trial), inv.wave.pages or [inv.wave.instrument])
    assert words_in(page) == told.consent_words
    assert f"takes about {told.minutes} minute" in page

"""The trial's own questions in the design file: parsed, checked, and refused in one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from hearten.errors import DesignError
from hearten.trials.design import parse_design

FIXTURE = (Path(__file__).parents[1] / "fixtures" / "design.toml").read_text()

QUESTIONS = """
[[questions]]
name = "your-views"
heading = "Your views"

[[questions.items]]
key = "valued"
text = "I feel valued by my employer"
options = ["Strongly disagree", "Disagree", "Neither", "Agree", "Strongly agree"]

[[questions.items]]
key = "thanked"
text = "In the last three months, has anyone at work thanked you in writing?"
options = ["Yes", "No"]
arms = ["control"]

[[questions.items]]
key = "thanked_by"
kind = "text"
text = "Who thanked you, and how?"
max_length = 200
arms = ["control"]
show_if = { item = "thanked", equals = [1] }

[[questions.items]]
key = "comment"
kind = "text"
text = "Is there anything else you would like to tell us?"
max_length = 1000
"""


def design(questions: str = QUESTIONS, asks: str = 'questions = ["your-views"]') -> str:
    text = FIXTURE.replace(
        'name = "follow-up"\ninstrument = "swemwbs"',
        f'name = "follow-up"\ninstrument = "swemwbs"\n{asks}',
    )
    return text + questions


def problem(text: str) -> str:
    with pytest.raises(DesignError) as caught:
        parse_design(text)
    lines = str(caught.value).splitlines()
    assert len(lines) == 2, lines  # "has 1 problem(s):" and the one line
    return lines[1]


def test_a_wave_asks_the_trials_own_questions_after_its_instruments() -> None:
    d = parse_design(design())
    follow_up = d.waves[1]
    assert follow_up.pages == ["swemwbs"]  # the instruments
    assert follow_up.questions == ["your-views"]
    page = d.questions[0]
    assert [q.key for q in page.items] == ["valued", "thanked", "thanked_by", "comment"]
    assert page.items[0].values == (1, 2, 3, 4, 5)
    assert page.items[3].kind == "text"
    assert page.items[3].max_length == 1000


def test_a_condition_may_name_an_instruments_item_on_an_earlier_page() -> None:
    extra = QUESTIONS + (
        '\n[[questions.items]]\nkey = "low_mood"\nkind = "text"\n'
        'text = "What has made things hard?"\nshow_if = { item = "swemwbs_1", equals = [1, 2] }\n'
    )
    assert parse_design(design(extra)).questions[0].items[-1].show_if is not None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('arms = ["control"]\n\n[[questions.items]]\nkey = "thanked_by"',
          'arms = ["placebo"]\n\n[[questions.items]]\nkey = "thanked_by"'),
         "arms names 'placebo', which is not an arm (control, letters)"),
        (('equals = [1]', 'equals = [3]'),
         "show_if value 3 is not an answer 'thanked' can have (1 to 2)"),
        (('item = "thanked"', 'item = "comment"'),
         "show_if names 'comment', which is not a choice or number item asked before it"),
        (('key = "comment"', 'key = "valued"'), "key 'valued' is used twice"),
        (('key = "comment"', 'key = "swemwbs_1"'),
         "key 'swemwbs_1' is used twice (or by an instrument)"),
        (('max_length = 1000', 'max_length = 5000'), "less than or equal to 2000"),
        (('options = ["Yes", "No"]', 'options = ["Yes"]'), "a choice item needs 2 to 11 options"),
        (('kind = "text"\ntext = "Is there', 'kind = "text"\nrequired = true\ntext = "Is there'),
         "a free-text answer cannot be required"),
        (('text = "Is there anything else you would like to tell us?"',
          'text = "Did the letters help you?"'),
         "contains 'letters', an arm's name or label"),
    ],
)  # fmt: skip
def test_a_bad_question_is_refused_in_one_line(change: tuple[str, str], message: str) -> None:
    old, new = change
    assert old in QUESTIONS
    assert message in problem(design(QUESTIONS.replace(old, new)))


def test_a_page_nobody_is_asked_everything_on_is_refused() -> None:
    only_some = QUESTIONS.replace(
        'options = ["Strongly disagree"', 'arms = ["letters"]\noptions = ["Strongly disagree"'
    ).replace("max_length = 1000", 'max_length = 1000\narms = ["letters"]')
    assert "needs at least one item asked of everyone" in problem(design(only_some))


def test_a_wave_asking_an_undeclared_page_and_an_unasked_page_are_refused() -> None:
    assert "asks questions page 'views', which is not declared" in problem(
        design(asks='questions = ["views"]')
    )
    assert "'your-views' is not asked in any wave" in problem(design(asks=""))


def test_a_condition_on_a_page_asked_later_is_refused() -> None:
    early = """
[[questions]]
name = "early"
heading = "First"

[[questions.items]]
key = "why"
kind = "text"
text = "Why?"
show_if = { item = "valued", equals = [1] }

[[questions.items]]
key = "note"
kind = "text"
text = "Anything else?"
"""
    text = design(QUESTIONS + early, asks='questions = ["early", "your-views"]')
    assert "show_if names 'valued', which is not a choice or number item asked before it" in (
        problem(text)
    )

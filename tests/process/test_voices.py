"""What deliverers and the control arm said, as the report shows it, within the disclosure
rules."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.template.loader import render_to_string

from hearten.process.deliverers import LetterTime, answer
from hearten.process.voices import ArmQuestion, Share, Voices, _suppress, voices
from hearten.surveys.models import Invitation
from hearten.surveys.services import record_consent, save_page
from hearten.trials.allocation import arms_by_participant
from tests.process.test_deliverers import deliverers, pytestmark  # noqa: F401
from tests.surveys.test_items import SWEMWBS, asked  # noqa: F401

#: The clock the services are given (a fixed one: nothing here depends on the day).
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)


def test_small_counts_and_a_lone_hidden_count_s_neighbour_are_held_back() -> None:
    assert _suppress([6, 1], 5) == [None, None]  # 1 hidden, so the 6 would give it away
    assert _suppress([5, 5, 0], 5) == [5, 5, 0]
    assert _suppress([7, 2, 1], 5) == [7, None, None]
    assert _suppress([9, 3, 6], 5) == [9, None, None]  # the smallest shown goes with it


def test_the_control_arms_usual_practice_is_counted_and_nobody_elses(asked: Any) -> None:  # noqa: F811
    arms = arms_by_participant(asked)
    links = Invitation.objects.filter(wave__trial=asked).order_by("id")
    control = [i for i in links if arms[i.participant_id] == "control"][:12]
    letters = [i for i in links if arms[i.participant_id] == "letters"][:3]
    for n, inv in enumerate(control + letters):
        record_consent(inv, True, now=NOW)
        save_page(inv, "swemwbs", SWEMWBS, now=NOW)
        save_page(inv, "your-views", {"valued": "3", "thanked": "1" if n < 7 else "2"}, now=NOW)
    v = voices(asked)
    assert v.writers == 0
    assert v.time is None
    [q] = v.questions
    assert (q.wave, q.arms, q.answered) == ("follow-up", ("Business as usual",), 12)
    assert q.shares == (Share("Yes", 7), Share("No", 5))  # the letters arm's answers dropped


def test_few_letter_writers_answers_are_not_shown(
    named_trial: Any,
    deliverers: dict[str, Any],  # noqa: F811
) -> None:
    answer(named_trial, deliverers["writer-1"], minutes_per_letter=10, acceptability=4)
    answer(named_trial, deliverers["coord"], hard="Finding rooms.")
    v = voices(named_trial)
    assert (v.writers, v.coordinators, v.hard, v.time, v.acceptability) == (1, 1, 1, None, None)
    html = render_to_string("reports/_voices.html", {"voices": v})
    assert "1 letter writer and 1 coordinator answered, and 1 said what was hard" in html
    assert "With fewer than 5 letter writers answering" in html
    assert "10" not in html


def test_enough_letter_writers_answers_are_summarised() -> None:
    v = Voices(5, 6, LetterTime(6, 14.5, 12.0), 3.8, 2, 1,
               (ArmQuestion("follow-up", "Thanked?", ("control",), 9, (Share("Yes", None),
                             Share("No", None))),))  # fmt: skip
    html = render_to_string("reports/_voices.html", {"voices": v})
    assert "a median of 12 minutes per letter (mean 14.5)" in html
    assert "3.8 out of 5 for acceptability" in html
    assert "Asked at follow-up only of the arm control; 9 answered." in html
    assert html.count("not shown") >= 2

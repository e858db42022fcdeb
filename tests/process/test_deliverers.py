"""The deliverer survey: letter writers' minutes per letter and acceptability, anyone's
"what was hard", checked against their role; the minutes as the costing reads them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from hearten.errors import DataError, StateError
from hearten.process.deliverers import answer, letter_writing_time
from hearten.process.models import DelivererAnswer
from hearten.trials.people import add_role
from tests.conftest import CLOCK

pytestmark = pytest.mark.django_db
PASSWORD = "a long passphrase 1"


@pytest.fixture
def deliverers(named_trial: Any) -> dict[str, Any]:
    teams = sorted(named_trial.teams.values_list("code", flat=True))
    add_role(named_trial, "writer-1", "letter-writer", [teams[0]], PASSWORD, now=CLOCK)
    add_role(named_trial, "writer-2", "letter-writer", [teams[1]], PASSWORD, now=CLOCK)
    add_role(named_trial, "writer-3", "letter-writer", [teams[2]], PASSWORD, now=CLOCK)
    add_role(named_trial, "coord", "coordinator", [], PASSWORD, now=CLOCK)
    users = get_user_model().objects
    get_user_model().objects.create_user("nobody", password=PASSWORD)
    return {name: users.get(username=name) for name in
            ("writer-1", "writer-2", "writer-3", "coord", "nobody")}  # fmt: skip


def test_minutes_per_letter_are_summarised_for_the_costing(
    named_trial: Any, deliverers: dict[str, Any]
) -> None:
    assert letter_writing_time(named_trial).answers == 0
    answer(named_trial, deliverers["writer-1"], minutes_per_letter=10, acceptability=4)
    answer(named_trial, deliverers["writer-2"], minutes_per_letter=20, acceptability=2,
           hard="Finding something specific to say about new starters.")  # fmt: skip
    answer(named_trial, deliverers["writer-3"], minutes_per_letter=45)
    answer(named_trial, deliverers["coord"], hard="Chasing managers for their letters.")
    time = letter_writing_time(named_trial)
    assert (time.answers, time.mean_minutes, time.median_minutes) == (3, 25.0, 20.0)
    # a later answer replaces the earlier one
    answer(named_trial, deliverers["writer-3"], minutes_per_letter=30)
    assert letter_writing_time(named_trial).mean_minutes == 20.0
    assert DelivererAnswer.objects.filter(trial=named_trial).count() == 4


def test_answers_are_checked_against_the_role(named_trial: Any, deliverers: dict[str, Any]) -> None:
    with pytest.raises(StateError, match="nobody delivers nothing"):
        answer(named_trial, deliverers["nobody"], hard="x")
    with pytest.raises(DataError, match="asked of letter writers only"):
        answer(named_trial, deliverers["coord"], minutes_per_letter=5)
    with pytest.raises(DataError, match="between 1 and 240"):
        answer(named_trial, deliverers["writer-1"], minutes_per_letter=600)
    with pytest.raises(DataError, match="from 1 \\(very unacceptable\\)"):
        answer(named_trial, deliverers["writer-1"], acceptability=6)
    with pytest.raises(DataError, match="at most 1000 characters"):
        answer(named_trial, deliverers["writer-1"], hard="x" * 1001)
    assert not DelivererAnswer.objects.exists()


def test_the_commands_record_and_summarise(
    hearten: Callable[..., Any], named_trial: Any, deliverers: dict[str, Any]
) -> None:
    done = hearten("ipe", "deliverer", named_trial.slug, "writer-1", "--minutes-per-letter",
                   "12", "--acceptability", "5", "--hard", "Nothing much.")  # fmt: skip
    assert done.code == 0, done.err
    summary = hearten("ipe", "deliverers", named_trial.slug).out
    assert "Minutes per letter (1 letter writers): mean 12.0, median 12.0." in summary
    assert "letter-writer: acceptability 5/5. Nothing much." in summary
    refused = hearten("ipe", "deliverer", named_trial.slug, "coord", "--minutes-per-letter", "3")
    assert refused.code != 0
    assert "letter writers only" in refused.err


def test_letter_writing_time_is_costed_from_the_survey_each_time(
    named_trial: Any, deliverers: dict[str, Any]
) -> None:
    from hearten.interventions.costs import add_cost
    from hearten.interventions.ingredients import costing
    from hearten.interventions.models import Letter
    from hearten.process.deliverers import reported_times
    from hearten.trials.allocation import arms_by_participant
    from hearten.trials.models import Participant

    arms = arms_by_participant(named_trial)
    readers = [p for p in Participant.objects.filter(trial=named_trial).order_by("id")
               if arms[p.id] == "letters"][:4]  # fmt: skip
    for p in readers:
        Letter.objects.create(trial=named_trial, participant=p, writer=deliverers["writer-1"],
                              lines="x", status="posted")  # fmt: skip
    add_cost(named_trial, "letters", "writing each letter", 0, hourly_rate=48.0, per="letter",
             minutes_from="deliverer-survey", now=CLOCK)  # fmt: skip
    with pytest.raises(DataError, match="no letter writer has answered yet"):
        costing(named_trial, reported_times(named_trial))
    answer(named_trial, deliverers["writer-1"], minutes_per_letter=10)
    answer(named_trial, deliverers["writer-2"], minutes_per_letter=20)
    [line] = costing(named_trial, reported_times(named_trial)).lines
    # 4 letters sent (the log) × 15 minutes (the survey's mean) at £48 an hour
    assert (line.kind, line.quantity, line.unit_price, line.cost) == ("staff", 4, 12.0, 48.0)
    assert line.source == (
        "minutes per letter: 15.0, the mean of 2 letter writers' answers to the deliverer survey"
    )
    # a later answer is read the next time the trial is costed
    answer(named_trial, deliverers["writer-3"], minutes_per_letter=45)
    [line] = costing(named_trial, reported_times(named_trial)).lines
    assert line.unit_price == pytest.approx(20.0)  # 25 minutes at £48 an hour


def test_survey_minutes_are_only_minutes_per_letter(named_trial: Any) -> None:
    from hearten.interventions.costs import add_cost

    with pytest.raises(DataError, match="use --per letter and leave out --minutes"):
        add_cost(named_trial, "letters", "x", 0, hourly_rate=40.0, per="module",
                 minutes_from="deliverer-survey", now=CLOCK)  # fmt: skip
    with pytest.raises(DataError, match="give the hourly rate"):
        add_cost(
            named_trial, "letters", "x", 0, per="letter", minutes_from="deliverer-survey", now=CLOCK
        )
    with pytest.raises(DataError, match="where the minutes come from must be one of"):
        add_cost(named_trial, "letters", "x", 1.0, minutes_from="guess", now=CLOCK)

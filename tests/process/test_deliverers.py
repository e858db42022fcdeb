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

pytestmark = pytest.mark.django_db
PASSWORD = "a long passphrase 1"


@pytest.fixture
def deliverers(named_trial: Any) -> dict[str, Any]:
    teams = sorted(named_trial.teams.values_list("code", flat=True))
    add_role(named_trial, "writer-1", "letter-writer", [teams[0]], PASSWORD)
    add_role(named_trial, "writer-2", "letter-writer", [teams[1]], PASSWORD)
    add_role(named_trial, "writer-3", "letter-writer", [teams[2]], PASSWORD)
    add_role(named_trial, "coord", "coordinator", [], PASSWORD)
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

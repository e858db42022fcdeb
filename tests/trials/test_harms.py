"""The harms and concerns log: entered by the evaluator, counted by arm in the trial report."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from hearten.errors import DataError, NotFound
from hearten.trials.allocation import arms_by_participant, randomise_trial
from hearten.trials.harms import HarmCount, harms_by_arm, log_harm
from hearten.trials.models import AuditEvent
from tests.conftest import CLOCK

#: The clock the services are given (a fixed one: nothing here depends on the day).
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)

pytestmark = pytest.mark.django_db


def test_entries_are_counted_by_the_arm_of_the_person_concerned(trial: Any) -> None:
    randomise_trial(trial, 7, now=CLOCK)
    arm_of = arms_by_participant(trial)
    by_arm: dict[str, list[int]] = {}
    for pid, arm in sorted(arm_of.items()):
        by_arm.setdefault(arm, []).append(pid)
    people = {p.pk: p.pseudonym for p in trial.participants.all()}
    first, second = (people[i] for i in by_arm["letters"][:2])
    log_harm(trial, "Upset by a letter that named the wrong case", pseudonym=first, now=NOW)
    log_harm(trial, "Distressed after the survey", pseudonym=first, serious=True, now=NOW)
    log_harm(trial, "Felt pressured to take part", kind="concern", source="participant",
             pseudonym=second, now=NOW)  # fmt: skip
    log_harm(
        trial,
        "Anonymous worry about who sees answers",
        kind="concern",
        source="participant",
        now=NOW,
    )
    assert harms_by_arm(trial) == [
        HarmCount("letters", "harm", entries=2, serious=1, people=1),
        HarmCount("letters", "concern", entries=1, serious=0, people=1),
        HarmCount("", "concern", entries=1, serious=0, people=0),
    ]
    event = AuditEvent.objects.filter(action="harm-logged").first()
    assert event is not None
    assert "description" not in event.detail  # the text stays out of the audit log


def test_bad_entries_are_refused(trial: Any) -> None:
    with pytest.raises(DataError, match="description is empty"):
        log_harm(trial, "   ", now=NOW)
    with pytest.raises(NotFound, match="no participant 'P-NOBODY'"):
        log_harm(trial, "A harm", pseudonym="P-NOBODY", now=NOW)


def test_the_command_logs_a_concern(hearten: Callable[..., Any], trial: Any) -> None:
    r = hearten("trial", "harm", trial.slug, "Worried about confidentiality", "--concern")
    assert r.code == 0, r.err
    assert "Logged concern" in r.out
    assert harms_by_arm(trial) == [HarmCount("", "concern", entries=1, serious=0, people=0)]
    r = hearten("trial", "harm", trial.slug, "")
    assert r.code != 0
    assert "description is empty" in r.err


def test_the_logs_kinds_and_sources_are_typed_choices(trial: Any) -> None:
    """The log's closed choices are one typed list each (issue 27, item 5): the model's field
    and the service read the same enumeration, and an entry outside it is refused."""
    from hearten.trials.choices import HarmKind, HarmSource
    from hearten.trials.models import HarmReport

    assert HarmReport._meta.get_field("kind").choices == HarmKind.choices
    assert HarmReport._meta.get_field("source").choices == HarmSource.choices
    entry = log_harm(
        trial, "Worried", kind=HarmKind.CONCERN, source=HarmSource.PARTICIPANT, now=NOW
    )
    entry.refresh_from_db()
    assert (entry.kind, entry.source) == (HarmKind.CONCERN, HarmSource.PARTICIPANT)
    with pytest.raises(DataError, match="kind is harm or concern"):
        log_harm(trial, "Odd", kind="complaint", now=NOW)  # type: ignore[arg-type]

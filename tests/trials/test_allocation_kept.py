"""An allocation is append-only: never deleted, except with its trial by ``discard_trial``,
which the audit log records; ``audit verify`` matches the allocation's time to its own event
(issue 27, item 2)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import DatabaseError, transaction

from hearten.trials.allocation import randomise_trial
from hearten.trials.lifecycle import discard_trial
from hearten.trials.models import (
    AllocatedUnit,
    Allocation,
    AuditEvent,
    DiscardPermit,
    Participant,
    Trial,
)
from hearten.trials.verify import _time_check, verify_trial
from tests.conftest import CLOCK

#: The clock the services are given (a fixed one: nothing here depends on the day).
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)

pytestmark = pytest.mark.django_db

THEN = datetime(2026, 9, 1, 9, 30, tzinfo=UTC)


def test_an_allocation_and_its_units_refuse_deletion_however_asked(trial: Any) -> None:
    randomise_trial(trial, 1, now=THEN)
    drawn = Allocation.objects.get(trial=trial)
    units = AllocatedUnit.objects.filter(allocation=drawn).count()
    for delete in (
        lambda: Allocation.objects.filter(pk=drawn.pk).delete(),
        lambda: AllocatedUnit.objects.filter(allocation=drawn)[:1].get().delete(),
        lambda: Trial.objects.filter(pk=trial.pk).delete(),  # the cascade is refused too
    ):
        with (
            pytest.raises(DatabaseError, match="an allocation is never deleted"),
            transaction.atomic(),
        ):
            delete()
    assert Allocation.objects.get(pk=drawn.pk).created_at == THEN
    assert AllocatedUnit.objects.filter(allocation=drawn).count() == units


def test_erasing_a_person_keeps_their_pseudonymous_allocation(trial: Any) -> None:
    from hearten.trials.people import withdraw
    from hearten.trials.privacy import erase_participant

    randomise_trial(trial, 1, now=THEN)
    person = Participant.objects.filter(trial=trial).order_by("pseudonym").first()
    assert person is not None
    before = list(AllocatedUnit.objects.order_by("id").values_list("unit_key", "arm_id"))
    withdraw(trial, person.pseudonym, now=NOW)
    erase_participant(person, now=NOW)
    assert list(AllocatedUnit.objects.order_by("id").values_list("unit_key", "arm_id")) == before
    assert all(c.ok for c in verify_trial(trial))


def test_a_trial_is_discarded_with_its_allocation_recorded_and_its_slug_used_again(
    trial: Any, design_file: Path, write_roster: Any
) -> None:
    from hearten.surveys.services import plan_waves
    from hearten.trials.design import load_design
    from hearten.trials.lifecycle import create_trial
    from hearten.trials.roster import import_roster
    from tests.conftest import roster_text

    randomise_trial(trial, 1, now=THEN)
    slug = trial.slug
    discard_trial(trial, "the demo is built again", now=CLOCK)
    assert not Trial.objects.filter(slug=slug).exists()
    assert not Allocation.objects.exists()
    assert not DiscardPermit.objects.exists()  # the permit lives only inside the discard
    event = AuditEvent.objects.get(action="trial-discarded")
    assert event.trial_slug == slug
    assert event.detail == {
        "reason": "the demo is built again",
        "allocation": {"seed": 1, "scheme": "blocked-cluster", "randomised_at": THEN.isoformat()},
    }
    # The same slug again, randomised a month later: verified against its own event, not the
    # discarded trial's (which the log keeps under the slug).
    again = create_trial(load_design(design_file), now=CLOCK)
    plan_waves(again)
    import_roster(again, write_roster(roster_text()), now=CLOCK)
    randomise_trial(again, 1, now=THEN + timedelta(days=30))
    checks = {c.name: c for c in verify_trial(again)}
    assert all(c.ok for c in checks.values()), [c for c in checks.values() if not c.ok]
    assert checks["randomisation time"].detail == (
        f"randomised at {(THEN + timedelta(days=30)).isoformat()}, as the audit log recorded"
    )


def test_an_older_event_without_the_time_is_checked_within_a_minute_and_says_so(
    trial: Any,
) -> None:
    randomise_trial(trial, 1, now=THEN)
    drawn = Allocation.objects.get(trial=trial)
    # An event written before the log recorded ``randomised_at``: stamped to the second.
    older = AuditEvent(action="randomised", at=THEN + timedelta(seconds=40), detail={"seed": 1})
    check = _time_check(drawn, older)
    assert check.ok
    assert check.detail == (
        f"randomised at {THEN.isoformat()}, within a minute of the audit event "
        f"({(THEN + timedelta(seconds=40)).isoformat()}): the event is older than the time it "
        "now records, so only that closeness can be checked"
    )
    moved = AuditEvent(action="randomised", at=THEN + timedelta(seconds=61), detail={"seed": 1})
    check = _time_check(drawn, moved)
    assert not check.ok
    assert "(an older event: within a minute)" in check.detail


def test_the_committed_roster_is_taken_as_of_the_clock_given(trial: Any) -> None:
    """Years in post are counted to the commitment's day, the caller's clock (issue 27)."""
    from datetime import date

    from hearten.trials.allocation import commit_seed, roster_snapshot

    c = commit_seed(trial, 5, now=THEN)
    assert c.snapshot["as_of"] == "2026-09-01"
    assert c.snapshot == roster_snapshot(trial, date(2026, 9, 1))
    assert c.snapshot != roster_snapshot(trial, date(2027, 9, 1))  # a year longer in post

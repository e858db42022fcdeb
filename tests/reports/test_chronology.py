"""The report states the order of commitment, locking and randomisation only as recorded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from hearten.analysis.allocation_record import AllocationRecord
from hearten.analysis.plan_status import Deviation, PlanStatus
from hearten.reports.chronology import chronology, relative, run_chronology
from tests.conftest import CLOCK

#: The clock the services are given (a fixed one: nothing here depends on the day).
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)

DRAW = "2026-05-13T10:00:00+00:00"


def _order(committed: str | None, locked: str | None, amended: bool = False) -> dict[str, str]:
    """The order phrases of a typed run (what the report reads) drawn at :data:`DRAW`."""
    allocation = AllocationRecord(
        seed=11, scheme="blocked", unit="team", randomised_at=DRAW, committed_at=committed
    )
    deviations = (Deviation(version=2, at="2026-06-01T09:00:00+00:00"),) if amended else ()
    plan = PlanStatus(locked=locked is not None, locked_at=locked, deviations=deviations)
    return run_chronology(allocation, plan)


def test_a_seed_committed_before_the_draw_is_said_to_be_committed_before_it() -> None:
    order = _order("2026-05-12T09:00:00+00:00", None)
    assert order["seed"] == "before randomisation"
    assert order["plan"] == ""


def test_a_seed_committed_after_the_draw_is_said_to_prove_nothing() -> None:
    order = _order("2026-11-30T09:00:00+00:00", None)
    assert order["seed"] == (
        "after randomisation (on 2026-05-13), so the commitment does not show that the seed "
        "was fixed before the draw"
    )


def test_a_seed_committed_at_the_moment_of_the_draw_is_not_said_to_be_before_it() -> None:
    assert _order(DRAW, None)["seed"].startswith("at the same moment as randomisation")


def test_the_order_compares_instants_not_how_they_are_written() -> None:
    assert relative("2026-05-13T11:30:00+02:00", DRAW, "x") == "before x"


def test_a_plan_locked_before_or_after_randomisation_is_labelled_so() -> None:
    assert _order(None, "2026-05-01T00:00:00+00:00")["plan"] == "before randomisation"
    assert _order(None, "2026-06-01T00:00:00+00:00")["plan"] == (
        "after randomisation (on 2026-05-13)"
    )
    assert _order(None, None)["plan"] == ""


def test_choices_are_said_to_be_declared_before_the_results_only_in_a_locked_plan() -> None:
    locked = _order(None, "2026-05-01T00:00:00+00:00")["declared"]
    assert locked == "in the analysis plan locked on 2026-05-01, before the results were seen"
    never = _order(None, None)["declared"]
    assert never == "in the analysis plan, which was never locked, so this is exploratory"
    assert "Changes to the plan" in _order(None, "2026-05-01T00:00:00+00:00", True)["declared"]
    assert "Changes to the plan" not in locked


def test_a_run_without_a_plan_or_with_an_unlocked_one_has_no_lock_to_order() -> None:
    allocation = AllocationRecord(seed=11, scheme="blocked", unit="team", randomised_at=DRAW)
    never = chronology(DRAW, None, None, False)
    assert never == {
        "seed": "",
        "plan": "",
        "declared": "in the analysis plan, which was never locked, so this is exploratory",
    }
    assert run_chronology(allocation, None) == never
    # A time beside an unlocked plan is not a lock.
    unlocked = PlanStatus(locked=False, locked_at="2026-05-01T00:00:00+00:00")
    assert run_chronology(allocation, unlocked) == never


@pytest.mark.django_db
def test_the_written_report_never_says_before_when_the_record_says_after(trial: Any) -> None:
    from django.utils import timezone

    from hearten.analysis.plan import lock_plan
    from hearten.analysis.run import run_analysis
    from hearten.reports.render import write_report
    from hearten.surveys.services import invite
    from hearten.trials.allocation import commit_seed, randomise_trial
    from hearten.trials.models import Allocation, SeedCommitment
    from tests.analysis.test_plan import _answer

    invite(trial.waves.get(name="baseline"), NOW)
    _answer(trial, "baseline", {})
    # The real clock: the plan is locked (a real database timestamp) on the day of the draw.
    now = timezone.now()
    commit_seed(trial, 11, now=now)
    randomise_trial(trial, now=now)
    lock_plan(trial, now=now + timedelta(microseconds=1))  # after the draw
    drawn = Allocation.objects.get(trial=trial).created_at
    SeedCommitment.objects.filter(trial=trial).update(created_at=drawn + timedelta(days=1))
    invite(trial.waves.get(name="follow-up"), NOW)
    _answer(trial, "follow-up", {}, skip_every=5)
    run_analysis(trial, timezone.now())
    html = " ".join(write_report(trial, now=CLOCK).read_text().split())
    assert "before randomisation" not in html
    assert "so the commitment does not show that the seed was fixed before the draw" in html
    assert f"locked on {drawn:%Y-%m-%d}, after randomisation (on {drawn:%Y-%m-%d})" in html


@pytest.mark.django_db
def test_the_preregistration_says_when_the_plan_was_locked_against_the_draw(trial: Any) -> None:
    from hearten.analysis.plan import lock_plan
    from hearten.reports.preregistration import preregistration_markdown
    from hearten.trials.allocation import commit_seed, randomise_trial

    commit_seed(trial, 11, now=CLOCK)
    version = lock_plan(trial, now=CLOCK)
    before = " ".join(preregistration_markdown(trial, version).split())
    assert "before the draw. This plan was locked before randomisation." in before
    randomise_trial(trial, now=version.created_at - timedelta(1))  # a clock a day behind
    after = " ".join(preregistration_markdown(trial, version).split())
    assert "This plan was locked after randomisation" in after
    assert "committed on" in after
    assert "locked before randomisation" not in after


@pytest.mark.django_db
def test_the_preregistration_does_not_claim_a_commitment_that_was_never_made(trial: Any) -> None:
    from hearten.analysis.plan import lock_plan
    from hearten.reports.preregistration import preregistration_markdown
    from hearten.trials.allocation import randomise_trial

    randomise_trial(trial, 5, now=CLOCK)
    text = " ".join(
        preregistration_markdown(trial, lock_plan(trial, now=CLOCK + timedelta(minutes=1))).split()
    )
    assert "No seed has been committed: it was chosen at the draw." in text
    assert "This plan was locked after randomisation" in text

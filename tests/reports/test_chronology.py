"""The report states the order of commitment, locking and randomisation only as recorded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from hearten.reports.chronology import relative, report_chronology
from tests.conftest import CLOCK

#: The clock the services are given (a fixed one: nothing here depends on the day).
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)

DRAW = "2026-05-13T10:00:00+00:00"


def _result(committed: str | None, locked: str | None) -> dict[str, Any]:
    plan = {"locked": locked is not None, "locked_at": locked}
    return {"allocation": {"randomised_at": DRAW, "committed_at": committed}, "plan": plan}


def test_a_seed_committed_before_the_draw_is_said_to_be_committed_before_it() -> None:
    order = report_chronology(**_result("2026-05-12T09:00:00+00:00", None))
    assert order["seed"] == "before randomisation"
    assert order["plan"] == ""


def test_a_seed_committed_after_the_draw_is_said_to_prove_nothing() -> None:
    order = report_chronology(**_result("2026-11-30T09:00:00+00:00", None))
    assert order["seed"] == (
        "after randomisation (on 2026-05-13), so the commitment does not show that the seed "
        "was fixed before the draw"
    )


def test_a_seed_committed_at_the_moment_of_the_draw_is_not_said_to_be_before_it() -> None:
    assert report_chronology(**_result(DRAW, None))["seed"].startswith(
        "at the same moment as randomisation"
    )


def test_the_order_compares_instants_not_how_they_are_written() -> None:
    assert relative("2026-05-13T11:30:00+02:00", DRAW, "x") == "before x"


def test_a_plan_locked_before_or_after_randomisation_is_labelled_so() -> None:
    assert report_chronology(**_result(None, "2026-05-01T00:00:00+00:00"))["plan"] == (
        "before randomisation"
    )
    assert report_chronology(**_result(None, "2026-06-01T00:00:00+00:00"))["plan"] == (
        "after randomisation (on 2026-05-13)"
    )
    assert report_chronology(**_result(None, None))["plan"] == ""


def test_choices_are_said_to_be_declared_before_the_results_only_in_a_locked_plan() -> None:
    locked = report_chronology(**_result(None, "2026-05-01T00:00:00+00:00"))["declared"]
    assert locked == "in the analysis plan locked on 2026-05-01, before the results were seen"
    never = report_chronology(**_result(None, None))["declared"]
    assert never == "in the analysis plan, which was never locked, so this is exploratory"
    amended = _result(None, "2026-05-01T00:00:00+00:00")
    amended["plan"]["deviations"] = [{"number": 2}]
    assert "Changes to the plan" in report_chronology(**amended)["declared"]


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
    lock_plan(trial)
    drawn = Allocation.objects.get(trial=trial).created_at
    SeedCommitment.objects.filter(trial=trial).update(created_at=drawn + timedelta(days=1))
    invite(trial.waves.get(name="follow-up"), NOW)
    _answer(trial, "follow-up", {}, skip_every=5)
    run_analysis(trial, timezone.now())
    html = " ".join(write_report(trial).read_text().split())
    assert "before randomisation" not in html
    assert "so the commitment does not show that the seed was fixed before the draw" in html
    assert f"locked on {drawn:%Y-%m-%d}, after randomisation (on {drawn:%Y-%m-%d})" in html


@pytest.mark.django_db
def test_the_preregistration_says_when_the_plan_was_locked_against_the_draw(trial: Any) -> None:
    from hearten.analysis.plan import lock_plan
    from hearten.reports.preregistration import preregistration_markdown
    from hearten.trials.allocation import commit_seed, randomise_trial

    commit_seed(trial, 11, now=CLOCK)
    version = lock_plan(trial)
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
    text = " ".join(preregistration_markdown(trial, lock_plan(trial)).split())
    assert "No seed has been committed: it was chosen at the draw." in text
    assert "This plan was locked after randomisation" in text

"""The locked plan: versions with reasons, deviations, and confirmatory or exploratory labels."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from hearten.analysis.models import PlanVersion
from hearten.analysis.plan import amend_plan, differences, lock_plan, plan_sha256
from hearten.analysis.run import run_analysis
from hearten.errors import DesignError, StateError
from hearten.reports.render import write_report
from hearten.trials.design import Design
from hearten.trials.models import AuditEvent
from tests.analysis.test_run import _answer
from tests.conftest import CLOCK

#: The clock the services are given (a fixed one: nothing here depends on the day).
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)

pytestmark = pytest.mark.django_db


def _ready(trial: Any) -> None:
    from hearten.surveys.services import invite
    from hearten.trials.allocation import randomise_trial

    invite(trial.waves.get(name="baseline"), NOW)
    _answer(trial, "baseline", {})
    randomise_trial(trial, 11, now=CLOCK)
    invite(trial.waves.get(name="follow-up"), NOW)
    _answer(trial, "follow-up", {}, skip_every=5)


def _changed(trial: Any, **analysis: Any) -> Design:
    design = copy.deepcopy(trial.design)
    design["analysis"].update(analysis)
    return Design.model_validate(design)


def test_locking_freezes_the_whole_design_with_its_digest(trial: Any) -> None:
    version = lock_plan(trial, now=CLOCK)
    assert version.number == 1
    assert version.sha256 == plan_sha256(version.design)
    assert version.design["analysis"]["outcome_wave"] == "follow-up"
    event = AuditEvent.objects.filter(trial=trial, action="plan-locked").get()
    assert event.detail == {"version": 1, "sha256": version.sha256}


def test_a_plan_is_locked_once(trial: Any) -> None:
    lock_plan(trial, now=CLOCK)
    with pytest.raises(StateError, match=r"was locked on .* amend-plan"):
        lock_plan(trial, now=CLOCK)


def test_a_plan_cannot_be_locked_after_the_outcomes_were_analysed(trial: Any) -> None:
    _ready(trial)
    run_analysis(trial, CLOCK)
    with pytest.raises(StateError, match="would not be a pre-registration"):
        lock_plan(trial, now=CLOCK)


def test_an_amendment_may_not_change_what_was_randomised(trial: Any) -> None:
    design = copy.deepcopy(trial.design)
    design["arms"][1]["label"] = "Something else"
    with pytest.raises(
        DesignError, match=r"only the analysis, monitoring, power and privacy.*arms"
    ):
        amend_plan(trial, Design.model_validate(design), "a reason long enough", now=CLOCK)


def test_an_amendment_must_change_something(trial: Any) -> None:
    with pytest.raises(DesignError, match="nothing to amend"):
        amend_plan(trial, Design.model_validate(trial.design), "a reason long enough", now=CLOCK)


def test_after_locking_an_amendment_needs_a_reason(trial: Any) -> None:
    lock_plan(trial, now=CLOCK)
    with pytest.raises(DesignError, match="needs its reason"):
        amend_plan(trial, _changed(trial, alpha=0.1), "", now=CLOCK)
    version = amend_plan(trial, _changed(trial, alpha=0.1), "The council asked for 90%.", now=CLOCK)
    assert version is not None
    assert (version.number, version.after_unblinding) == (2, False)
    trial.refresh_from_db()
    assert trial.design["analysis"]["alpha"] == 0.1
    assert PlanVersion.objects.filter(trial=trial).count() == 2


def test_before_locking_the_draft_is_simply_replaced(trial: Any) -> None:
    assert amend_plan(trial, _changed(trial, alpha=0.1), "", now=CLOCK) is None
    trial.refresh_from_db()
    assert trial.design["analysis"]["alpha"] == 0.1
    assert not PlanVersion.objects.filter(trial=trial).exists()
    assert AuditEvent.objects.filter(trial=trial, action="plan-amended").exists()


def test_differences_compare_named_lists_by_name() -> None:
    old = {"analysis": {"secondary": [{"name": "a", "wave": "x"}, {"name": "b", "wave": "y"}]}}
    new = {"analysis": {"secondary": [{"name": "b", "wave": "y"}, {"name": "a", "wave": "z"}]}}
    assert differences(old, new) == ['analysis.secondary.a.wave: "x" → "z"']
    assert differences({"k": 1}, {}) == ["k: removed (was 1)"]
    assert differences({}, {"k": [1]}) == ["k: added [1]"]


def test_without_a_locked_plan_every_result_is_exploratory(trial: Any) -> None:
    _ready(trial)
    plan = run_analysis(trial, CLOCK).result["plan"]
    assert plan["locked"] is False
    assert plan["labels"]["primary"]["label"] == "exploratory"
    assert "not locked" in plan["labels"]["primary"]["reason"]


def test_the_locked_primary_outcome_is_confirmatory_and_secondary_exploratory(
    trial: Any,
) -> None:
    secondary = [{"name": "later", "wave": "follow-up"}]
    amend_plan(trial, _changed(trial, secondary=secondary), "", now=CLOCK)
    lock_plan(trial, now=CLOCK)
    _ready(trial)
    # The real clock: the run must follow the lock, a real database timestamp.
    labels = run_analysis(trial, timezone.now()).result["plan"]["labels"]
    assert labels["primary"] == {
        "label": "confirmatory",
        "reason": "pre-registered primary outcome, analysed as locked",
    }
    assert labels["later"]["label"] == "exploratory"
    assert labels["later"]["reason"] == "pre-registered secondary outcome"


def test_a_change_before_unblinding_keeps_the_primary_confirmatory(trial: Any) -> None:
    lock_plan(trial, now=CLOCK)
    amend_plan(
        trial,
        _changed(trial, covariates=["caseload"]),
        "Caseload was left out by mistake.",
        now=CLOCK,
    )
    _ready(trial)
    # The real clock: the run must follow the lock and the change, real database timestamps.
    plan = run_analysis(trial, timezone.now()).result["plan"]
    assert plan["labels"]["primary"]["label"] == "confirmatory"
    (deviation,) = plan["deviations"]
    assert deviation["version"] == 2
    assert deviation["after_unblinding"] is False
    assert deviation["changes"] == ['analysis.covariates: [] → ["caseload"]']


def test_a_change_after_unblinding_makes_the_result_exploratory(trial: Any) -> None:
    lock_plan(trial, now=CLOCK)
    _ready(trial)
    run_analysis(trial, CLOCK)  # the results are seen
    amend_plan(
        trial,
        _changed(trial, covariates=["caseload"]),
        "Adjusting for caseload now.",
        now=timezone.now(),  # after the run: the results are seen first
    )
    new = [{"name": "added", "wave": "follow-up"}]
    amend_plan(
        trial,
        _changed(trial, covariates=["caseload"], secondary=new),
        "And one more.",
        now=timezone.now(),
    )
    run = run_analysis(trial, CLOCK)
    plan = run.result["plan"]
    assert plan["labels"]["primary"] == {
        "label": "exploratory",
        "reason": "changed after the results were first seen",
    }
    assert (
        plan["labels"]["added"]["reason"] == "added to the plan after the results were first seen"
    )
    assert [d["after_unblinding"] for d in plan["deviations"]] == [True, True]
    html = write_report(trial, now=CLOCK).read_text()
    for text in (
        "Changes to the plan",
        "Adjusting for caseload now.",
        "analysis.covariates: [] → [&quot;caseload&quot;]",
        "changed after the results were first seen",
        plan["sha256"],
        plan["locked_sha256"],
    ):
        assert text in html, text


def test_hr_outcomes_declared_primary_are_confirmatory(trial: Any) -> None:
    hr = {"window_days": 90, "absence": True, "leaving": False, "role": "primary"}
    amend_plan(trial, _changed(trial, hr=hr), "", now=CLOCK)
    lock_plan(trial, now=CLOCK)
    _ready(trial)
    # Randomised at the tests' clock; the plan was locked at the real time (a database
    # timestamp the run must follow to find it locked before the results were seen).
    after_the_window = timezone.now() + timedelta(days=90)
    result = run_analysis(trial, now=after_the_window).result
    assert result["hr"]["absence"] == {
        "note": "no sickness absence is recorded in the window: nothing to model"
    }
    labels = result["plan"]["labels"]
    assert set(labels) == {"primary", "absence"}  # leaving is not analysed
    assert labels["absence"]["label"] == "confirmatory"

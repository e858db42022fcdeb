"""A run is specified once, fitted, and read back as a frozen, typed result whose stored JSON
is the one every earlier run stored."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import connection

from hearten.analysis.arm_effect import ArmEffect
from hearten.analysis.dataset import build_dataset
from hearten.analysis.result import AnalysisResult, OutcomeResult
from hearten.analysis.run import fit_plan, run_analysis
from hearten.analysis.specification import specify
from hearten.analysis.stored import json_safe, latest_result, read_result
from hearten.errors import EstimationError, StateError
from hearten.reports.render import write_report
from hearten.surveys.services import invite
from hearten.trials.allocation import arms_by_participant, randomise_trial
from hearten.trials.lifecycle import design_of
from tests.analysis.test_run import _answer
from tests.conftest import CLOCK

#: The clock the services are given (a fixed one: nothing here depends on the day).
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)

pytestmark = pytest.mark.django_db

#: The keys of a parallel run in the order every run so far has stored them.
STORED_KEYS = [
    "trial", "instrument", "model", "control", "control_mean", "control_sd", "effects",
    "observed_icc", "imputation", "multilevel", "cace", "uptake", "hr", "coefficients",
    "secondary", "sites", "stressors", "stressors_note", "moderators", "attrition",
    "families", "flow", "assessed", "balance", "randomisation_balance", "sample_ratio",
    "allocation", "arms", "economics", "as_of", "plan",
]  # fmt: skip


@pytest.fixture
def analysed(trial: Any) -> Any:
    invite(trial.waves.get(name="baseline"), NOW)
    _answer(trial, "baseline", {})
    randomise_trial(trial, 11, now=CLOCK)
    arms = arms_by_participant(trial)
    invite(trial.waves.get(name="follow-up"), NOW)
    _answer(trial, "follow-up", {pid: 1 for pid, a in arms.items() if a == "letters"}, skip_every=5)
    return run_analysis(trial, CLOCK)


def test_the_stored_run_keeps_every_key_in_its_order(analysed: Any) -> None:
    assert list(analysed.result) == STORED_KEYS


def test_a_stored_run_reads_back_typed_and_writes_the_same_json(analysed: Any, trial: Any) -> None:
    typed = latest_result(trial)
    assert isinstance(typed, AnalysisResult)
    assert typed.model.vcov == "CR2"
    assert typed.model.n == analysed.result["model"]["n"]
    assert typed.labels["letters"] == "Personal recognition letter"
    again = json_safe(typed.to_json())
    assert json.loads(json.dumps(again)) == json.loads(json.dumps(analysed.result))
    if connection.vendor == "sqlite":
        # SQLite keeps the stored text, so the order of keys is the run's own; PostgreSQL's
        # jsonb stores objects with its own key order, so there only the values can match.
        assert json.dumps(again) == json.dumps(analysed.result)


def test_the_result_is_frozen(analysed: Any) -> None:
    typed = read_result(analysed)
    with pytest.raises(dataclasses.FrozenInstanceError):
        typed.control = "letters"  # type: ignore[misc]


def test_refitting_the_specification_gives_the_stored_numbers(analysed: Any, trial: Any) -> None:
    design = design_of(trial)
    spec = specify(trial, design, analysed.created_at, analysed.created_at.date())
    fitted = fit_plan(spec, build_dataset(trial))
    stored = read_result(analysed)
    assert json_safe([e.to_json() for e in fitted.effects]) == [e.to_json() for e in stored.effects]
    assert fitted.model == stored.model


def test_an_older_run_without_the_later_sections_still_reads_and_renders(
    analysed: Any, trial: Any
) -> None:
    older = {
        k: v
        for k, v in analysed.result.items()
        if k not in {"observed_icc", "imputation", "randomisation_balance", "sample_ratio",
                     "assessed", "stressors_note", "economics", "as_of", "plan"}
    }  # fmt: skip
    typed = AnalysisResult.from_json(older)
    assert typed.observed_icc is None
    assert typed.sample_ratio == ()
    assert typed.plan is None
    assert typed.effects[0].term == "letters"
    analysed.result = older
    analysed.save(update_fields=["result"])
    assert write_report(trial, now=CLOCK).is_file()


def test_a_key_this_version_does_not_know_is_kept_in_place(analysed: Any) -> None:
    stored = {**analysed.result, "window_end": "2026-06-30"}
    typed = AnalysisResult.from_json(stored)
    assert typed.extra == (("window_end", "2026-06-30"),)
    assert list(typed.to_json()) == [*STORED_KEYS, "window_end"]


def test_each_secondary_outcome_reads_back_as_an_outcome_result() -> None:
    stored = {"name": "valued", "role": "mediator", "outcome": "valued score at follow-up",
              "transform": "none", "baseline": None, "n": 30,
              "effects": [{"term": "letters", "estimate": 0.5}], "imputation": None,
              "observed_icc": None}  # fmt: skip
    outcome = OutcomeResult.from_json(stored)
    assert outcome.role == "mediator"
    assert outcome.effects == (ArmEffect("letters", 0.5),)
    assert outcome.to_json() == stored


def test_a_stepped_wedge_run_is_not_read_as_a_parallel_one(analysed: Any) -> None:
    analysed.result = {**analysed.result, "design": "stepped-wedge"}
    with pytest.raises(StateError, match="stepped-wedge"):
        read_result(analysed)


def test_the_plan_is_checked_before_any_data_are_read(trial: Any) -> None:
    randomise_trial(trial, 11, now=CLOCK)
    design = design_of(trial)
    hc2 = design.model_copy(update={"analysis": design.analysis.model_copy(update={"vcov": "HC2"})})
    with pytest.raises(EstimationError, match="use CR2"):
        specify(trial, hc2, trial.allocation.created_at, trial.allocation.created_at.date())


def test_every_planned_outcome_reads_as_an_outcome_result(analysed: Any) -> None:
    typed = read_result(analysed)
    primary = typed.outcome("primary")
    assert primary.role == "primary"
    assert primary.n == analysed.result["model"]["n"]
    assert primary.effects == typed.effects
    assert typed.outcomes == ("primary",)
    with pytest.raises(KeyError, match="no planned outcome 'valued'"):
        typed.outcome("valued")


def test_every_stored_effect_of_a_run_round_trips_exactly(analysed: Any) -> None:
    stored = analysed.result
    effects = [*stored["effects"], *(e for o in stored["secondary"] for e in o["effects"])]
    assert effects
    for raw in effects:
        assert json.dumps(ArmEffect.from_json(raw).to_json()) == json.dumps(raw)
    typed = read_result(analysed)
    assert typed.effects[0].hedges_g is not None
    assert typed.effects[0].hedges_g.g == stored["effects"][0]["hedges_g"]["g"]
    assert typed.effects[0].p_value == stored["effects"][0]["p_value"]
    assert json.dumps(typed.to_json()) == json.dumps(stored)

"""The instrument, model and each planned outcome of a stored run read back typed and write
back byte for byte: an older run's missing keys stay missing, a later version's keys are kept
(issue 27)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from hearten.analysis.arm_effect import ArmEffect
from hearten.analysis.result import AnalysisResult, InstrumentUsed, ModelUsed, OutcomeResult
from hearten.analysis.stepped_result import SteppedResult

#: A model as runs store it today, every key in its order.
MODEL: dict[str, Any] = {
    "outcome": "wemwbs total at follow-up", "baseline": "baseline",
    "strata_fixed_effects": True, "vcov": "CR2", "cluster": "team", "alpha": 0.05,
    "adjustment": "ancova", "method": "wild", "seed": 7, "transform": "none",
    "covariates": ["age"], "missing_data": "mice", "alternative": "greater", "n": 120,
    "n_clusters": 12,
}  # fmt: skip

#: A model as the first runs stored it, before the plan's settings were kept.
OLD_MODEL: dict[str, Any] = {
    "outcome": "wemwbs total at follow-up", "baseline": None, "vcov": "HC2", "cluster": None,
    "alpha": 0.05, "n": 40,
}  # fmt: skip

OUTCOME: dict[str, Any] = {
    "name": "valued", "role": "mediator", "outcome": "valued score at follow-up",
    "transform": "log", "baseline": "baseline", "n": 30,
    "effects": [{"term": "letters", "estimate": 0.5, "p_value": 0.2}],
    "imputation": None, "observed_icc": {"icc": 0.04},
}  # fmt: skip

#: A secondary outcome as the first runs stored it.
OLD_OUTCOME: dict[str, Any] = {
    "name": "valued", "outcome": "valued score at follow-up", "baseline": None, "n": 30,
    "effects": [{"term": "letters", "estimate": 0.5}],
}  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "stored"),
    [
        (ModelUsed, MODEL),
        (ModelUsed, OLD_MODEL),
        (ModelUsed, {**OLD_MODEL, "weights": "ipw", "n_clusters": None}),
        (OutcomeResult, OUTCOME),
        (OutcomeResult, OLD_OUTCOME),
        (OutcomeResult, {"estimand": "ITT", **OLD_OUTCOME}),
        (InstrumentUsed, {"name": "wemwbs", "title": "WEMWBS", "score": "x", "licence": "free"}),
        (InstrumentUsed, {"name": "wemwbs", "title": "WEMWBS", "version": 2}),
    ],
)
def test_a_stored_part_writes_back_byte_for_byte(kind: Any, stored: dict[str, Any]) -> None:
    read = kind.from_json(json.loads(json.dumps(stored)))
    assert json.dumps(read.to_json()) == json.dumps(stored)


def test_an_older_model_reads_the_plans_defaults() -> None:
    model = ModelUsed.from_json(OLD_MODEL)
    assert (model.adjustment, model.method, model.transform) == ("ancova", "analytic", "none")
    assert (model.missing_data, model.alternative) == ("complete-case", "two-sided")
    assert (model.strata_fixed_effects, model.covariates, model.seed) == (False, (), None)
    assert (model.n, model.n_clusters, model.alpha) == (40, None, 0.05)
    assert "adjustment" not in model.to_json()


def test_an_older_outcome_reads_as_secondary_untransformed() -> None:
    outcome = OutcomeResult.from_json(OLD_OUTCOME)
    assert (outcome.role, outcome.transform) == ("secondary", "none")
    assert outcome.effects == (ArmEffect("letters", 0.5),)
    assert (outcome.imputation, outcome.observed_icc) == (None, None)


def test_an_instrument_stored_without_a_licence_reads_an_empty_one() -> None:
    read = InstrumentUsed.from_json({"name": "wemwbs", "title": "WEMWBS"})
    assert (read.score, read.licence) == (None, "")


def test_a_key_this_version_does_not_know_is_kept_beside_the_known_ones() -> None:
    read = ModelUsed.from_json({**MODEL, "weights": "ipw"})
    assert read.beside("weights") == "ipw"
    assert list(read.to_json()) == [*MODEL, "weights"]


def test_a_model_made_by_this_version_stores_every_key_in_todays_order() -> None:
    made = ModelUsed(
        outcome=MODEL["outcome"], baseline="baseline", strata_fixed_effects=True, vcov="CR2",
        cluster="team", alpha=0.05, adjustment="ancova", method="wild", seed=7,
        transform="none", covariates=("age",), missing_data="mice", alternative="greater",
        n=120, n_clusters=12,
    )  # fmt: skip
    assert json.dumps(made.to_json()) == json.dumps(MODEL)
    assert ModelUsed.from_json(MODEL) == made
    outcome = OutcomeResult(
        name="valued", role="mediator", outcome="valued score at follow-up", transform="log",
        baseline="baseline", n=30, effects=(ArmEffect("letters", 0.5),),
    )  # fmt: skip
    assert list(outcome.to_json()) == list(OUTCOME)
    assert InstrumentUsed("wemwbs", "WEMWBS", "total", "free").to_json() == {
        "name": "wemwbs", "title": "WEMWBS", "score": "total", "licence": "free"}  # fmt: skip


def test_a_stored_model_without_a_required_key_is_refused_by_name() -> None:
    with pytest.raises(KeyError, match="the stored ModelUsed lacks vcov"):
        ModelUsed.from_json({k: v for k, v in MODEL.items() if k != "vcov"})


def test_each_design_s_result_refuses_a_run_of_the_other_design() -> None:
    with pytest.raises(ValueError, match="a stepped-wedge run has its own result"):
        AnalysisResult.from_json({"design": "stepped-wedge", "trial": "t"})
    with pytest.raises(ValueError, match="a parallel run has its own result"):
        SteppedResult.from_json({"trial": "t"})  # a parallel run stores no design

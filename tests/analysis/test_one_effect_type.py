"""The standalone analysis of a file and a trial's run hold one effect type (issue 27,
item 4): ArmEffect and StandardisedEffect, an open end of an interval stored as None and read
as -inf or inf."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hearten.analysis.arm_effect import ArmEffect, Interval, StandardisedEffect
from hearten.analysis.table_fit import fit_table
from hearten.analysis.table_spec import TableSpec
from hearten.stats.effect_size import hedges_g
from hearten.stats.estimate import estimate_itt, one_sided

REFERENCE = Path(__file__).parents[1] / "stats" / "reference"


def test_an_open_end_is_stored_as_none_and_read_as_infinite() -> None:
    assert Interval(-math.inf, 2.0).stored() == (None, 2.0)
    assert Interval(1.0, math.inf).stored() == (1.0, None)
    assert Interval.of_stored(None, 2.0) == Interval(-math.inf, 2.0)
    assert Interval.of_stored(1.0, None) == Interval(1.0, math.inf)
    assert Interval.of_stored(1.0, 2.0).bounded
    assert not Interval.of_stored(None, 2.0).bounded


def test_an_effect_made_from_a_fit_stores_the_keys_a_run_stores_from_it() -> None:
    rng = np.random.default_rng(2)
    arm = ["control"] * 20 + ["letters"] * 20
    fit = estimate_itt(rng.normal(size=40) + np.repeat([0.0, 0.8], 20), arm, "control")
    term = one_sided(fit.effects[0], "greater")
    made = ArmEffect.of_term(term)
    stored = json.loads(json.dumps({k: None if v == math.inf else v
                                    for k, v in asdict(term).items()}))  # fmt: skip
    assert made.to_json() == {**stored, "alternative": None, "hedges_g": None,
                              "resampling": None}  # fmt: skip
    assert made.conf_high is None
    assert made.interval == Interval(term.conf_low, math.inf)
    assert ArmEffect.from_json(json.loads(json.dumps(made.to_json()))) == made


def test_hedges_g_on_the_planned_interval_is_stored_with_its_scale() -> None:
    size = hedges_g(2.0, 4.0, 20, 20)
    g = StandardisedEffect.of_size(size)
    assert (g.g, g.std_error, g.icc, g.scale) == (size.g, size.std_error, 0.0, size.scale)
    assert (g.conf_low, g.conf_high, g.interval) == (size.conf_low, size.conf_high,
                                                     "planned analysis")  # fmt: skip
    assert list(g.to_json()) == list(StandardisedEffect.keys())
    assert StandardisedEffect.of_size(replace(size, conf_high=math.inf)).conf_high is None


def test_the_standalone_analysis_holds_a_runs_effect_types() -> None:
    data = pd.read_csv(REFERENCE / "trial_data.csv")
    result = fit_table(TableSpec("treat", "y", cluster="team"), data)
    assert isinstance(result.effect, ArmEffect)
    assert isinstance(result.hedges_g, StandardisedEffect)
    assert result.effect.term == "1"
    assert result.effect.n == result.sample.n
    printed = result.to_dict()
    keys = ("g", "std_error", "conf_low", "conf_high", "icc")
    assert printed["hedges_g"] == {k: getattr(result.hedges_g, k) for k in keys}
    assert printed["conf_low"] == result.effect.conf_low


@pytest.mark.parametrize("family", ["binomial", "negbin"])
def test_a_ratio_models_effect_is_an_arm_effect_on_the_log_scale(family: str) -> None:
    data = pd.read_csv(REFERENCE / "trial_data.csv").join(pd.read_csv(REFERENCE / "absence.csv"))
    data["any"] = (data["absence_days"] > 0).astype(int)
    outcome, exposure = ("any", None) if family == "binomial" else ("absence_days", "exposure")
    result = fit_table(TableSpec("treat", outcome, family=family, exposure=exposure), data)
    assert isinstance(result.effect, ArmEffect)
    assert result.effect.df is None
    assert result.ratio is not None
    assert math.exp(result.effect.estimate) == pytest.approx(result.ratio.value)

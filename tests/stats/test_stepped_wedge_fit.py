"""The stepped-wedge analysis model, checked against lme4 and lmerTest."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from hearten.errors import DataError
from hearten.stats.stepped_wedge_fit import fit_stepped_wedge

REFERENCE = Path(__file__).parent / "reference"


def test_the_effect_matches_lmer_with_period_fixed_effects_and_cluster_intercepts() -> None:
    d = pd.read_csv(REFERENCE / "stepped_wedge_data.csv")
    ref = pd.read_csv(REFERENCE / "stepped_wedge_fit.csv").iloc[0]
    fit = fit_stepped_wedge(d["y"], d["cluster"], d["period"], d["treated"])
    assert (fit.clusters, fit.periods, fit.n) == (12, 5, 480)
    assert fit.estimate == pytest.approx(ref["estimate"], abs=1e-6)
    assert fit.std_error == pytest.approx(ref["std_error"], rel=1e-5)
    assert fit.df == pytest.approx(ref["df"], rel=1e-3)
    assert fit.p_value == pytest.approx(ref["p_value"], abs=1e-5)
    assert fit.conf_low == pytest.approx(ref["conf_low"], abs=1e-4)
    assert fit.conf_high == pytest.approx(ref["conf_high"], abs=1e-4)
    assert fit.tau2 == pytest.approx(ref["tau2"], rel=1e-4)
    assert fit.sigma2 == pytest.approx(ref["sigma2"], rel=1e-5)


def test_data_with_no_period_mixing_the_conditions_are_refused() -> None:
    d = pd.read_csv(REFERENCE / "stepped_wedge_data.csv")
    with pytest.raises(DataError, match="no period has clusters in both conditions"):
        fit_stepped_wedge(d["y"], d["cluster"], d["period"], (d["period"] > 2).astype(int))
    with pytest.raises(DataError, match="must be 0"):
        fit_stepped_wedge(d["y"], d["cluster"], d["period"], d["treated"] * 2)

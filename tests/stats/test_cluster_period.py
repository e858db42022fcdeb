"""Cluster-by-period random effects and exposure time in the stepped-wedge model, checked
against lme4/lmerTest (tests/stats/reference/make_cluster_period.R)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hearten.errors import DataError, DesignError, EstimationError
from hearten.stats.cluster_period import Contrast, fit_nested
from hearten.stats.stepped_wedge_fit import SteppedWedgeFit, fit_exposure_time, fit_stepped_wedge

REFERENCE = Path(__file__).parent / "reference"
#: lmerTest differentiates the deviance numerically too; its df agree to about 1e-5.
DF_REL = 1e-4
#: lme4 (bobyqa at the script's xtol_abs 1e-12) and the searches here (Nelder-Mead to xatol
#: 1e-10 in log λ with two variance components, a bounded search with one) each stop near, not
#: at, the REML optimum, and a search that stops within ε of the least deviance fixes a variance
#: component only to about √ε: τ² and γ² agree least (about 7e-7 relative on these data), the
#: SEs and σ² that follow from them a little better.
LME4_VARIANCE_TOLERANCE = 1e-4
LME4_SE_TOLERANCE = 1e-5
#: The p-values and the intervals' ends carry the estimates', SEs' and df's differences.
LMER_DERIVED_TOLERANCE = 1e-5


@pytest.fixture
def data() -> pd.DataFrame:
    return pd.read_csv(REFERENCE / "cluster_period_data.csv")


@pytest.fixture
def ref() -> pd.DataFrame:
    return pd.read_csv(REFERENCE / "cluster_period.csv").set_index("term")


def _same(got: Contrast | SteppedWedgeFit, want: pd.Series) -> None:
    assert got.estimate == pytest.approx(want["estimate"], abs=1e-6)
    assert got.std_error == pytest.approx(want["std_error"], rel=LME4_SE_TOLERANCE)
    assert got.df == pytest.approx(want["df"], rel=DF_REL)
    assert got.p_value == pytest.approx(want["p_value"], abs=LMER_DERIVED_TOLERANCE)
    assert got.conf_low == pytest.approx(want["conf_low"], abs=LMER_DERIVED_TOLERANCE)
    assert got.conf_high == pytest.approx(want["conf_high"], abs=LMER_DERIVED_TOLERANCE)


def test_cluster_period_effects_match_lmer(data: pd.DataFrame, ref: pd.DataFrame) -> None:
    fit = fit_stepped_wedge(
        data["y"], data["cluster"], data["period"], data["treated"],
        random_effects="cluster-period",
    )  # fmt: skip
    want = ref.loc["treated"]
    _same(fit, want)
    assert fit.tau2 == pytest.approx(want["tau2"], rel=LME4_VARIANCE_TOLERANCE)
    assert fit.gamma2 == pytest.approx(want["gamma2"], rel=LME4_VARIANCE_TOLERANCE)
    assert fit.sigma2 == pytest.approx(want["sigma2"], rel=LME4_SE_TOLERANCE)
    assert (fit.random_effects, fit.clusters, fit.periods, fit.n) == ("cluster-period", 12, 5, 600)


def test_exposure_time_effects_and_their_average_match_lmer(
    data: pd.DataFrame, ref: pd.DataFrame
) -> None:
    fit = fit_exposure_time(data["y"], data["cluster"], data["period"], data["exposure"])
    assert [e.name for e in fit.effects] == [f"exposure {k}" for k in range(1, 5)]
    for k, e in enumerate(fit.effects, 1):
        _same(e, ref.loc[f"exposure{k}"])
    _same(fit.average, ref.loc["average"])
    assert fit.tau2 == pytest.approx(ref.loc["average", "tau2"], rel=LME4_VARIANCE_TOLERANCE)
    assert fit.gamma2 is None


def test_without_the_cluster_period_term_it_is_the_random_intercept_model() -> None:
    d = pd.read_csv(REFERENCE / "stepped_wedge_data.csv")
    lmer = pd.read_csv(REFERENCE / "stepped_wedge_fit.csv").set_index("method").loc["lmer"]
    periods = sorted(d["period"].unique())
    X = np.column_stack(
        [np.ones(len(d)), d["treated"], *[(d["period"] == p).astype(float) for p in periods[1:]]]
    )
    fit = fit_nested(d["y"], X, d["cluster"], None, [("treated", np.eye(X.shape[1])[1])])
    _same(fit.contrasts[0], lmer)


def test_a_variance_on_its_boundary_is_refused_in_one_line(data: pd.DataFrame) -> None:
    rng = np.random.default_rng(3)
    flat = 0.2 * data["treated"] + rng.normal(size=len(data))  # no cluster-period variation
    with pytest.raises(EstimationError, match="variance is estimated at zero"):
        fit_stepped_wedge(flat, data["cluster"], data["period"], data["treated"],
                          random_effects="cluster-period")  # fmt: skip


def test_bad_options_are_refused(data: pd.DataFrame) -> None:
    with pytest.raises(DesignError, match="cluster, cluster-period"):
        fit_stepped_wedge(data["y"], data["cluster"], data["period"], data["treated"],
                          random_effects="team")  # type: ignore[arg-type]  # fmt: skip
    with pytest.raises(DataError, match="exposure time"):
        fit_exposure_time(data["y"], data["cluster"], data["period"], data["exposure"] - 0.5)

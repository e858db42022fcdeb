"""ITT estimators beyond ANCOVA: weights, Lin (2013), and published values."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hearten.errors import EstimationError
from hearten.stats.estimate import estimate_itt
from tests.stats.test_estimate import R_RELATIVE_TOLERANCE

REFERENCE = Path(__file__).parent / "reference"


@pytest.fixture(scope="module")
def trial() -> pd.DataFrame:
    d = pd.read_csv(REFERENCE / "trial_data.csv")
    d["w"] = pd.read_csv(REFERENCE / "itt_weights.csv").iloc[:, 0]
    d["arm"] = np.where(d["treat"] == 1, "treat", "control")
    return d


def _cases(d: pd.DataFrame) -> dict[str, dict]:
    base = {"covariates": {"baseline": d["baseline"]}}
    strata = {"strata": d["stratum"].tolist()}
    return {
        "weighted_CR2": {**base, **strata, "cluster": d["team"], "weights": d["w"], "vcov": "CR2"},
        "weighted_HC2": {**base, **strata, "weights": d["w"], "vcov": "HC2"},
        "weighted_CR1": {**base, **strata, "cluster": d["team"], "weights": d["w"], "vcov": "CR1"},
        "lin_CR2": {**base, **strata, "cluster": d["team"], "vcov": "CR2", "adjustment": "lin"},
        "lin_HC2": {**base, "vcov": "HC2", "adjustment": "lin"},
        "lin_weighted_HC2": {**base, "weights": d["w"], "vcov": "HC2", "adjustment": "lin"},
    }


@pytest.mark.parametrize(
    "case",
    ["weighted_CR2", "weighted_HC2", "weighted_CR1", "lin_CR2", "lin_HC2", "lin_weighted_HC2"],
)
def test_weights_and_lin_adjustment_match_estimatr(trial: pd.DataFrame, case: str) -> None:
    fit = estimate_itt(trial["y"], trial["arm"].tolist(), "control", **_cases(trial)[case]).fit
    ref = pd.read_csv(REFERENCE / "itt.csv")
    ref = ref[ref["case"] == case].reset_index(drop=True)
    ours = fit.tidy()
    for column in ("estimate", "std_error", "p_value", "conf_low", "conf_high", "df"):
        np.testing.assert_allclose(
            ours[column], ref[column], rtol=R_RELATIVE_TOLERANCE, err_msg=f"{case}: {column}"
        )


@pytest.mark.parametrize(
    ("adjustment", "estimate", "std_error"),
    [("none", -0.036, 0.158), ("ancova", -0.083, 0.146), ("lin", -0.081, 0.146)],
)
def test_lin_2013_table_2_is_reproduced(adjustment: str, estimate: float, std_error: float) -> None:
    # Lin (2013) Table 2, men in Angrist, Lang and Oreopoulos (2009), classic sandwich (HC0),
    # published to three decimals.
    a = pd.read_csv(REFERENCE / "alo_star_men.csv")
    arm = np.where(a["sfsp"] == 1, "sfsp", "control").tolist()
    covariates = None if adjustment == "none" else {"gpa0": a["gpa0"]}
    e = estimate_itt(
        a["GPA_year1"], arm, "control", covariates, vcov="HC0", adjustment=adjustment
    ).effects[0]  # type: ignore[arg-type]
    assert round(e.estimate, 3) == estimate
    assert round(e.std_error, 3) == std_error


def test_student_sleep_data_match_estimatr_published_output() -> None:
    # estimatr's tests/sleep.Rout.save: lm_robust(extra ~ group, sleep), HC2.
    s = pd.read_csv(REFERENCE / "sleep.csv")
    e = estimate_itt(s["extra"], s["group"].astype(str).tolist(), "1", adjustment="none").effects[0]
    assert e.estimate == pytest.approx(1.58, rel=1e-12)
    assert e.std_error == pytest.approx(0.8490910, rel=1e-6)
    assert e.statistic == pytest.approx(1.860813, rel=1e-6)
    assert e.p_value == pytest.approx(0.07918671, rel=1e-6)
    assert (e.conf_low, e.conf_high) == pytest.approx((-0.2038740, 3.363874), rel=1e-6)
    assert e.df == 18


def test_lin_with_three_arms_interacts_each_arm() -> None:
    rng = np.random.default_rng(2)
    arm = rng.choice(["a", "b", "c"], 90).tolist()
    x = rng.normal(size=90)
    fit = estimate_itt(rng.normal(size=90) + x, arm, "a", {"x": x}, adjustment="lin").fit
    assert fit.names == ("(Intercept)", "b", "c", "x", "b:x", "c:x")


def test_covariates_without_adjustment_are_refused() -> None:
    with pytest.raises(EstimationError, match="adjustment is 'none'"):
        estimate_itt(
            [1.0, 2.0, 3.0, 4.0], ["a", "b", "a", "b"], "a", {"x": [1, 2, 3, 5]}, adjustment="none"
        )


def test_clubsandwich_star_example_is_reproduced() -> None:
    # clubSandwich's Wald-test vignette (oracle O1): Project STAR kindergarten, math1 on class
    # type, CR2 clustered by school, Satterthwaite df, as published to the digits printed.
    d = pd.read_csv(REFERENCE / "star.csv")
    fit = estimate_itt(
        d["math1"], d["stark"].tolist(), "regular", cluster=d["schoolidk"], adjustment="none"
    ).fit
    published = {
        "(Intercept)": (531.727, 2.78, 191.506, 59.9),
        "small": (9.469, 2.30, 4.114, 65.6),
        "aide": (-0.483, 1.86, -0.259, 65.6),
    }
    for term, (estimate, se, t, df) in published.items():
        e = fit.term(term)
        assert round(e.estimate, 3) == estimate
        assert round(e.std_error, 2) == se
        assert round(e.statistic, 3) == t
        assert round(e.df, 1) == df
    assert round(fit.term("aide").p_value, 3) == 0.796

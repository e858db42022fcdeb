"""CACE by 2SLS: the vitamin A trial, then estimatr's iv_robust."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hearten.stats.compliance import estimate_cace
from tests.stats.test_estimate import R_RELATIVE_TOLERANCE

REFERENCE = Path(__file__).parent / "reference"


def test_vitamin_a_trial_wald_estimate_is_reproduced() -> None:
    # Sommer and Zeger's vitamin A trial as tabulated by Balke and Pearl (1997) Table 1:
    # (assigned, received, survived) counts. The Wald estimate 0.003228039 is printed in the
    # bpbounds vignette.
    cells = [
        (0, 0, 0, 74),
        (0, 0, 1, 11514),
        (1, 0, 0, 34),
        (1, 0, 1, 2385),
        (1, 1, 0, 12),
        (1, 1, 1, 9663),
    ]
    z = np.concatenate([[c[0]] * c[3] for c in cells])
    x = np.concatenate([[c[1]] * c[3] for c in cells])
    y = np.concatenate([[c[2]] * c[3] for c in cells]).astype(float)
    fit = estimate_cace(y, np.where(z == 1, "vitamin_a", "control").tolist(), x, "control")
    assert fit.effects[0].estimate == pytest.approx(0.003228039, rel=1e-6)
    assert fit.compliance[0] == pytest.approx(9675 / 12094, rel=1e-12)
    assert fit.warning is None


@pytest.fixture(scope="module")
def trial() -> pd.DataFrame:
    d = pd.read_csv(REFERENCE / "trial_data.csv")
    d["took_part"] = pd.read_csv(REFERENCE / "iv_uptake.csv")["took_part"]
    d["arm"] = np.where(d["treat"] == 1, "took_part", "control")
    return d


@pytest.mark.parametrize("case", ["iv_CR2", "iv_HC2", "iv_CR1"])
def test_cace_matches_estimatr_iv_robust(trial: pd.DataFrame, case: str) -> None:
    kwargs = {
        "iv_CR2": {
            "covariates": {"baseline": trial["baseline"]},
            "strata": trial["stratum"].tolist(),
            "cluster": trial["team"],
            "vcov": "CR2",
        },
        "iv_HC2": {"covariates": {"baseline": trial["baseline"]}, "vcov": "HC2"},
        "iv_CR1": {"cluster": trial["team"], "vcov": "CR1"},
    }[case]
    fit = estimate_cace(trial["y"], trial["arm"].tolist(), trial["took_part"], "control", **kwargs)  # type: ignore[arg-type]
    ref = pd.read_csv(REFERENCE / "iv_robust.csv")
    ref = ref[ref["case"] == case].reset_index(drop=True)
    ours = fit.fit.tidy()
    for column in ("estimate", "std_error", "p_value", "conf_low", "conf_high", "df"):
        np.testing.assert_allclose(
            ours[column], ref[column], rtol=R_RELATIVE_TOLERANCE, err_msg=f"{case}: {column}"
        )
    assert fit.first_stage_f == pytest.approx(
        ref["first_stage_f"].iloc[0], rel=R_RELATIVE_TOLERANCE
    )


def test_a_weak_instrument_is_flagged() -> None:
    rng = np.random.default_rng(5)
    n = 400
    z = rng.integers(0, 2, n)
    took = (z == 1) & (rng.random(n) < 0.03)  # 3% uptake, like a programme nobody opens
    y = rng.normal(size=n) + took
    fit = estimate_cace(y, np.where(z == 1, "t", "c").tolist(), took.astype(float), "c")
    assert fit.first_stage_f < 10
    assert fit.warning is not None
    assert "weak instrument" in fit.warning


def test_uptake_must_be_zero_or_one() -> None:
    from hearten.errors import EstimationError

    with pytest.raises(EstimationError, match="uptake must be 0"):
        estimate_cace([1.0, 2, 3, 4], ["c", "t", "c", "t"], [0, 2, 0, 1], "c")

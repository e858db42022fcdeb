"""The wild score bootstrap of rate and hazard ratios, against the same scores from R."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hearten.errors import EstimationError
from hearten.stats.score_bootstrap import count_scores, cox_scores, wild_score_test
from hearten.stats.survival import estimate_cox

REFERENCE = Path(__file__).parent / "reference"
#: Cox's nuisance information comes from central differences here and from coxph's exact
#: matrix in R: the scores agree to about 1e-8, far inside the gap between sign vectors.
P_TOLERANCE = 1e-12


@pytest.fixture
def reference() -> pd.DataFrame:
    return pd.read_csv(REFERENCE / "score_bootstrap.csv")


@pytest.mark.parametrize("family", ["negbin", "poisson"])
def test_count_p_values_match_r_over_every_sign_vector(
    reference: pd.DataFrame, family: str
) -> None:
    d = pd.read_csv(REFERENCE / "absence_battery.csv").query("file == 'long_spells_1'")
    scores = count_scores(
        d["absence_days"], d["treat"], d["exposure"], d["prior"].to_numpy(),
        d["stratum"].to_numpy(), family,
    )  # fmt: skip
    for tau0, p in reference.query("case == @family")[["tau0", "p_value"]].itertuples(False):
        test = wild_score_test(
            lambda tau, at=tau0: scores(tau + at), d["office"].to_numpy(), 0.0, 1.0,
            reps=2**18, interval=False,
        )  # fmt: skip
        assert test.enumerated
        assert test.reps == 2**18
        assert test.p_value == pytest.approx(p, abs=P_TOLERANCE), tau0


def test_cox_p_values_match_r_coxph_score_residuals(reference: pd.DataFrame) -> None:
    t = pd.read_csv(REFERENCE / "trial_data.csv").join(pd.read_csv(REFERENCE / "leaving.csv"))
    t = t[t["stratum"].isin(sorted(t["stratum"].unique())[:2])]
    scores = cox_scores(
        t["days"], t["left"], t["treat"], t["baseline"].to_numpy(), t["stratum"].to_numpy()
    )
    for tau0, p in reference.query("case == 'cox'")[["tau0", "p_value"]].itertuples(False):
        test = wild_score_test(
            lambda tau, at=tau0: scores(tau + at), t["team"].to_numpy(), 0.0, 1.0,
            reps=2**16, interval=False,
        )  # fmt: skip
        assert test.reps == 2**16
        assert test.p_value == pytest.approx(p, abs=P_TOLERANCE), tau0


def test_the_score_sum_is_the_randomisation_statistic() -> None:
    """The efficient score's total is Σ T r: projecting T on the nuisance columns changes
    each unit's share, never the total (the null model's residuals are orthogonal to them)."""
    from hearten.stats.randomised_units import label_codes
    from hearten.stats.ratio_inference import count_residuals

    d = pd.read_csv(REFERENCE / "absence_battery.csv").query("file == 'long_spells_1'")
    args = (d["absence_days"], d["treat"], d["exposure"], d["prior"].to_numpy())
    s = count_scores(*args, d["stratum"].to_numpy(), "negbin")(0.3)
    r = count_residuals(*args, label_codes(d["stratum"].to_numpy(), len(d), "one"), "negbin")(0.3)
    assert s.sum() == pytest.approx(float(d["treat"] @ r), rel=1e-7)


def test_the_interval_holds_the_estimate_and_a_seed_repeats_the_draws() -> None:
    t = pd.read_csv(REFERENCE / "trial_data.csv").join(pd.read_csv(REFERENCE / "leaving.csv"))
    scores = cox_scores(t["days"], t["left"], t["treat"], None, t["stratum"].to_numpy())
    cox = estimate_cox(
        t["days"].to_numpy(), t["left"].to_numpy(), np.where(t["treat"] == 1, "t", "c").tolist(),
        "c", None, t["stratum"].tolist(), t["team"].to_numpy(),
    )  # fmt: skip
    e = cox.effects[0]
    a = wild_score_test(scores, t["team"].to_numpy(), e.log_hr, e.std_error, reps=999, seed=2)
    b = wild_score_test(scores, t["team"].to_numpy(), e.log_hr, e.std_error, reps=999, seed=2)
    assert not a.enumerated  # 24 teams: 2^24 sign vectors, drawn
    assert a == b
    assert a.conf_low < e.log_hr < a.conf_high


def test_one_cluster_is_refused() -> None:
    with pytest.raises(EstimationError, match="two or more clusters"):
        wild_score_test(lambda tau: np.ones(4), np.zeros(4), 0.0, 1.0)

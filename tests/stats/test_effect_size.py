"""Hedges' g: the classic formula, the WWC cluster adjustment, and the ICC."""

from __future__ import annotations

import numpy as np
import pytest

from hearten.errors import EstimationError
from hearten.stats.effect_size import hedges_g, icc_anova, on_planned_interval, pooled_sd

#: A simulated ICC of 0.1 from 400 clusters of 25: its large-sample standard error is about
#: 0.009 (Donner 1986), so two and a bit standard errors.
ICC_SAMPLING = 0.02


def test_without_clustering_it_is_the_classic_hedges_g_worked_by_hand() -> None:
    # Difference 2, S = 4, 20 per arm: d = 0.5, J = 1 - 3/(4·40 - 9) = 1 - 3/151,
    # var = 40/400 + 0.25/(2·38).
    e = hedges_g(2.0, 4.0, 20, 20)
    omega = 1 - 3 / 151
    assert e.correction == pytest.approx(omega)
    assert e.g == pytest.approx(omega * 0.5)
    assert e.std_error == pytest.approx(omega * np.sqrt(40 / 400 + 0.25 / 76))
    assert e.conf_low == pytest.approx(e.g - 1.959963984540054 * e.std_error)


def test_the_wwc_cluster_adjustment_worked_by_hand() -> None:
    # N = 400 in 40 clusters of n = 10, ρ = 0.2, raw effect 1.5 with S = 5.
    N, n, rho = 400, 10.0, 0.2
    e = hedges_g(1.5, 5.0, 200, 200, icc=rho, avg_cluster_size=n)
    gamma = np.sqrt(1 - 2 * 9 * 0.2 / 398)
    spread = 398 * 0.64 + 10 * 380 * 0.04 + 2 * 380 * 0.2 * 0.8
    h = (398 - 2 * 9 * 0.2) ** 2 / spread  # WWC (2022) eq. E.21
    omega = 1 - 3 / (4 * h - 1)
    d_t = 0.3 * gamma
    var = 400 / 40000 * (1 + 9 * 0.2) + d_t**2 * spread / (2 * 398 * (398 - 2 * 9 * 0.2))
    assert e.correction == pytest.approx(omega, rel=1e-12)
    assert e.g == pytest.approx(omega * d_t, rel=1e-12)
    assert e.std_error == pytest.approx(omega * np.sqrt(var), rel=1e-12)
    # Clustering widens the interval compared with ignoring it.
    assert e.std_error > hedges_g(1.5, 5.0, 200, 200).std_error * 1.6
    assert N == 400


def test_a_models_total_sd_takes_the_small_sample_correction_but_not_the_wwc_gamma() -> None:
    # The same numbers as above with S a model's total SD: γ = 1, ω and the variance as WWC.
    e = hedges_g(1.5, 5.0, 200, 200, icc=0.2, avg_cluster_size=10.0, sd_is_total=True)
    spread = 398 * 0.64 + 10 * 380 * 0.04 + 2 * 380 * 0.2 * 0.8
    omega = 1 - 3 / (4 * (398 - 2 * 9 * 0.2) ** 2 / spread - 1)
    var = 400 / 40000 * (1 + 9 * 0.2) + 0.09 * spread / (2 * 398 * (398 - 2 * 9 * 0.2))
    assert e.g == pytest.approx(omega * 0.3, rel=1e-12)
    assert e.scale == pytest.approx(omega / 5.0, rel=1e-12)
    assert e.std_error == pytest.approx(omega * np.sqrt(var), rel=1e-12)


def test_icc_recovers_a_simulated_value() -> None:
    rng = np.random.default_rng(8)
    clusters = np.repeat(np.arange(400), 25)
    arm = (clusters % 2).astype(str)
    y = rng.normal(0, np.sqrt(0.1), 400)[clusters] + rng.normal(0, np.sqrt(0.9), 10000)
    y = y + 0.5 * (arm == "1")  # a treatment effect is not clustering
    assert icc_anova(y, clusters, arm) == pytest.approx(0.1, abs=ICC_SAMPLING)


def test_icc_is_truncated_at_zero() -> None:
    y = np.array([1.0, 2.0, 1.0, 2.0, 1.0, 2.0, 1.0, 2.0])
    assert icc_anova(y, [0, 0, 1, 1, 2, 2, 3, 3], ["a", "a", "a", "a", "b", "b", "b", "b"]) == 0


def test_pooled_sd_worked_by_hand() -> None:
    # Variances 2 and 8 with 2 each: pooled (2 + 8) / 2 = 5.
    assert pooled_sd([1.0, 3.0], [4.0, 8.0]) == pytest.approx(np.sqrt(5.0))


def test_no_spread_is_refused() -> None:
    with pytest.raises(EstimationError, match="no spread"):
        hedges_g(1.0, 0.0, 10, 10)


def test_the_standardised_effect_from_outcomes_worked_by_hand() -> None:
    """The one definition both the report and ``hearten analyse`` use: the treated are every
    arm but control; the SD pooled over the two groups; with clusters, the ANOVA ICC within
    arms and rows per cluster."""
    from hearten.stats.effect_size import standardised_effect

    y = np.array([1.0, 2.0, 3.0, 4.0, 3.0, 4.0, 5.0, 6.0])
    arm = ["c"] * 4 + ["t"] * 4
    # Each group's variance is 5/3, so the pooled SD is sqrt(5/3); 8 people, 4 per group.
    plain = standardised_effect(2.0, y, arm, "c")
    assert plain.sd_pooled == pytest.approx(np.sqrt(5 / 3), rel=1e-12)
    assert plain.g == pytest.approx(hedges_g(2.0, np.sqrt(5 / 3), 4, 4).g, rel=1e-12)
    assert plain.icc == 0.0
    team = np.repeat(np.arange(4), 2)  # two people in each of four teams, two teams an arm
    clustered = standardised_effect(2.0, y, arm, "c", team)
    assert clustered.avg_cluster_size == 2.0
    assert clustered.icc == pytest.approx(icc_anova(y, team, arm), rel=1e-12)
    assert clustered.icc > 0  # people of a team answer alike here


def test_the_planned_interval_on_gs_scale_worked_by_hand() -> None:
    """The planned model's interval times the factor that takes the estimate to g.

    Classic case: estimate 2, SD 4, 20 + 20 people: ω = 1 - 3/(4·40 - 9) = 1 - 3/151, so the
    factor is ω/4. A model interval of 0.1 to 3.9 (SE 0.95) becomes ω·0.025 to ω·0.975: above
    zero, as the model's is, though WWC's large-sample interval for g crosses zero.
    """
    wwc = hedges_g(2.0, 4.0, 20, 20)
    omega = 1 - 3 / 151
    assert wwc.scale == pytest.approx(omega / 4, rel=1e-12)
    assert wwc.conf_low < 0  # WWC: sqrt(40/400 + d²/76) ≈ 0.32, so g ± 1.96·SE crosses 0
    planned = on_planned_interval(wwc, 0.95, 0.1, 3.9)
    assert planned.g == wwc.g == pytest.approx(omega * 0.5, rel=1e-12)
    assert planned.std_error == pytest.approx(omega * 0.95 / 4, rel=1e-12)
    assert planned.conf_low == pytest.approx(omega * 0.025, rel=1e-12)
    assert planned.conf_high == pytest.approx(omega * 0.975, rel=1e-12)
    one_sided = on_planned_interval(wwc, 0.95, 0.4, float("inf"))
    assert one_sided.conf_high == float("inf")


def test_the_planned_interval_keeps_the_cluster_adjustment() -> None:
    """With clusters the factor is ω·γ/S, the same as the point's: g / estimate."""
    clustered = hedges_g(1.5, 5.0, 200, 200, icc=0.1, avg_cluster_size=10)
    assert clustered.scale == pytest.approx(clustered.g / 1.5, rel=1e-12)
    planned = on_planned_interval(clustered, 0.5, 0.52, 2.48)
    assert planned.conf_low / 0.52 == pytest.approx(clustered.g / 1.5, rel=1e-12)

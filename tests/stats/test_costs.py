"""Costs in one price year, discounted; ICERs on the plane; the acceptability curve; and a
cluster bootstrap that keeps each person's cost with their outcome and respects strata."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hearten.errors import DataError, EstimationError
from hearten.stats.costs import (
    acceptability,
    adjusted_cost_effect_bootstrap,
    cost_effect_bootstrap,
    icer,
    icer_interval,
    one_way,
    present_value,
    to_price_year,
)

REFERENCE = Path(__file__).parent / "reference"


#: Worked values are written to four decimals.
FOUR_DECIMALS = 1e-4
#: A variance from 20,000 bootstrap draws: its Monte Carlo relative error is about
#: sqrt(2 / 20000) = 1%, so 5% is five of them.
VARIANCE_MONTE_CARLO = 0.05
#: Two independent bootstraps (R's boot and ours, 20,000 or 40,000 draws each): each SE has a
#: Monte Carlo relative error under 0.5%, their difference under 1%; 3% is three or more.
SE_MONTE_CARLO = 0.03
#: The correlation of cost and effect draws from two independent bootstraps of that size:
#: its Monte Carlo error is about (1 - r²) / sqrt(20000) < 0.01 each.
CORRELATION_MONTE_CARLO = 0.03


def test_three_years_of_100_at_the_green_book_rate_are_worth_289_97() -> None:
    # 100 + 100/1.035 + 100/1.035² = 100 + 96.6184 + 93.3511
    assert present_value([100, 100, 100], [0, 1, 2]) == pytest.approx(289.9695, abs=FOUR_DECIMALS)
    assert present_value([100, 100], [0, 1], rate=0.0) == 200.0


def test_a_price_moves_to_the_report_year_by_the_ratio_of_the_index() -> None:
    index = {"2013-14": 96.0, "2016-17": 100.0}  # an index given by the evaluator
    assert to_price_year(40.0, "2013-14", "2016-17", index) == pytest.approx(
        41.6667, abs=FOUR_DECIMALS
    )
    assert to_price_year(40.0, "2016-17", "2016-17", index) == 40.0
    with pytest.raises(DataError, match="no value for 2020-21"):
        to_price_year(40.0, "2020-21", "2016-17", index)


def test_an_icer_is_a_ratio_only_in_the_quadrants_where_it_means_something() -> None:
    assert icer(100.0, 2.0).ratio == 50.0
    assert icer(100.0, 2.0).quadrant == "more effective, costs more"
    assert icer(-100.0, 2.0).quadrant == "dominant"
    assert icer(-100.0, 2.0).ratio is None
    assert icer(100.0, -2.0).quadrant == "dominated"
    assert icer(-100.0, -2.0).ratio == 50.0
    assert icer(5.0, 0.0).quadrant == "no difference in effect"


def test_acceptability_counts_draws_with_positive_net_benefit() -> None:
    dc, de = [10.0, 20.0, -5.0, 30.0], [1.0, 1.0, -1.0, 2.0]
    # λ = 0: NMB -10, -20, 5, -30; λ = 15: 5, -5, -10, 0; λ = 25: 15, 5, -20, 20
    assert acceptability(dc, de, [0, 15, 25]) == [0.25, 0.25, 0.75]


def _trial(rng: np.random.Generator, clusters: int = 6, size: int = 5) -> dict[str, np.ndarray]:
    cluster = np.repeat(np.arange(2 * clusters), size)
    treated = cluster >= clusters
    cost = rng.gamma(2.0, 20.0, cluster.size) + 30 * treated
    outcome = rng.normal(20.0, 4.0, cluster.size) + rng.normal(0, 2, 2 * clusters)[cluster]
    return {"cost": cost, "outcome": outcome, "treated": treated, "cluster": cluster}


def test_the_point_estimates_are_differences_in_means() -> None:
    d = _trial(np.random.default_rng(1))
    d["outcome"][:3] = np.nan  # three people without an outcome still cost something
    r = cost_effect_bootstrap(**d, reps=200, seed=3)
    t = d["treated"]
    assert r.delta_cost == pytest.approx(d["cost"][t].mean() - d["cost"][~t].mean())
    assert r.delta_effect == pytest.approx(
        np.nanmean(d["outcome"][t]) - np.nanmean(d["outcome"][~t])
    )
    assert r.clusters == (6, 6)


def test_the_bootstrap_variance_is_that_of_resampled_cluster_means() -> None:
    # Equal clusters: an arm's mean is the mean of its m cluster means, whose bootstrap
    # variance is the (divisor m) variance of the cluster means over m.
    d = _trial(np.random.default_rng(2))
    r = cost_effect_bootstrap(**d, reps=20000, seed=5)
    expected = 0.0
    for arm in (False, True):
        means = [
            d["cost"][d["cluster"] == j].mean()
            for j in np.unique(d["cluster"][d["treated"] == arm])
        ]
        expected += np.var(means) / len(means)
    assert r.cost_draws.var() == pytest.approx(expected, rel=VARIANCE_MONTE_CARLO)


def test_each_persons_cost_stays_with_their_outcome() -> None:
    d = _trial(np.random.default_rng(3))
    r = cost_effect_bootstrap(d["cost"], d["cost"], d["treated"], d["cluster"], reps=500)
    assert np.allclose(r.cost_draws, r.effect_draws)
    assert r.correlation == pytest.approx(1.0)


def test_clusters_are_drawn_within_their_stratum() -> None:
    # In each arm one stratum's clusters cost 0 and the other's 100: drawn within strata
    # every draw keeps two of each, so the mean cost never moves; drawn across, it does.
    cluster = np.repeat(np.arange(8), 3)
    treated = cluster >= 4
    stratum = np.repeat([0, 0, 1, 1, 0, 0, 1, 1], 3)
    cost = np.where(stratum == 1, 100.0, 0.0)
    outcome = np.arange(24, dtype=float)
    within = cost_effect_bootstrap(cost, outcome, treated, cluster, stratum, reps=300, seed=1)
    across = cost_effect_bootstrap(cost, outcome, treated, cluster, None, reps=300, seed=1)
    assert np.ptp(within.cost_draws) == 0.0
    assert np.ptp(across.cost_draws) > 0.0


def test_the_same_seed_gives_the_same_draws() -> None:
    d = _trial(np.random.default_rng(4))
    a, b = (cost_effect_bootstrap(**d, reps=300, seed=9) for _ in range(2))
    assert np.array_equal(a.cost_draws, b.cost_draws)
    assert a.cost_low < a.delta_cost < a.cost_high


def test_a_cluster_in_both_arms_or_an_arm_of_one_cluster_is_refused() -> None:
    with pytest.raises(DataError, match="both arms"):
        cost_effect_bootstrap([1, 2, 3, 4, 5], [1, 2, 3, 4, 5], [0, 1, 0, 1, 1], [1, 1, 2, 3, 4])
    with pytest.raises(EstimationError, match="two clusters"):
        cost_effect_bootstrap([1, 2, 3], [1, 2, 3], [0, 0, 1], [1, 2, 3])


def test_one_way_sensitivity_lists_the_widest_swing_first() -> None:
    base = {"rate": 40.0, "minutes": 30.0, "effect": 2.0}
    ranges = {"rate": (30.0, 50.0), "minutes": (15.0, 60.0)}

    def cost_per_point(v: dict[str, float] | object) -> float:
        assert isinstance(v, dict)
        return v["rate"] * v["minutes"] / 60 / v["effect"]

    rows = one_way(base, ranges, cost_per_point)
    assert [r.name for r in rows] == ["minutes", "rate"]
    assert (rows[0].result_low, rows[0].result_high) == (5.0, 20.0)  # 40×15/60/2, 40×60/60/2
    assert (rows[1].result_low, rows[1].result_high) == (7.5, 12.5)


def test_the_stratified_cluster_bootstrap_matches_rs_boot() -> None:
    # tests/stats/reference/make_costs.R: boot() with strata = arm x stratum, 40,000 draws
    import pandas as pd

    people = pd.read_csv(REFERENCE / "costs_people.csv")
    ref = pd.read_csv(REFERENCE / "costs.csv").iloc[0]
    r = cost_effect_bootstrap(
        people["cost"], people["outcome"], people["treated"], people["cluster"],
        people["stratum"], reps=40000, seed=11,
    )  # fmt: skip
    assert r.delta_cost == pytest.approx(ref["delta_cost"], abs=1e-9)
    assert r.delta_effect == pytest.approx(ref["delta_effect"], abs=1e-9)
    assert r.cost_draws.std(ddof=1) == pytest.approx(ref["se_cost"], rel=SE_MONTE_CARLO)
    assert r.effect_draws.std(ddof=1) == pytest.approx(ref["se_effect"], rel=SE_MONTE_CARLO)
    assert r.correlation == pytest.approx(ref["correlation"], abs=CORRELATION_MONTE_CARLO)


def _adjusted_people() -> tuple[object, np.ndarray, list[str]]:
    import pandas as pd

    from hearten.stats.estimate import itt_design

    people = pd.read_csv(REFERENCE / "costs_adjusted_people.csv")
    X, names = itt_design(people["arm"].tolist(), "control", {"x": people["x"]},
                          people["stratum"].tolist())  # fmt: skip
    return people, X, names


def test_the_adjusted_bootstrap_matches_rs_boot_refitting_lm() -> None:
    # tests/stats/reference/make_costs_adjusted.R: boot() with strata = arm x stratum, lm
    # with weights refitted on each draw's clusters, 20,000 draws
    import pandas as pd

    people, X, names = _adjusted_people()
    ref = pd.read_csv(REFERENCE / "costs_adjusted.csv").set_index("arm")
    out = adjusted_cost_effect_bootstrap(
        people["cost"], people["arm"].tolist(), "control", people["cluster"], people["outcome"],
        X, {a: names.index(a) for a in ("coffee", "letters")}, people["stratum"],
        people["w"], reps=20000, seed=5,
    )  # fmt: skip
    for arm, r in out.items():
        assert r.delta_cost == pytest.approx(ref.loc[arm, "delta_cost"], abs=1e-9)
        assert r.delta_effect == pytest.approx(ref.loc[arm, "delta_effect"], abs=1e-9)
        # Monte Carlo error of a bootstrap SE from 20,000 draws is well under 3%
        assert r.cost_draws.std(ddof=1) == pytest.approx(
            ref.loc[arm, "se_cost"], rel=SE_MONTE_CARLO
        )
        assert r.effect_draws.std(ddof=1) == pytest.approx(
            ref.loc[arm, "se_effect"], rel=SE_MONTE_CARLO
        )
        assert r.correlation == pytest.approx(
            ref.loc[arm, "correlation"], abs=CORRELATION_MONTE_CARLO
        )


def test_the_adjusted_effect_is_the_primary_estimate() -> None:
    from hearten.stats.estimate import estimate_itt

    people, X, names = _adjusted_people()
    used = people[people["outcome"].notna()]
    fit = estimate_itt(used["outcome"], used["arm"].tolist(), "control", {"x": used["x"]},
                       used["stratum"].tolist(), weights=used["w"])  # fmt: skip
    out = adjusted_cost_effect_bootstrap(
        people["cost"], people["arm"].tolist(), "control", people["cluster"], people["outcome"],
        X, {"letters": names.index("letters")}, people["stratum"], people["w"], reps=100,
    )  # fmt: skip
    assert out["letters"].delta_effect == pytest.approx(fit.effects[1].estimate, abs=1e-10)


def test_with_only_the_arm_indicator_it_is_the_unadjusted_bootstrap() -> None:
    import pandas as pd

    people = pd.read_csv(REFERENCE / "costs_people.csv")
    X = np.column_stack([np.ones(len(people)), people["treated"]])
    arm = np.where(people["treated"] == 1, "b", "a").tolist()
    adjusted = adjusted_cost_effect_bootstrap(
        people["cost"], arm, "a", people["cluster"], people["outcome"], X, {"b": 1},
        people["stratum"], reps=500, seed=3,
    )["b"]  # fmt: skip
    plain = cost_effect_bootstrap(
        people["cost"], people["outcome"], people["treated"], people["cluster"],
        people["stratum"], reps=500, seed=3,
    )  # fmt: skip
    np.testing.assert_allclose(adjusted.cost_draws, plain.cost_draws, atol=1e-9)
    np.testing.assert_allclose(adjusted.effect_draws, plain.effect_draws, atol=1e-9)


def test_the_adjusted_bootstrap_refuses_an_arm_it_does_not_have() -> None:
    people, X, _ = _adjusted_people()
    with pytest.raises(DataError, match="compare arms of the data"):
        adjusted_cost_effect_bootstrap(
            people["cost"], people["arm"].tolist(), "control", people["cluster"],
            people["outcome"], X, {"perks": 1}, people["stratum"], reps=100,
        )  # fmt: skip


def test_the_icer_interval_is_the_percentiles_of_the_draws_ratios_on_one_side_of_zero() -> None:
    cost = np.array([10.0, 20.0, 30.0, 40.0, 50.0])
    effect = np.array([1.0, 1.0, 1.0, 2.0, 0.5])  # ratios 10, 20, 30, 20, 100
    low, high = icer_interval(cost, effect, level=0.5)  # 25th and 75th percentiles
    assert (low, high) == (20.0, 30.0)
    # a draw of no effect, or on the other side of zero, leaves the ratio undefined
    assert icer_interval(cost, np.array([1.0, 1.0, 0.0, 2.0, 0.5])) is None
    assert icer_interval(cost, np.array([1.0, -1.0, 1.0, 2.0, 0.5])) is None
    assert icer_interval(-cost, -effect, level=0.5) == (20.0, 30.0)

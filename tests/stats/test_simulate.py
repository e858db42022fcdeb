"""Simulation of the planned analysis: each batched fit equals the usual one, then the
Monte-Carlo summaries agree with the closed form where it is exact, and size stays near alpha."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hearten.errors import DesignError
from hearten.stats.batched import fit_batch, wild_p_values
from hearten.stats.estimate import design_matrix, estimate_itt, treatment_columns
from hearten.stats.inference import bootstrap_t_statistics
from hearten.stats.power import PowerDesign, solve_power
from hearten.stats.simulate import (
    SimulationSpec,
    cluster_sums,
    dataset,
    draw,
    power_at,
    simulate,
    table,
)

#: The spread of 3000 simulated estimates has a Monte Carlo relative error of about
#: 1/sqrt(2 · 2999) = 1.3%: 5% is about four of them.
SE_MONTE_CARLO = 0.05

SPECS = {
    "bcra3f2": SimulationSpec(
        "bcra3f2",
        clusters=8,
        cluster_size=10,
        sites=3,
        cv=0.5,
        icc2=0.1,
        pre_post=0.6,
        effect=0.3,
        uptake=0.7,
        attrition=0.2,
        attrition_treated=0.3,
    ),
    "cra2": SimulationSpec(
        "cra2", clusters=10, cluster_size=3, cv=0.6, icc2=0.1, effect=0.3, attrition=0.5
    ),
    "cra3": SimulationSpec(
        "cra3", clusters=3, cluster_size=5, sites=8, icc2=0.1, icc3=0.1, pre_post=0.5, effect=0.3
    ),
    "bira": SimulationSpec("bira", n=30, sites=3, pre_post=0.5, effect=0.3, attrition=0.1),
    "ira": SimulationSpec("ira", n=40, effect=0.3, attrition=0.1, treated=0.4),
}


@pytest.mark.parametrize("name", list(SPECS))
def test_each_batched_replication_equals_estimate_itt(name: str) -> None:
    spec = SPECS[name]
    d = draw(spec, 6, np.random.default_rng(5))
    fit = fit_batch(cluster_sums(spec, d), singletons=name in ("ira", "bira"))
    for r in range(6):
        t = table(d, r, spec.effect)
        t = t[t["observed"]]
        e = estimate_itt(
            t["outcome"],
            t["arm"].tolist(),
            "control",
            covariates={"baseline": t["baseline"]} if spec.pre_post else None,
            strata=t["site"].astype(str).tolist() if name in ("bira", "bcra3f2") else None,
            cluster=t["unit"] if name not in ("ira", "bira") else None,
        ).effects[0]
        tau = spec.effect
        assert fit.ok[r]
        assert fit.b0[r] + tau * fit.b_d[r] == pytest.approx(e.estimate, abs=1e-12)
        se = math.sqrt(fit.A[r] + 2 * tau * fit.B[r] + tau * tau * fit.C[r])
        assert se == pytest.approx(e.std_error, rel=1e-10)
        assert fit.df[r] == pytest.approx(e.df, rel=1e-10)
        assert fit.people[r] == len(t)


def test_a_team_lost_whole_drops_out_as_estimatr_drops_it() -> None:
    spec = SPECS["cra2"]  # teams of about 3 with half lost: some teams vanish
    d = draw(spec, 30, np.random.default_rng(1))
    fit = fit_batch(cluster_sums(spec, d), singletons=False)
    assert (fit.clusters < 10).any()
    r = int(np.argmin(fit.clusters))
    t = table(d, r, spec.effect)
    t = t[t["observed"]]
    e = estimate_itt(t["outcome"], t["arm"].tolist(), "control", cluster=t["unit"]).effects[0]
    assert fit.df[r] == pytest.approx(e.df, rel=1e-10)
    assert e.n_clusters == fit.clusters[r]


def test_wild_p_values_equal_the_one_trial_bootstrap() -> None:
    spec = SPECS["bcra3f2"]
    rng = np.random.default_rng(5)
    d = draw(spec, 3, rng)
    sums = cluster_sums(spec, d)
    V = rng.choice([-1.0, 1.0], size=(3, 24, 199))
    p = wild_p_values(sums, spec.effect, (0.0, 0.21), V, one_sided=False)
    for r in range(3):
        t = table(d, r, spec.effect)
        t = t[t["observed"]]
        assert t["unit"].nunique() == 24
        X, _ = design_matrix(
            len(t),
            treatment_columns(t["arm"].tolist(), "control"),
            {"baseline": t["baseline"]},
            t["site"].astype(str).tolist(),
        )
        for i, null in enumerate((0.0, 0.21)):
            t_star, t_obs = bootstrap_t_statistics(t["outcome"], X, 1, t["unit"], V[r], null)
            assert p[i, r] == pytest.approx(np.mean(np.abs(t_star) >= abs(t_obs) * (1 - 1e-12)))


def _within(simulated: float, expected: float, mcse: float) -> None:
    assert abs(simulated - expected) < 3.5 * mcse, (simulated, expected, mcse)


@pytest.mark.parametrize(
    ("spec", "closed"),
    [
        (
            SimulationSpec("cra2", clusters=20, cluster_size=10, icc2=0.1, effect=0.35),
            PowerDesign("cra2", n=10, clusters=20, icc2=0.1),
        ),
        (
            SimulationSpec(
                "cra3", clusters=4, cluster_size=6, sites=14, icc2=0.05, icc3=0.08, effect=0.4
            ),
            PowerDesign("cra3", n=6, clusters=4, sites=14, icc2=0.05, icc3=0.08),
        ),
        (
            SimulationSpec("ira", n=160, effect=0.4, treated=0.5),
            PowerDesign("ira", n=160),
        ),
    ],
)
def test_power_agrees_with_the_closed_form_where_it_is_exact(
    spec: SimulationSpec, closed: PowerDesign
) -> None:
    # Equal clusters, no covariate, no attrition, complete randomisation: the analysis is the
    # t test of cluster means (or of people), whose power the closed form gives exactly.
    result, _ = simulate(spec, 4000, seed=11)
    _within(result.power.value, solve_power(closed, spec.effect).power, result.power.mcse)
    assert result.closed_form_power == pytest.approx(solve_power(closed, spec.effect).power)


@pytest.mark.parametrize(
    ("spec", "reps"),
    [
        # CR2 with few, unequal teams in strata, a covariate and attrition.
        (
            SimulationSpec(
                "bcra3f2", clusters=6, cluster_size=8, sites=3, cv=0.6, icc2=0.1,
                pre_post=0.5, attrition=0.2,
            ),
            3000,
        ),
        # The wild bootstrap with 20 equal teams (with unequal teams in strata it runs a
        # little liberal: 0.055 over 10,000 replications of 24 teams; see docs).
        (
            SimulationSpec(
                "cra2", clusters=20, cluster_size=8, icc2=0.1, pre_post=0.5, attrition=0.1,
                method="wild", bootstrap_reps=199,
            ),
            2000,
        ),
    ],
)  # fmt: skip
def test_size_stays_near_alpha_and_coverage_near_nominal(spec: SimulationSpec, reps: int) -> None:
    result, _ = simulate(spec, reps, seed=4)
    _within(result.power.value, 0.05, math.sqrt(0.05 * 0.95 / reps))
    _within(result.coverage.value, 0.95, math.sqrt(0.05 * 0.95 / reps))
    _within(result.bias.value, 0.0, result.bias.mcse)
    assert result.type_s is None


def test_bias_and_coverage_are_measured_against_the_itt_effect() -> None:
    spec = SimulationSpec(
        "cra2",
        clusters=30,
        cluster_size=12,
        cv=0.4,
        icc2=0.05,
        pre_post=0.7,
        effect=0.4,
        uptake=0.5,
        attrition=0.1,
        attrition_treated=0.25,
    )
    result, reps = simulate(spec, 3000, seed=2)
    assert result.itt == pytest.approx(0.2)
    _within(result.bias.value, 0.0, result.bias.mcse)
    _within(result.coverage.value, 0.95, result.coverage.mcse)
    assert result.empirical_se == pytest.approx(result.mean_se, rel=SE_MONTE_CARLO)
    assert result.type_m is not None
    assert result.type_m > 1
    # The MDES is where the simulated power curve crosses the target.
    assert result.mdes is not None
    assert power_at(spec, reps, result.mdes.value) >= 0.8
    assert power_at(spec, reps, result.mdes.value * (1 - 1e-4)) < 0.8
    assert result.mdes_itt == pytest.approx(result.mdes.value * 0.5)


def test_the_same_seed_gives_the_same_answer_whoever_runs_the_chunks() -> None:
    from concurrent.futures import ThreadPoolExecutor

    spec = SPECS["bcra3f2"]

    def backwards(fn, shared, tasks):  # type: ignore[no-untyped-def]
        with ThreadPoolExecutor(3) as pool:
            return list(pool.map(lambda t: fn(shared, *t), reversed(tasks)))

    a, _ = simulate(spec, 450, seed=9)
    b, _ = simulate(spec, 450, seed=9, runner=backwards)
    c, _ = simulate(spec, 450, seed=10)
    assert a == b
    assert a.power != c.power or a.bias != c.bias


def test_progress_counts_every_replication() -> None:
    seen: list[int] = []
    simulate(SPECS["ira"], 450, seed=1, progress=seen.append)
    assert sum(seen) == 450
    assert len(seen) == 3


def test_one_trial_can_be_drawn_as_a_table() -> None:
    t = dataset(SPECS["bcra3f2"], seed=3)
    assert set(t.columns) >= {"site", "team", "arm", "baseline", "outcome", "observed"}
    per_team = t.groupby("team")["arm"].nunique()
    assert (per_team == 1).all()
    assert t.groupby("site")["team"].nunique().eq(8).all()
    assert not t.loc[t["arm"] == "control", "took_part"].any()


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (SimulationSpec("cra2", cluster_size=10), "needs clusters"),
        (SimulationSpec("bcra3f2", clusters=4, cluster_size=10), "needs sites"),
        (SimulationSpec("cra2", clusters=10, cluster_size=10, icc2=1.2), "icc2 must be"),
        (SimulationSpec("ira", n=100, method="wild"), "for cluster-randomised designs"),
        (SimulationSpec("bcra3f2", clusters=1, cluster_size=5, sites=3), "too few to put"),
        (SimulationSpec("cra2", clusters=10, cluster_size=5, uptake=0), "uptake must be"),
    ],
)
def test_impossible_specifications_are_refused(spec: SimulationSpec, message: str) -> None:
    with pytest.raises(DesignError, match=message):
        simulate(spec, 100, seed=1)

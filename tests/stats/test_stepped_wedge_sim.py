"""The batched simulation of the stepped-wedge analysis: each replication is the planned
model's fit, and the simulated power is the closed form's."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from hearten.errors import DesignError, EstimationError
from hearten.stats.stepped_wedge import period_covariance, solve_power, standard_error
from hearten.stats.stepped_wedge_fit import fit_stepped_wedge
from hearten.stats.stepped_wedge_sim import (
    SteppedWedgeSimulation,
    design_cells,
    draw_correlated,
    fit_analysis,
    fit_cells,
    simulate_stepped_wedge,
)

#: The batched fit finds λ by a golden-section search on the cell means, the single fit by
#: scipy's bounded search on the people: the two stop at slightly different λ, so τ² (about
#: 1e-7 relative apart here) agrees less closely than σ² and the SE, which hardly depend on it.
TAU2_TOLERANCE = 1e-5
#: The df come from central differences of the deviance taken at each search's own optimum
#: (about 2e-7 relative apart here).
DF_TOLERANCE = 1e-3
#: About 4.5 Monte Carlo standard errors of the spread of 4000 estimates, relative
#: (1/√(2·3999) = 0.011).
SIMULATED_SE_TOLERANCE = 0.05
#: The planned cluster-period fit searches two variance components by Nelder-Mead on the
#: people, the batched analysis on the cell means: the SEs follow from where each stops (about
#: 1e-8 relative apart here).
CLUSTER_PERIOD_SE_TOLERANCE = 1e-5
#: A normal deviate four Monte Carlo standard errors out happens about once in 16,000 runs: the
#: simulation checks below fail by chance that rarely.
MC_SDS = 4
#: A simulated power within four of its Monte Carlo standard errors of the closed form's
#: (computed at the closed form's power, so the band does not shrink with an unlucky draw).
POWER_MC_SDS = 4
#: REML estimates the variances, so with 24 clusters the model's SE sits about 1% below the
#: known-covariance GLS SE of the closed form (Kenward and Roger's reason for their
#: correction); the average of 400 SEs adds well under 0.5% Monte Carlo error. Assuming the
#: wrong correlation structure (decay or not, cohort or not) moves the closed form by 5% or
#: more, outside this band.
MODEL_SE_TOLERANCE = 0.03
#: The spread of 400 estimates has a relative Monte Carlo SE of 1/√(2·399) = 0.035: four.
SPREAD_TOLERANCE = 4 / (2 * 399) ** 0.5
#: The empirical covariance of 160,000 simulated clusters' period means: each entry's Monte
#: Carlo SE is about 4e-4, so five and a bit.
COVARIANCE_TOLERANCE = 2e-3


def test_each_replication_is_the_planned_fit_on_the_people() -> None:
    s = SteppedWedgeSimulation(clusters=9, steps=3, cluster_size=6, icc2=0.1, effect=0.3)
    X = design_cells(s)
    C, T = X.shape[:2]
    rng = np.random.default_rng(11)
    cluster = np.repeat(np.arange(C), T * 6)
    period = np.tile(np.repeat(np.arange(T), 6), C)
    treated = X[cluster, period, 1]
    means, within, rows = [], [], []
    for _ in range(4):
        y = (0.2 * period + 0.3 * treated + rng.normal(0, 0.4, C)[cluster]
             + rng.normal(0, 1, cluster.size))  # fmt: skip
        cells = y.reshape(C, T, 6)
        means.append(cells.mean(axis=2))
        within.append(float(((cells - cells.mean(axis=2, keepdims=True)) ** 2).sum()))
        rows.append(fit_stepped_wedge(y, cluster, period, treated))
    fits = fit_cells(X, np.array(means), np.array(within), 6)
    for r, one in enumerate(rows):
        assert fits.estimate[r] == pytest.approx(one.estimate, abs=1e-7)
        assert fits.std_error[r] == pytest.approx(one.std_error, rel=1e-6)
        assert fits.df[r] == pytest.approx(one.df, rel=DF_TOLERANCE)
        assert fits.tau2[r] == pytest.approx(one.tau2, rel=TAU2_TOLERANCE)
        assert fits.sigma2[r] == pytest.approx(one.sigma2, rel=1e-7)


def test_the_simulated_power_is_the_closed_form_power() -> None:
    # Hussey and Hughes' worked example (24 clusters, 4 steps, ICC 0.05 here): with enough
    # clusters the t test on Satterthwaite df and the normal closed form agree.
    s = SteppedWedgeSimulation(24, 4, 20, 0.05, 0.2, trend=0.1)
    r = simulate_stepped_wedge(s, 4000, 2025)
    assert r.power.value == pytest.approx(r.closed_form_power, abs=MC_SDS * r.power.mcse)
    assert r.bias.value == pytest.approx(0.0, abs=MC_SDS * r.bias.mcse)
    assert r.coverage.value == pytest.approx(0.95, abs=MC_SDS * r.coverage.mcse)
    assert r.mean_se == pytest.approx(r.empirical_se, rel=SIMULATED_SE_TOLERANCE)


def test_with_no_effect_the_test_keeps_its_size() -> None:
    r = simulate_stepped_wedge(SteppedWedgeSimulation(8, 4, 10, 0.1, 0.0), 4000, 7)
    assert r.power.value == pytest.approx(0.05, abs=MC_SDS * r.power.mcse)


def test_the_answer_depends_on_the_seed_only() -> None:
    from hearten.stats.chunks import threads

    s = SteppedWedgeSimulation(12, 3, 5, 0.1, 0.3)
    here = simulate_stepped_wedge(s, 1200, 3)
    there = simulate_stepped_wedge(s, 1200, 3, threads(2))
    assert here.power == there.power
    assert here.mean_df == there.mean_df


def test_impossible_designs_are_refused() -> None:
    with pytest.raises(DesignError, match="cannot fill 4 steps"):
        simulate_stepped_wedge(SteppedWedgeSimulation(3, 4, 10, 0.1, 0.2), 100, 1)
    with pytest.raises(DesignError, match="icc2"):
        simulate_stepped_wedge(SteppedWedgeSimulation(8, 4, 10, 1.0, 0.2), 100, 1)


CORRELATED = [
    SteppedWedgeSimulation(24, 4, 20, 0.1, 0.25, trend=0.1, cac=0.6),
    SteppedWedgeSimulation(24, 4, 20, 0.1, 0.25, trend=0.1, cac=0.8, decay=True),
    SteppedWedgeSimulation(24, 4, 20, 0.1, 0.25, trend=0.1, cac=0.8, iac=0.5,
                           sampling="closed-cohort"),
    SteppedWedgeSimulation(24, 4, 20, 0.1, 0.25, trend=0.1, cac=0.8, iac=0.5,
                           sampling="closed-cohort", decay=True),
]  # fmt: skip


@pytest.mark.parametrize("s", CORRELATED, ids=lambda s: s.analysis)
def test_the_drawn_means_have_the_covariance_the_closed_form_assumes(
    s: SteppedWedgeSimulation,
) -> None:
    quiet = replace(s, effect=0.0, trend=0.0)
    means, _ = draw_correlated(quiet, 20000, np.random.default_rng(5))
    rows = means.reshape(-1, means.shape[2])
    empirical = rows.T @ rows / len(rows)
    expected = period_covariance(s.closed_form())
    assert np.abs(empirical - expected).max() < COVARIANCE_TOLERANCE


def test_a_closed_cohorts_within_cell_squares_are_drawn_as_the_people_give_them() -> None:
    # People who stay: their deviation from the cell mean persists across the periods.
    s = SteppedWedgeSimulation(4, 2, 5, 0.2, 0.0, iac=0.6, sampling="closed-cohort")
    C, T, m, reps = 4, 3, 5, 4000
    rng = np.random.default_rng(9)
    person = rng.standard_normal((reps, C, 1, m)) * np.sqrt(0.8 * 0.6)
    y = person + rng.standard_normal((reps, C, T, m)) * np.sqrt(0.8 * 0.4)
    y = y + rng.standard_normal((reps, C, T, 1)) * np.sqrt(0.2)
    from_people = ((y - y.mean(axis=3, keepdims=True)) ** 2).sum(axis=(1, 2, 3))
    _, drawn = draw_correlated(s, reps, np.random.default_rng(10))
    mean = 0.8 * C * T * (m - 1)
    var = 2 * 0.8**2 * C * (m - 1) * ((T * 0.6 + 0.4) ** 2 + 0.4**2 * (T - 1))
    for w in (from_people, drawn):
        # Four Monte Carlo SEs of a mean and (for a near-normal sum) of a variance.
        assert w.mean() == pytest.approx(mean, abs=MC_SDS * (var / reps) ** 0.5)
        assert w.var() == pytest.approx(var, rel=MC_SDS * (2 / reps) ** 0.5)


def test_the_cluster_period_analysis_is_the_planned_fit_on_the_people() -> None:
    s = SteppedWedgeSimulation(clusters=8, steps=4, cluster_size=6, icc2=0.1, effect=0.3)
    X = design_cells(s)
    C, T, m = X.shape[0], X.shape[1], 6
    cluster = np.repeat(np.arange(C), T * m)
    period = np.tile(np.repeat(np.arange(T), m), C)
    treated = X[cluster, period, 1]
    rng = np.random.default_rng(4)
    means, within, planned = [], [], []
    for k in range(6):  # a cluster-by-period variance in the first three, none after
        y = (
            0.1 * period
            + 0.3 * treated
            + rng.normal(0, 0.3, C)[cluster]
            + rng.normal(0, 0.25 if k < 3 else 0.0, C * T)[cluster * T + period]
            + rng.normal(0, 1, cluster.size)
        )
        cells = y.reshape(C, T, m)
        means.append(cells.mean(axis=2))
        within.append(float(((cells - cells.mean(axis=2, keepdims=True)) ** 2).sum()))
        try:  # as the planned analysis: the cluster-period model, or its fallback
            planned.append(
                fit_stepped_wedge(y, cluster, period, treated, random_effects="cluster-period")
            )
        except EstimationError:
            planned.append(fit_stepped_wedge(y, cluster, period, treated))
    fits = fit_analysis("cluster-period", X, np.array(means), np.array(within), m)
    kinds = {p.random_effects for p in planned}
    assert kinds == {"cluster", "cluster-period"}  # both branches are checked
    for r, one in enumerate(planned):
        assert fits.estimate[r] == pytest.approx(one.estimate, abs=1e-6)
        assert fits.std_error[r] == pytest.approx(one.std_error, rel=CLUSTER_PERIOD_SE_TOLERANCE)
        assert fits.df[r] == pytest.approx(one.df, rel=DF_TOLERANCE)
        assert fits.tau2[r] == pytest.approx(one.tau2, rel=TAU2_TOLERANCE, abs=1e-7)


@pytest.mark.parametrize("s", CORRELATED, ids=lambda s: s.analysis)
def test_the_simulated_power_is_the_closed_form_power_for_each_correlation(
    s: SteppedWedgeSimulation,
) -> None:
    r = simulate_stepped_wedge(s, 400, 2026)
    closed = r.closed_form_power
    assert r.analysis == s.analysis
    assert r.power.value == pytest.approx(
        closed, abs=POWER_MC_SDS * (closed * (1 - closed) / r.reps) ** 0.5
    )
    assert r.empirical_se == pytest.approx(r.closed_form_se, rel=SPREAD_TOLERANCE)
    assert r.mean_se == pytest.approx(r.closed_form_se, rel=MODEL_SE_TOLERANCE)
    assert r.bias.value == pytest.approx(0.0, abs=MC_SDS * r.bias.mcse)
    # The check can fail: the closed form of the other structure is outside the band.
    d = s.closed_form()
    for other in (replace(d, decay=not d.decay), replace(d, cac=1.0, decay=False)):
        assert r.mean_se != pytest.approx(standard_error(other), rel=MODEL_SE_TOLERANCE)


def test_a_closed_cohorts_correlation_is_checked() -> None:
    with pytest.raises(DesignError, match="iac applies to a closed cohort"):
        simulate_stepped_wedge(SteppedWedgeSimulation(8, 4, 10, 0.1, 0.2, iac=0.3), 100, 1)
    with pytest.raises(DesignError, match="cac must be between 0 and 1"):
        simulate_stepped_wedge(SteppedWedgeSimulation(8, 4, 10, 0.1, 0.2, cac=1.2), 100, 1)


def test_the_python_api_example_runs_as_written(capsys: pytest.CaptureFixture[str]) -> None:
    from pathlib import Path

    page = (Path(__file__).parents[2] / "docs" / "reference" / "python-api.md").read_text()
    section = page.split("## A stepped-wedge design", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    exec(compile(code, "python-api.md", "exec"), {})
    lines = capsys.readouterr().out.splitlines()
    closed = solve_power(CORRELATED[3].closed_form(), 0.25).power
    assert lines[0] == str(round(closed, 3))
    assert lines[1] == f"decay-cohort {round(closed, 3)}"
    power, mcse = map(float, lines[2].split())
    assert abs(power - closed) < POWER_MC_SDS * mcse


def test_the_planned_team_model_is_too_sure_of_itself_when_the_correlation_decays() -> None:
    # Kasza et al.'s warning, simulated: the planned model fitted to data whose team effect
    # decays by period. Team intercepts alone take the periods as alike as they are within
    # one, so the SE is too small and the interval too narrow; adding team-by-period
    # intercepts (the design's random_effects = "cluster-period") keeps its coverage.
    decaying = SteppedWedgeSimulation(24, 4, 20, 0.1, 0.25, trend=0.1, cac=0.5, decay=True)
    band = POWER_MC_SDS * (0.95 * 0.05 / 400) ** 0.5
    team = simulate_stepped_wedge(replace(decaying, random_effects="cluster"), 400, 12)
    assert team.analysis == "cluster"
    assert team.coverage.value < 0.95 - band
    assert team.mean_se < team.empirical_se * (1 - SPREAD_TOLERANCE)
    nested = simulate_stepped_wedge(replace(decaying, random_effects="cluster-period"), 400, 12)
    assert nested.analysis == "cluster-period"
    assert nested.coverage.value > 0.95 - band
    with pytest.raises(DesignError, match="random effects 'person'"):
        simulate_stepped_wedge(replace(decaying, random_effects="person"), 100, 1)  # type: ignore[arg-type]

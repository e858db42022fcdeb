"""The batched simulation of the stepped-wedge analysis: each replication is the planned
model's fit, and the simulated power is the closed form's."""

from __future__ import annotations

import numpy as np
import pytest

from hearten.errors import DesignError
from hearten.stats.stepped_wedge_fit import fit_stepped_wedge
from hearten.stats.stepped_wedge_sim import (
    SteppedWedgeSimulation,
    design_cells,
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
    assert r.power.value == pytest.approx(r.closed_form_power, abs=4 * r.power.mcse)
    assert r.bias.value == pytest.approx(0.0, abs=4 * r.bias.mcse)
    assert r.coverage.value == pytest.approx(0.95, abs=4 * r.coverage.mcse)
    assert r.mean_se == pytest.approx(r.empirical_se, rel=SIMULATED_SE_TOLERANCE)


def test_with_no_effect_the_test_keeps_its_size() -> None:
    r = simulate_stepped_wedge(SteppedWedgeSimulation(8, 4, 10, 0.1, 0.0), 4000, 7)
    assert r.power.value == pytest.approx(0.05, abs=4 * r.power.mcse)


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

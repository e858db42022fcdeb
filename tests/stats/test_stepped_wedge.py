"""Stepped-wedge power: the Hussey and Hughes closed form, swCRTdesign's worked example, an
independent GLS computation in R (with swPwr's numbers beside it), and a simulation."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hearten.errors import DesignError
from hearten.stats.stepped_wedge import (
    SteppedWedgeDesign,
    equal_sequences,
    gls_variance,
    hussey_hughes_variance,
    observed_matrix,
    period_covariance,
    solve_mdes,
    solve_power,
    standard_error,
    treatment_matrix,
)

REFERENCE = Path(__file__).parent / "reference"
#: The power counts the lower tail too, which the normal-approximation MDES ``(z + z_power) se``
#: leaves out (and the quantiles below are to six decimals): about 1.2e-6 relative apart here.
LOWER_TAIL_TOLERANCE = 1e-5
#: About three Monte Carlo standard errors of the mean of 4000 simulated estimates (SE 0.0033).
SIMULATED_MEAN_TOLERANCE = 0.01
#: About 3.6 standard errors of the variance of 4000 normal draws, relative (√(2/3999) = 0.022).
SIMULATED_VARIANCE_TOLERANCE = 0.08


def test_the_gls_variance_equals_the_hussey_hughes_closed_form() -> None:
    for seqs, m, icc in [((6, 6, 6, 6), 20, 0.05), ((3, 3, 2), 10, 0.1), ((1, 2, 1), 4, 0.3)]:
        d = SteppedWedgeDesign(seqs, m, icc)
        per_cluster = np.repeat(treatment_matrix(d), seqs, axis=0)
        closed = hussey_hughes_variance(per_cluster, (1 - icc) / m, icc)
        assert standard_error(d) ** 2 == pytest.approx(closed, rel=1e-10)


def test_the_hussey_hughes_worked_example_has_power_0_786() -> None:
    # Hussey and Hughes (2007) section 4 as swCRTdesign's swPwr Example 1 reproduces it:
    # 24 clusters in 4 sequences, 5 periods, 120 per cluster-period, proportions 0.05 to
    # 0.035, tau 0.01; swPwr 4.0 gives power 0.7861896 and variance 2.968231e-05.
    mean = (0.05 + 0.035) / 2
    total = mean * (1 - mean) + 0.01**2
    d = SteppedWedgeDesign((6, 6, 6, 6), 120, 0.01**2 / total)
    result = solve_power(d, 0.015 / math.sqrt(total))
    assert result.power == pytest.approx(0.7861896, abs=1e-7)
    assert result.standard_error**2 * total == pytest.approx(2.968231e-05, rel=1e-6)


@pytest.mark.parametrize("row", pd.read_csv(REFERENCE / "stepped_wedge.csv").to_dict("records"))
def test_the_variance_and_power_match_r_and_swpwr(row: dict[str, object]) -> None:
    d = SteppedWedgeDesign(
        tuple(int(k) for k in str(row["sequences"]).split("-")),
        float(str(row["cluster_size"])),
        float(str(row["icc"])),
        cac=float(str(row["cac"])),
        iac=float(str(row["iac"])),
        sampling="closed-cohort" if float(str(row["iac"])) > 0 else "cross-sectional",
        decay=bool(row["decay"]),
        transition=int(str(row["transition"])),
        alpha=float(str(row["alpha"])),
    )
    result = solve_power(d, float(str(row["es"])))
    assert result.standard_error**2 == pytest.approx(float(str(row["variance"])), rel=1e-9)
    assert result.power == pytest.approx(float(str(row["power"])), abs=1e-9)
    if not pd.isna(row["swpwr_power"]):
        assert result.power == pytest.approx(float(str(row["swpwr_power"])), abs=1e-9)


def test_the_mdes_is_the_effect_detected_with_the_target_power() -> None:
    d = SteppedWedgeDesign((3, 3, 3, 3), 15, 0.05, cac=0.8)
    mdes = solve_mdes(d, 0.8)
    assert solve_power(d, mdes.effect).power == pytest.approx(0.8, abs=1e-9)
    # the lower tail adds almost nothing: the normal-approximation MDES is (z + z_power) se
    assert mdes.effect == pytest.approx(
        (1.959964 + 0.841621) * mdes.standard_error, rel=LOWER_TAIL_TOLERANCE
    )


def test_the_closed_form_variance_matches_the_spread_of_simulated_gls_estimates() -> None:
    d = SteppedWedgeDesign(
        (2, 2, 2), 10, 0.1, cac=0.7, iac=0.5, sampling="closed-cohort", decay=True
    )
    cov = period_covariance(d)
    x = np.repeat(treatment_matrix(d), d.sequences, axis=0)
    clusters, periods = x.shape
    rng = np.random.default_rng(20250)
    draws = 4000
    y = rng.multivariate_normal(np.zeros(periods), cov, size=(draws, clusters)) + 0.3 * x
    z = np.stack([np.column_stack([np.eye(periods), x[i]]) for i in range(clusters)])
    vinv = np.linalg.inv(cov)
    info = np.einsum("ctp,tu,cuq->pq", z, vinv, z)
    score = np.einsum("ctp,tu,dcu->dp", z, vinv, y)
    theta = np.linalg.solve(info, score.T)[-1]
    assert theta.mean() == pytest.approx(0.3, abs=SIMULATED_MEAN_TOLERANCE)
    assert theta.var() == pytest.approx(standard_error(d) ** 2, rel=SIMULATED_VARIANCE_TOLERANCE)


def test_more_clusters_or_a_cluster_correlation_that_lasts_give_more_power() -> None:
    base = SteppedWedgeDesign((2, 2, 2, 2), 20, 0.05)
    bigger = replace(base, sequences=(4, 4, 4, 4))
    assert solve_power(bigger, 0.3).power > solve_power(base, 0.3).power
    assert solve_power(replace(base, cac=0.5), 0.3).power < solve_power(base, 0.3).power


def test_transition_periods_are_left_out_of_the_analysis() -> None:
    d = SteppedWedgeDesign((1, 1), 5, 0.1, transition=1)
    assert d.periods == 4
    assert observed_matrix(d).tolist() == [[True, False, True, True], [True, True, False, True]]


def test_clusters_are_spread_over_the_steps_as_equally_as_they_go() -> None:
    assert equal_sequences(12, 4) == (3, 3, 3, 3)
    assert equal_sequences(10, 4) == (3, 3, 2, 2)
    with pytest.raises(DesignError, match="at least one cluster per step"):
        equal_sequences(3, 4)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"icc": 1.0}, "--icc2"),
        ({"cac": 1.5}, "--cac"),
        ({"iac": 0.3}, "closed cohort"),
        ({"cluster_size": 0}, "--cluster-size"),
        ({"sequences": (2, 0)}, "at least one cluster"),
    ],
)
def test_impossible_designs_are_refused_with_a_message(
    change: dict[str, object], message: str
) -> None:
    d = replace(SteppedWedgeDesign((2, 2), 10, 0.05), **change)  # type: ignore[arg-type]
    with pytest.raises(DesignError, match=message):
        solve_power(d, 0.3)


def test_a_design_with_no_contrast_is_refused() -> None:
    cov = np.eye(2)
    with pytest.raises(DesignError, match="cannot be separated"):
        gls_variance(np.array([[1.0, 1.0]]), cov, np.array([3.0]))

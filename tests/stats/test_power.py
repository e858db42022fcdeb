"""Closed-form power: PowerUpR's published examples, then an independent computation in R."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from hearten.errors import DesignError
from hearten.stats.power import PowerDesign, solve_mdes, solve_power, solve_size

#: The published MDES (0.23) is rounded to two decimals: power at it is 80% only to within
#: what that rounding moves it.
ROUNDED_MDES = 5e-3

REFERENCE = Path(__file__).parent / "reference"
#: R's qt/pt and scipy's t/nct agree far beyond this; the issue asks for 1e-6.
R_TOLERANCE = 1e-6


@pytest.mark.parametrize(
    ("design", "published"),
    [
        (PowerDesign("cra2", n=15, clusters=20, icc2=0.17), 0.629),  # man/cra2.Rd
        (PowerDesign("ira", n=200), 0.398),  # mdes.ira(n=200)
        (PowerDesign("bcra3f2", n=20, clusters=44, sites=5, icc2=0.10), 0.145),
        (
            PowerDesign(
                "cra3",
                n=10,
                clusters=2,
                sites=83,
                icc2=0.06,
                icc3=0.18,
                covariates=1,
                r2_1=0.55,
                r2_2=0.50,
                r2_3=0.45,
                treated=0.40,
            ),
            0.230,
        ),  # vignette
    ],
)
def test_powerupr_published_mdes(design: PowerDesign, published: float) -> None:
    assert round(solve_mdes(design).mdes, 3) == published


def test_the_three_level_vignette_in_full() -> None:
    d = PowerDesign(
        "cra3",
        n=10,
        clusters=2,
        sites=83,
        icc2=0.06,
        icc3=0.18,
        covariates=1,
        r2_1=0.55,
        r2_2=0.50,
        r2_3=0.45,
        treated=0.40,
    )
    r = solve_mdes(d)
    assert r.df == 80
    assert round(r.standard_error, 3) == 0.081
    assert solve_power(d, es=0.23).power == pytest.approx(0.80, abs=ROUNDED_MDES)


R_CASES = {
    "ira_n300_r2.3_g2": PowerDesign("ira", n=300, r2_1=0.3, covariates=2),
    "ira_onesided_n120": PowerDesign("ira", n=120, one_sided=True),
    "bira_n40_K4_r2.2": PowerDesign("bira", n=40, sites=4, r2_1=0.2),
    "cra2_n12_J80_icc.05_r2": PowerDesign(
        "cra2", n=12, clusters=80, icc2=0.05, r2_1=0.5, r2_2=0.4, covariates=1
    ),
    "bcra3f2_n11_J20_K4_icc.08": PowerDesign("bcra3f2", n=11, clusters=20, sites=4, icc2=0.08),
    "cra3_n10_J20_K6_icc.05_.02": PowerDesign(
        "cra3", n=10, clusters=20, sites=6, icc2=0.05, icc3=0.02, alpha=0.10
    ),
}


@pytest.mark.parametrize("case", list(R_CASES))
def test_formulas_match_an_independent_computation_in_r(case: str) -> None:
    ref = pd.read_csv(REFERENCE / "power.csv").set_index("case").loc[case]
    d = R_CASES[case]
    m = solve_mdes(d)
    assert m.standard_error == pytest.approx(ref["sse"], rel=R_TOLERANCE)
    assert m.df == ref["df"]
    assert m.mdes == pytest.approx(ref["mdes"], rel=R_TOLERANCE)
    assert solve_power(d, es=0.25).power == pytest.approx(ref["power"], rel=R_TOLERANCE)


def test_size_is_the_smallest_that_reaches_the_power() -> None:
    d = PowerDesign("cra2", n=15, icc2=0.17)
    r = solve_size(d, es=0.629)
    assert r.design.clusters == 20
    assert r.power >= 0.80
    assert solve_power(PowerDesign("cra2", n=15, clusters=19, icc2=0.17), es=0.629).power < 0.80


@pytest.mark.parametrize("design", ["bcra3f2", "cra3"])
def test_size_given_the_sites_is_the_teams_per_site(design: str) -> None:
    d = PowerDesign(design, n=10, sites=6, icc2=0.1, icc3=0.02 if design == "cra3" else 0.0)  # type: ignore[arg-type]
    r = solve_size(d, es=0.5)
    assert r.solved_for == "clusters"
    assert r.design.sites == 6
    assert r.power >= 0.80
    J = r.design.clusters
    assert J is not None
    assert solve_power(replace(d, clusters=J - 1), es=0.5).power < 0.80


def test_size_without_teams_or_sites_says_what_is_missing() -> None:
    with pytest.raises(DesignError, match=r"needs --clusters .* or --sites"):
        solve_size(PowerDesign("bcra3f2", n=10, icc2=0.1), es=0.3)
    with pytest.raises(DesignError, match="needs --cluster-size"):
        solve_size(PowerDesign("cra2", icc2=0.1), es=0.3)


@pytest.mark.parametrize(
    ("d", "message"),
    [
        (
            PowerDesign("bcra3f2", n=10, clusters=6, sites=8, icc2=0.1),
            r"give --sites to solve for the teams per site, or --clusters to solve for the "
            r"number of sites, not both",
        ),
        (
            PowerDesign("cra3", n=10, clusters=6, sites=8, icc2=0.1, icc3=0.02),
            r"or --clusters to solve for the number of sites, not both",
        ),
        (PowerDesign("cra2", n=15, clusters=19, icc2=0.17), r"leave out --clusters: .* teams"),
        (PowerDesign("ira", n=200), r"leave out --n: .* number of people in a ira"),
        (PowerDesign("bira", n=20, sites=8), r"leave out --n: .* people per site"),
    ],
)
def test_size_refuses_a_size_it_would_otherwise_replace(d: PowerDesign, message: str) -> None:
    with pytest.raises(DesignError, match=message):
        solve_size(d, es=0.3)


def test_teams_per_site_cannot_beat_the_variance_between_sites() -> None:
    with pytest.raises(DesignError, match="needs more sites"):
        solve_size(PowerDesign("cra3", n=10, sites=4, icc2=0.05, icc3=0.3), es=0.2)


def test_attrition_unequal_clusters_and_proportions() -> None:
    base = PowerDesign("cra2", n=12, clusters=80, icc2=0.05)
    assert solve_mdes(
        PowerDesign("cra2", n=12, clusters=80, icc2=0.05, attrition=0.25)
    ).mdes == pytest.approx(solve_mdes(PowerDesign("cra2", n=9, clusters=80, icc2=0.05)).mdes)
    # Eldridge (2006): unequal sizes inflate the cluster term by the design effects' ratio.
    unequal = solve_mdes(PowerDesign("cra2", n=12, clusters=80, icc2=0.05, cv=0.6))
    assert unequal.mdes > solve_mdes(base).mdes
    # On the proportion scale, MDES times the control SD sqrt(π(1 - π)).
    r = solve_mdes(base, control_proportion=0.15)
    assert r.mdes_proportion == pytest.approx(r.mdes * (0.15 * 0.85) ** 0.5)


@pytest.mark.parametrize(
    ("design", "message"),
    [
        (PowerDesign("cra2", n=10, clusters=20, icc2=1.2), "icc2 must be at least 0 and below 1"),
        (PowerDesign("ira", n=100, r2_1=1.0), "an R² of 1 leaves nothing to detect"),
        (PowerDesign("cra3", n=10, clusters=5, sites=2, icc3=0.1), "leaves 0 degrees of freedom"),
        (PowerDesign("cra2", n=10, icc2=0.1), "needs --clusters"),
    ],
)
def test_impossible_designs_get_a_clear_error(design: PowerDesign, message: str) -> None:
    with pytest.raises(DesignError, match=message):
        solve_mdes(design)

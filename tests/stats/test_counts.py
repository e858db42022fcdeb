"""Sickness absence as counts: Poisson and negative binomial with exposure."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hearten.errors import EstimationError
from hearten.stats.counts import CountFit, estimate_counts

#: Zeros a fitted model expects against those one sample has: a goodness-of-fit check (the
#: Poisson model misses by half), not an equality, so a quarter either way.
ZEROS_FIT = 0.25

REFERENCE = Path(__file__).parent / "reference"
#: R's glm keeps the working weights of its last IRLS step, one update behind the final
#: coefficients, which moves its sandwich by a few parts in 10⁷.
R_GLM_TOLERANCE = 1e-6
#: A normal tail's p-value moves by about z times the z statistic's relative change, so the
#: standard errors' few parts in 10⁷ become up to ten times that in the p-value.
R_GLM_P_TOLERANCE = 1e-5


def test_poisson_rate_ratio_is_the_ratio_of_crude_rates_worked_by_hand() -> None:
    # Control: 3 + 5 days over 100 + 100 FTE-days; letters: 2 + 2 over 100 + 150.
    # Rate ratio = (4/250) / (8/200) = 0.4.
    fit = estimate_counts(
        [3, 5, 2, 2], ["c", "c", "t", "t"], "c", [100, 100, 100, 150], family="poisson"
    )
    assert fit.effects[0].rate_ratio == pytest.approx(0.4, rel=1e-10)


@pytest.fixture(scope="module")
def absence() -> pd.DataFrame:
    d = pd.read_csv(REFERENCE / "trial_data.csv")
    return d.join(pd.read_csv(REFERENCE / "absence.csv"))


@pytest.mark.parametrize("case", ["poisson_CL", "poisson_HC0", "negbin_CL", "negbin_HC0"])
def test_counts_match_mass_glm_nb_and_sandwich_vcovcl(absence: pd.DataFrame, case: str) -> None:
    family, robust = case.split("_")
    fit = estimate_counts(
        absence["absence_days"],
        np.where(absence["treat"] == 1, "treat", "control").tolist(),
        "control",
        absence["exposure"],
        {"baseline": absence["baseline"]},
        absence["stratum"].tolist(),
        absence["team"] if robust == "CL" else None,
        family,  # type: ignore[arg-type]
    )
    ref = pd.read_csv(REFERENCE / "counts.csv").query("case == @case")
    np.testing.assert_allclose(fit.coef, ref["estimate"], rtol=R_GLM_TOLERANCE)
    np.testing.assert_allclose(fit.std_error, ref["std_error"], rtol=R_GLM_TOLERANCE)
    effect = fit.effects[0]
    assert effect.p_value == pytest.approx(ref["p_value"].iloc[1], rel=R_GLM_P_TOLERANCE)
    assert effect.rate_ratio == pytest.approx(np.exp(ref["estimate"].iloc[1]), rel=1e-6)
    if family == "negbin":
        assert fit.theta == pytest.approx(ref["theta"].iloc[0], rel=1e-6)


def test_diagnostics_flag_over_dispersion_and_excess_zeros(absence: pd.DataFrame) -> None:
    arm = np.where(absence["treat"] == 1, "treat", "control").tolist()
    poisson = estimate_counts(
        absence["absence_days"], arm, "control", absence["exposure"], family="poisson"
    )
    negbin = estimate_counts(absence["absence_days"], arm, "control", absence["exposure"])
    assert poisson.pearson_dispersion > 3  # the data are negative binomial
    # Poisson expects far fewer zeros than there are; the negative binomial about as many.
    assert poisson.zeros_expected < 0.5 * poisson.zeros_observed
    assert negbin.zeros_expected == pytest.approx(negbin.zeros_observed, rel=ZEROS_FIT)


@pytest.mark.parametrize(
    ("counts", "exposure", "message"),
    [
        ([1, 2, 3, 4], [10, -1, 10, 10], "exposure must be positive"),
        ([1, 2.5, 3, 4], [10, 10, 10, 10], "whole numbers of 0 or more"),
    ],
)
def test_bad_counts_are_refused(counts: list[float], exposure: list[float], message: str) -> None:
    with pytest.raises(EstimationError, match=message):
        estimate_counts(counts, ["c", "t", "c", "t"], "c", exposure)


#: glm.nb stops its alternation at a relative change of 1e-10 in deviance (the committed
#: script's control); the fits here run to 1e-11 in θ, so the two agree to a few parts in 10⁷
#: (the absolute part covers coefficients near zero).
GLM_NB_TOLERANCE = 2e-6
GLM_NB_ABSOLUTE = 1e-8
#: MASS::theta.ml stops when its Newton step is under 1.2e-4 and reports the information
#: from before that step, so glm.nb's SE.theta sits a few parts in 10⁴ from the SE at θ̂.
THETA_SE_TOLERANCE = 1e-3


def _reference(case: str) -> pd.DataFrame:
    return pd.read_csv(REFERENCE / "negbin.csv").query("case == @case")


def _assert_matches_glm_nb(fit: CountFit, case: str) -> None:
    ref = _reference(case)
    np.testing.assert_allclose(
        fit.coef, ref["estimate"], rtol=GLM_NB_TOLERANCE, atol=GLM_NB_ABSOLUTE
    )
    np.testing.assert_allclose(fit.std_error, ref["std_error"], rtol=GLM_NB_TOLERANCE)
    assert fit.theta == pytest.approx(ref["theta"].iloc[0], rel=GLM_NB_TOLERANCE)
    assert fit.theta_se == pytest.approx(ref["theta_se"].iloc[0], rel=THETA_SE_TOLERANCE)


@pytest.mark.parametrize("robust", ["CL", "HC0"])
def test_negative_binomial_fits_the_epilepsy_seizure_counts_as_glm_nb_does(robust: str) -> None:
    epil = pd.read_csv(REFERENCE / "epil.csv")
    fit = estimate_counts(
        epil["y"],
        epil["trt"].tolist(),
        "placebo",
        np.ones(len(epil)),
        {"lbase": epil["lbase"], "lage": epil["lage"], "V4": epil["V4"]},
        cluster=epil["subject"] if robust == "CL" else None,
    )
    assert fit.family == "negbin"
    assert fit.note is None
    _assert_matches_glm_nb(fit, f"epil_{robust}")


@pytest.fixture(scope="module")
def ships() -> pd.DataFrame:
    d = pd.read_csv(REFERENCE / "ships.csv").query("service > 0")
    return d.assign(period=d["period"].astype(str), year=d["year"].astype(str))


@pytest.mark.parametrize("robust", ["CL", "HC0"])
def test_negative_binomial_fits_ship_damage_with_service_as_exposure(
    ships: pd.DataFrame, robust: str
) -> None:
    fit = estimate_counts(
        ships["incidents"],
        ships["period"].tolist(),
        "60",
        ships["service"],
        strata=ships["year"].tolist(),
        cluster=ships["type"] if robust == "CL" else None,
    )
    _assert_matches_glm_nb(fit, f"ships_{robust}")


def test_counts_without_over_dispersion_get_the_poisson_fit_and_say_why(
    ships: pd.DataFrame,
) -> None:
    # With ship type as a covariate glm.nb runs to its iteration limit (θ ≈ 52550, SE ≈ 566000).
    types = {f"type{t}": (ships["type"] == t).astype(float) for t in "BCDE"}
    fit = estimate_counts(
        ships["incidents"],
        ships["period"].tolist(),
        "60",
        ships["service"],
        types,
        ships["year"].tolist(),
    )
    assert fit.family == "poisson"
    assert fit.theta is None
    assert fit.theta_se is None
    assert fit.note is not None
    assert "no over-dispersion beyond Poisson" in fit.note
    ref = _reference("ships_boundary_poisson_HC0")
    r_names = [t.replace("year", "stratum[").replace("factor(period)", "") for t in ref["term"]]
    r_names = [f"{t}]" if t.startswith("stratum[") else t for t in r_names]
    ours = dict(zip(fit.names, zip(fit.coef, fit.std_error, strict=True), strict=True))
    mine = np.array([ours[t] for t in r_names])
    reference = ref[["estimate", "std_error"]].to_numpy()
    np.testing.assert_allclose(mine, reference, rtol=R_GLM_TOLERANCE)


BATTERY_FILES = [
    f"{scenario}_{rep}"
    for scenario in ("many_zeros", "long_spells", "small_offices", "small_offices_long_spells")
    for rep in (1, 2, 3)
]


@pytest.fixture(scope="module")
def battery() -> pd.DataFrame:
    return pd.read_csv(REFERENCE / "absence_battery.csv")


@pytest.mark.parametrize("file", BATTERY_FILES)
def test_negative_binomial_matches_glm_nb_on_simulated_absence_files(
    battery: pd.DataFrame, file: str
) -> None:
    d = battery.query("file == @file")
    fit = estimate_counts(
        d["absence_days"],
        np.where(d["treat"] == 1, "treat", "control").tolist(),
        "control",
        d["exposure"],
        {"prior": d["prior"]},
        d["stratum"].tolist(),
        d["office"],
    )
    _assert_matches_glm_nb(fit, f"{file}_CL")


def test_poisson_counts_sit_on_the_boundary_and_are_fitted_as_poisson() -> None:
    # Under-dispersed counts (every person 2 or 3 days): θ → ∞, so the Poisson fit stands.
    y = [2, 3, 2, 3, 2, 3, 3, 2]
    fit = estimate_counts(y, ["c", "t"] * 4, "c", [100.0] * 8)
    poisson = estimate_counts(y, ["c", "t"] * 4, "c", [100.0] * 8, family="poisson")
    assert fit.family == "poisson"
    assert fit.note is not None
    assert fit.coef == poisson.coef
    assert fit.std_error == poisson.std_error


def test_where_alternating_creeps_the_profile_likelihood_gives_the_same_fit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # One alternation only, so the fit must come from maximising the profile likelihood.
    import hearten.stats.counts

    monkeypatch.setattr(hearten.stats.counts, "MAX_ALTERNATIONS", 1)
    epil = pd.read_csv(REFERENCE / "epil.csv")
    fit = estimate_counts(
        epil["y"],
        epil["trt"].tolist(),
        "placebo",
        np.ones(len(epil)),
        {"lbase": epil["lbase"], "lage": epil["lage"], "V4": epil["V4"]},
        cluster=epil["subject"],
    )
    _assert_matches_glm_nb(fit, "epil_CL")

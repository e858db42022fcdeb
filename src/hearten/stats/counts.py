"""Counts with exposure: sickness-absence days or spells, as Poisson or negative binomial GLMs.

The model is ``log E[y] = log(exposure) + a + Σ_j τ_j T_j + X β + strata``, so ``exp(τ_j)``
is the rate ratio of arm ``j`` against control (absence days per FTE-day employed, when
exposure is FTE × days employed in the follow-up window). Fitted with statsmodels:

* Poisson: ``GLM(family=Poisson, offset=log exposure)``;
* negative binomial (NB2, variance ``μ + μ²/θ``): fitted as R's ``MASS::glm.nb`` does
  (Venables and Ripley 2002, §7.4): start from the Poisson fit; estimate ``θ`` by maximum
  likelihood given the fitted means (Newton's method from the moment estimate
  ``n / Σ (y/μ̂ - 1)²``, as ``MASS::theta.ml``, falling back to a bounded one-dimensional
  search of the log-likelihood in ``log θ`` when Newton's steps leave the positive axis or
  stall); refit the coefficients by IRLS with ``θ`` fixed; alternate until the
  log-likelihood and ``θ`` settle (where the likelihood is so flat in ``θ`` that alternating
  creeps, the profile likelihood is maximised over ``log θ`` instead). The robust variance
  treats ``θ`` as known, like ``sandwich::vcovCL`` on a ``glm.nb`` fit. ``θ``'s standard
  error is ``MASS``'s, from the expected information of ``θ`` alone.

  When the counts show no over-dispersion beyond Poisson, the maximum-likelihood ``θ`` is
  infinite (the negative binomial tends to the Poisson): the score statistic
  ``Σ ((y - μ̂)² - y)`` at the Poisson fit is then at most zero (Cameron and Trivedi 1990),
  or the likelihood is still rising at ``θ = 10⁸``. The Poisson fit is reported, with a note
  saying why (``glm.nb`` instead warns that its iteration limit was reached and returns an
  arbitrary large ``θ``).

Errors are cluster-robust by the randomised unit with the ``G/(G-1)`` factor (sandwich's
``vcovCL`` default for GLMs, and Stata's for non-linear models; no ``(n-1)/(n-k)`` factor) or,
unclustered, the HC0 sandwich; intervals and tests are normal. The sandwich is computed here,
as R's ``sandwich`` does (:func:`hearten.stats.vcov.glm_sandwich`: expected information,
where statsmodels uses the observed Hessian, which differs for the negative binomial's
non-canonical log link).

Diagnostics: the Pearson dispersion ``Σ (y - μ̂)²/μ̂ / (n - k)`` of the Poisson fit (well
above 1 means over-dispersion: prefer the negative binomial), and zeros observed against
zeros the fitted model expects (``Σ e^(-μ̂)`` for Poisson, ``Σ (θ/(θ + μ̂))^θ`` for the
negative binomial): many more observed than expected suggests zero inflation.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args

import numpy as np
import statsmodels.api as sm
from numpy.typing import ArrayLike, NDArray
from scipy import optimize, special
from scipy import stats as sps
from statsmodels.tools.sm_exceptions import ConvergenceWarning

from hearten.errors import EstimationError
from hearten.stats.estimate import cluster_codes, design_matrix, treatment_columns
from hearten.stats.vcov import glm_sandwich

CountFamily = Literal["poisson", "negbin"]
COUNT_FAMILIES: tuple[CountFamily, ...] = get_args(CountFamily)

#: Above this ``θ`` the negative binomial is the Poisson to every digit a report shows
#: (``μ²/θ`` is under 10⁻⁴ of ``μ`` for counts up to 10⁴): treated as the Poisson boundary.
THETA_POISSON = 1e8
#: Alternations of IRLS and the ``θ`` step (``glm.nb``'s ``maxit`` is 25; tighter tolerance
#: here needs a few more); beyond them the profile likelihood is maximised directly.
MAX_ALTERNATIONS = 100
#: Convergence of the alternation: relative change of ``θ`` and of the log-likelihood.
ALTERNATION_TOLERANCE = 1e-11


@dataclass(frozen=True, slots=True)
class RateRatio:
    """One arm's effect on the rate: ``log_rr`` and its SE, the rate ratio and its interval."""

    term: str
    log_rr: float
    std_error: float
    statistic: float
    p_value: float
    rate_ratio: float
    conf_low: float
    conf_high: float


@dataclass(frozen=True, slots=True)
class CountFit:
    """A count model of each arm against control.

    Attributes:
        family: ``poisson`` or ``negbin``.
        effects: one :class:`RateRatio` per non-control arm.
        names, coef, std_error: every coefficient (log scale).
        theta: the negative binomial's ``θ`` (``None`` for Poisson, and when the negative
            binomial was asked for but the data sit on the Poisson boundary, ``θ → ∞``).
        theta_se: ``θ``'s standard error (``MASS::glm.nb``'s ``SE.theta``), or ``None``.
        note: why the fit differs from the family asked for (the Poisson boundary), or ``None``.
        pearson_dispersion: Pearson χ²/df of the Poisson fit (over-dispersion above 1).
        zeros_observed, zeros_expected: observed zeros and those the fitted model expects.
        n, n_clusters, alpha: sample, clusters (``None`` unclustered), significance level.
    """

    family: CountFamily
    effects: tuple[RateRatio, ...]
    names: tuple[str, ...]
    coef: tuple[float, ...]
    std_error: tuple[float, ...]
    theta: float | None
    theta_se: float | None
    note: str | None
    pearson_dispersion: float
    zeros_observed: int
    zeros_expected: float
    n: int
    n_clusters: int | None
    alpha: float


def estimate_counts(
    outcome: ArrayLike,
    arm: Sequence[str],
    control: str,
    exposure: ArrayLike,
    covariates: Mapping[str, ArrayLike] | None = None,
    strata: Sequence[str] | None = None,
    cluster: ArrayLike | None = None,
    family: CountFamily = "negbin",
    alpha: float = 0.05,
) -> CountFit:
    """Rate ratios of each arm against control (module docstring)."""
    if family not in COUNT_FAMILIES:
        raise EstimationError(f"unknown count family {family!r}: choose poisson or negbin")
    y = np.asarray(outcome, dtype=np.float64)
    e = np.asarray(exposure, dtype=np.float64)
    if np.any(y < 0) or np.any(y != np.round(y)):
        raise EstimationError("a count outcome must be whole numbers of 0 or more")
    if e.shape != y.shape or np.any(~np.isfinite(e)) or np.any(e <= 0):
        raise EstimationError(
            "exposure must be positive for everyone (e.g. FTE × days employed in the "
            "follow-up window); drop people with no time at risk"
        )
    treat = treatment_columns(arm, control)
    X, names = design_matrix(len(y), treat, covariates, strata)
    codes = cluster_codes(cluster, len(y))
    if codes is not None and codes.max() < 1:
        raise EstimationError("cluster-robust errors need at least two clusters")
    offset = np.log(e)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        try:
            poisson = sm.GLM(y, X, family=sm.families.Poisson(), offset=offset).fit(tol=1e-12)
            fit, theta, theta_se, note = poisson, None, None, None
            if family == "negbin":
                fit, theta, theta_se, note = fit_negbin(y, X, offset, poisson)
        except (ConvergenceWarning, np.linalg.LinAlgError, ValueError) as exc:
            raise EstimationError(f"the {family} model did not converge: {exc}") from None
    if theta is None:
        family = "poisson"
    mu_p = poisson.fittedvalues
    dispersion = float(np.sum((y - mu_p) ** 2 / mu_p) / (len(y) - len(names)))
    mu = fit.fittedvalues
    expected = (np.exp(-mu) if theta is None else (theta / (theta + mu)) ** theta).sum()
    G = None if codes is None else int(codes.max()) + 1
    variance = mu if theta is None else mu + mu**2 / theta
    mu = np.asarray(mu)
    bse = np.sqrt(np.diag(glm_sandwich(X, y, mu, mu, np.asarray(variance), codes)))
    z = sps.norm.ppf(1 - alpha / 2)
    effects = []
    for a in treat:
        i = names.index(a)
        b, se = float(fit.params[i]), float(bse[i])
        effects.append(
            RateRatio(
                a,
                b,
                se,
                b / se,
                float(2 * sps.norm.sf(abs(b / se))),
                float(np.exp(b)),
                float(np.exp(b - z * se)),
                float(np.exp(b + z * se)),
            )
        )
    return CountFit(
        family=family,
        effects=tuple(effects),
        names=tuple(names),
        coef=tuple(float(v) for v in fit.params),
        std_error=tuple(float(v) for v in bse),
        theta=theta,
        theta_se=theta_se,
        note=note,
        pearson_dispersion=dispersion,
        zeros_observed=int(np.sum(y == 0)),
        zeros_expected=float(expected),
        n=len(y),
        n_clusters=G,
        alpha=alpha,
    )


def _nb_loglik(y: NDArray[np.float64], mu: NDArray[np.float64], theta: float) -> float:
    """The NB2 log-likelihood (``MASS::glm.nb``'s ``loglik``)."""
    return float(
        np.sum(
            special.gammaln(theta + y)
            - special.gammaln(theta)
            - special.gammaln(y + 1)
            + theta * np.log(theta)
            + y * np.log(mu + (y == 0))
            - (theta + y) * np.log(theta + mu)
        )
    )


def _theta_info(y: NDArray[np.float64], mu: NDArray[np.float64], theta: float) -> float:
    """Observed information of ``θ`` given the means (``MASS::theta.ml``'s ``info``)."""
    return float(
        np.sum(
            -special.polygamma(1, theta + y)
            + special.polygamma(1, theta)
            - 1 / theta
            + 2 / (mu + theta)
            - (y + theta) / (mu + theta) ** 2
        )
    )


def _theta_ml(y: NDArray[np.float64], mu: NDArray[np.float64]) -> float:
    """Maximum-likelihood ``θ`` given the means: ``MASS::theta.ml``'s Newton steps from the
    moment estimate, or a bounded search in ``log θ`` when they fail; ``inf`` at the Poisson
    boundary (the likelihood still rising at :data:`THETA_POISSON`)."""
    theta = len(y) / float(np.sum((y / mu - 1) ** 2))
    for _ in range(100):
        score = float(
            np.sum(
                special.digamma(theta + y)
                - special.digamma(theta)
                + np.log(theta)
                + 1
                - np.log(theta + mu)
                - (y + theta) / (mu + theta)
            )
        )
        info = _theta_info(y, mu, theta)
        if not (np.isfinite(score) and np.isfinite(info) and info > 0):
            break
        step = score / info
        if not theta + step > 0 or theta + step > THETA_POISSON:
            break
        theta += step
        if abs(step) <= 1e-12 * theta:
            return theta
    # Newton left the positive axis, stalled or ran away: the log-likelihood in log θ is
    # smooth and single-peaked in practice, so a bounded scalar search finds its top.
    found = optimize.minimize_scalar(
        lambda s: -_nb_loglik(y, mu, float(np.exp(s))),
        bounds=(np.log(1e-8), np.log(THETA_POISSON)),
        method="bounded",
        options={"xatol": 1e-12},
    )
    theta = float(np.exp(found.x))
    return np.inf if theta > THETA_POISSON / 2 else theta


def fit_negbin(
    y: NDArray[np.float64],
    X: NDArray[np.float64],
    offset: NDArray[np.float64],
    poisson: Any,
) -> tuple[Any, float | None, float | None, str | None]:
    """``MASS::glm.nb``'s alternation (module docstring): the GLM fit, ``θ``, its SE and a
    note; the Poisson fit and ``θ = None`` at the Poisson boundary."""
    boundary = (
        "no over-dispersion beyond Poisson (the negative binomial's θ is infinite): "
        "the Poisson fit is reported"
    )
    mu = np.asarray(poisson.fittedvalues)
    if np.sum((y - mu) ** 2 - y) <= 0:
        return poisson, None, None, boundary
    theta = _theta_ml(y, mu)
    if not np.isfinite(theta):
        return poisson, None, None, boundary
    params = poisson.params
    loglik = _nb_loglik(y, mu, theta)

    def glm(theta: float, start: Any) -> Any:
        family = sm.families.NegativeBinomial(alpha=1.0 / theta)
        return sm.GLM(y, X, family=family, offset=offset).fit(start_params=start, tol=1e-12)

    def finish(theta: float, start: Any) -> tuple[Any, float, float | None, None]:
        fit = glm(theta, start)
        info = _theta_info(y, np.asarray(fit.fittedvalues), theta)
        return fit, theta, (float(np.sqrt(1 / info)) if info > 0 else None), None

    for _ in range(MAX_ALTERNATIONS):
        fit = glm(theta, params)
        params, mu = fit.params, np.asarray(fit.fittedvalues)
        previous, theta = theta, _theta_ml(y, mu)
        if not np.isfinite(theta):
            return poisson, None, None, boundary
        before, loglik = loglik, _nb_loglik(y, mu, theta)
        if abs(previous - theta) <= ALTERNATION_TOLERANCE * theta and abs(
            before - loglik
        ) <= ALTERNATION_TOLERANCE * max(1.0, abs(loglik)):
            return finish(theta, params)
    # Alternating creeps where the likelihood is flat in θ: maximise the profile likelihood
    # (the coefficients refitted at each θ) over log θ around where the alternation got to.
    start = params

    def negative_profile(s: float) -> float:
        th = float(np.exp(s))
        return -_nb_loglik(y, np.asarray(glm(th, start).fittedvalues), th)

    centre = float(np.log(theta))
    found = optimize.minimize_scalar(
        negative_profile,
        bounds=(centre - 3.0, centre + 3.0),
        method="bounded",
        options={"xatol": 1e-10},
    )
    if abs(found.x - centre) > 2.99:
        raise EstimationError(
            f"the negative binomial's θ did not settle (last θ = {theta:.4g}): the likelihood "
            "is flat in θ; fit --family poisson instead"
        )
    return finish(float(np.exp(found.x)), start)

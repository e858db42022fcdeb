"""Pooling estimates across sites or trials: fixed- and random-effects meta-analysis.

Between-study variance ``τ²`` by DerSimonian–Laird or Paule–Mandel (from statsmodels'
``combine_effects``) or REML (written here because statsmodels does not offer it: the
restricted log-likelihood ``-½[Σ log(v_i + τ²) + log Σ w_i + Σ w_i (y_i - μ̂)²]`` with
``w_i = 1/(v_i + τ²)`` is maximised over ``τ² ≥ 0``). Then, as metafor's ``rma``:

* pooled ``μ̂ = Σ w_i y_i / Σ w_i`` with ``SE = (Σ w_i)^(-1/2)``, normal interval; or with
  Hartung–Knapp, ``SE² = Σ w_i (y_i - μ̂)² / ((k - 1) Σ w_i)`` and a t interval on ``k - 1``
  df (recommended with few studies: IntHout et al. 2014);
* ``Q = Σ (y_i - μ̂_FE)² / v_i`` on ``k - 1`` df; ``I² = τ² / (τ² + s²)`` and
  ``H² = (τ² + s²) / s²`` with the typical within-study variance
  ``s² = (k - 1) Σ (1/v_i) / [(Σ 1/v_i)² - Σ 1/v_i²]`` (Higgins and Thompson 2002);
* the prediction interval for a new site ``μ̂ ± c · sqrt(SE² + τ²)``, with ``c`` from the t
  distribution on ``k - 1`` df under Hartung–Knapp and the normal otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import optimize
from scipy import stats as sps
from statsmodels.stats.meta_analysis import combine_effects

from hearten.errors import EstimationError
from hearten.stats.estimate import TermEstimate, estimate_itt
from hearten.stats.vcov import VcovType

Tau2Method = Literal["reml", "dl", "pm", "fe"]
TAU2_METHODS: tuple[Tau2Method, ...] = get_args(Tau2Method)


@dataclass(frozen=True, slots=True)
class StudyRow:
    """One study (site or trial) and its weight in the pooled estimate, for a forest plot."""

    label: str
    estimate: float
    std_error: float
    conf_low: float
    conf_high: float
    weight: float  # share of the pooled estimate, summing to 1


@dataclass(frozen=True, slots=True)
class MetaAnalysis:
    """A pooled estimate.

    Attributes:
        method: how ``τ²`` was estimated (``fe``: none, a fixed-effect model).
        hartung_knapp: whether the Hartung–Knapp interval and t test were used.
        estimate, std_error, conf_low, conf_high, p_value: the pooled effect.
        df: degrees of freedom of the t test (``k - 1``), or ``None`` for a z test.
        tau2: between-study variance; ``tau``: its square root.
        i2, h2: heterogeneity (I² as a proportion, 0–1).
        q, q_df, q_p_value: Cochran's Q test of homogeneity.
        pred_low, pred_high: prediction interval for a new study (``None`` for ``fe``).
        k: number of studies. alpha: significance level.
        studies: each study with its weight.
    """

    method: Tau2Method
    hartung_knapp: bool
    estimate: float
    std_error: float
    conf_low: float
    conf_high: float
    p_value: float
    df: float | None
    tau2: float
    tau: float
    i2: float
    h2: float
    q: float
    q_df: int
    q_p_value: float
    pred_low: float | None
    pred_high: float | None
    k: int
    alpha: float
    studies: tuple[StudyRow, ...]


def _reml_tau2(y: NDArray[np.float64], v: NDArray[np.float64]) -> float:
    def neg_restricted_loglik(log_scale: float) -> float:
        tau2 = np.expm1(log_scale)  # τ² = e^s - 1 keeps τ² ≥ 0 with an unbounded search
        w = 1.0 / (v + tau2)
        mu = np.sum(w * y) / np.sum(w)
        return float(np.sum(np.log(v + tau2)) + np.log(np.sum(w)) + np.sum(w * (y - mu) ** 2))

    upper = np.log1p(100.0 * max(float(np.var(y, ddof=1)), float(np.max(v))))
    best = optimize.minimize_scalar(
        neg_restricted_loglik, bounds=(0.0, upper), method="bounded", options={"xatol": 1e-14}
    )
    tau2 = float(np.expm1(best.x))
    # The boundary τ² = 0 is a legitimate maximum that the bounded search approaches.
    return 0.0 if neg_restricted_loglik(0.0) <= best.fun else tau2


def meta_analyse(
    estimates: ArrayLike,
    std_errors: ArrayLike,
    labels: Sequence[str] | None = None,
    method: Tau2Method = "reml",
    hartung_knapp: bool = True,
    alpha: float = 0.05,
) -> MetaAnalysis:
    """Pool ``estimates`` with standard errors ``std_errors`` (module docstring).

    Defaults: REML ``τ²`` with the Hartung–Knapp interval, which holds its coverage with the
    handful of sites a staff-wellbeing programme has (IntHout et al. 2014).
    """
    if method not in TAU2_METHODS:
        raise EstimationError(f"unknown method {method!r}: choose {', '.join(TAU2_METHODS)}")
    y = np.asarray(estimates, dtype=np.float64)
    se = np.asarray(std_errors, dtype=np.float64)
    k = len(y)
    if k < 2:
        raise EstimationError(f"pooling needs at least two studies, not {k}")
    if se.shape != y.shape or not (np.all(np.isfinite(y)) and np.all(np.isfinite(se))):
        raise EstimationError("give one finite estimate and standard error per study")
    if np.any(se <= 0):
        raise EstimationError("every standard error must be positive")
    names = list(labels) if labels is not None else [f"study {i + 1}" for i in range(k)]
    v = se**2
    w_fe = 1.0 / v
    mu_fe = float(np.sum(w_fe * y) / np.sum(w_fe))
    q = float(np.sum(w_fe * (y - mu_fe) ** 2))
    if method == "fe":
        tau2 = 0.0
    elif method == "reml":
        tau2 = _reml_tau2(y, v)
    else:
        tau2 = float(combine_effects(y, v, method_re="chi2" if method == "dl" else "iterated").tau2)
    w = 1.0 / (v + tau2)
    mu = float(np.sum(w * y) / np.sum(w))
    if hartung_knapp:
        se_mu = float(np.sqrt(np.sum(w * (y - mu) ** 2) / ((k - 1) * np.sum(w))))
        df: float | None = float(k - 1)
        crit = float(sps.t.ppf(1 - alpha / 2, k - 1))
        # Studies that agree exactly give a Hartung-Knapp SE of zero: the t statistic is
        # infinite (p = 0) unless the pooled effect is itself zero (p = 1), as metafor's knha.
        p = float(2 * sps.t.sf(abs(mu / se_mu), k - 1)) if se_mu > 0 else float(mu == 0)
    else:
        se_mu = float(np.sqrt(1.0 / np.sum(w)))
        df = None
        crit = float(sps.norm.ppf(1 - alpha / 2))
        p = float(2 * sps.norm.sf(abs(mu / se_mu)))
    s2 = (k - 1) * np.sum(w_fe) / (np.sum(w_fe) ** 2 - np.sum(w_fe**2))
    z = float(sps.norm.ppf(1 - alpha / 2))
    studies = tuple(
        StudyRow(
            names[i],
            float(y[i]),
            float(se[i]),
            float(y[i] - z * se[i]),
            float(y[i] + z * se[i]),
            float(w[i] / np.sum(w)),
        )
        for i in range(k)
    )
    pred = None if method == "fe" else crit * float(np.sqrt(se_mu**2 + tau2))
    if method == "fe":  # no τ²: heterogeneity from Q, as metafor reports it
        i2, h2 = max(0.0, (q - (k - 1)) / q) if q > 0 else 0.0, q / (k - 1)
    else:
        i2, h2 = float(tau2 / (tau2 + s2)), float((tau2 + s2) / s2)
    return MetaAnalysis(
        method=method,
        hartung_knapp=hartung_knapp,
        estimate=mu,
        std_error=se_mu,
        conf_low=mu - crit * se_mu,
        conf_high=mu + crit * se_mu,
        p_value=p,
        df=df,
        tau2=tau2,
        tau=float(np.sqrt(tau2)),
        i2=i2,
        h2=h2,
        q=q,
        q_df=k - 1,
        q_p_value=float(sps.chi2.sf(q, k - 1)),
        pred_low=None if pred is None else mu - pred,
        pred_high=None if pred is None else mu + pred,
        k=k,
        alpha=alpha,
        studies=studies,
    )


@dataclass(frozen=True, slots=True)
class SiteEffect:
    """One site's ITT effect, estimated on its own data with the part-1 estimator."""

    site: str
    effect: TermEstimate


def site_effects(
    outcome: ArrayLike,
    arm: Sequence[str],
    control: str,
    site: Sequence[str],
    covariates: Mapping[str, ArrayLike] | None = None,
    cluster: ArrayLike | None = None,
    vcov: VcovType | None = None,
    alpha: float = 0.05,
) -> tuple[SiteEffect, ...]:
    """Each site's ITT of the (single) treated arm, for a forest plot or for pooling.

    Raises:
        EstimationError: a site has people in only one arm, naming it.
    """
    y = np.asarray(outcome, dtype=np.float64)
    arms = np.asarray(arm, dtype=object)
    sites = np.asarray(site, dtype=object)
    clusters = None if cluster is None else np.asarray(cluster)
    covs = {k: np.asarray(v, dtype=np.float64) for k, v in (covariates or {}).items()}
    out = []
    for s in sorted(set(sites.tolist())):
        rows = sites == s
        present = set(arms[rows].tolist())
        if control not in present or len(present) < 2:
            raise EstimationError(
                f"site {s!r} has people in only one arm: it cannot give its "
                "own estimate (pool the others, or analyse without it)"
            )
        fit = estimate_itt(
            y[rows],
            arms[rows].tolist(),
            control,
            {k: v[rows] for k, v in covs.items()} or None,
            cluster=None if clusters is None else clusters[rows],
            vcov=vcov,
            alpha=alpha,
            adjustment="ancova" if covs else "none",
        )
        out.append(SiteEffect(str(s), fit.effects[0]))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class SitePooling:
    """Each site's own effect (``effects``, in site order) and their random-effects pool
    (``pooled``: REML with the Hartung–Knapp interval, each site's weight in its studies)."""

    effects: tuple[SiteEffect, ...]
    pooled: MetaAnalysis


def pool_sites(
    outcome: ArrayLike,
    arm: Sequence[str],
    control: str,
    site: Sequence[str],
    covariates: Mapping[str, ArrayLike] | None = None,
    cluster: ArrayLike | None = None,
    vcov: VcovType | None = None,
    alpha: float = 0.05,
) -> SitePooling:
    """Each site's ITT (:func:`site_effects`) pooled by :func:`meta_analyse`: the one site
    analysis the trial report and ``hearten analyse --by-site`` share.

    Raises:
        EstimationError: a site cannot give its own estimate, or the pool cannot be fitted.
    """
    effects = site_effects(outcome, arm, control, site, covariates, cluster, vcov, alpha)
    pooled = meta_analyse(
        [e.effect.estimate for e in effects],
        [e.effect.std_error for e in effects],
        [e.site for e in effects],
        alpha=alpha,
    )
    return SitePooling(effects, pooled)

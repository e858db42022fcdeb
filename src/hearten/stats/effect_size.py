"""Standardised effect sizes: Hedges' g with the What Works Clearinghouse cluster adjustment.

Hand-written because no maintained Python library implements Hedges (2007)'s estimator for
cluster-randomised designs as the WWC Procedures and Standards Handbook (v5.0, 2022,
Appendix E) applies it. With ``N`` people in ``N_T`` treated and ``N_C`` control, average
cluster size ``n`` and intraclass correlation ``ρ``:

* ``d_T = (β / S) · γ`` with ``γ = sqrt(1 - 2(n - 1)ρ / (N - 2))``, where ``β`` is the
  (covariate-adjusted) difference in means and ``S`` the pooled within-arm standard deviation
  of the outcome;
* ``h = [(N - 2) - 2(n - 1)ρ]² / [(N - 2)(1 - ρ)² + n(N - 2n)ρ² + 2(N - 2n)ρ(1 - ρ)]``
  (WWC eq. E.21), and the small-sample correction ``ω = 1 - 3 / (4h - 1)``;
* ``g = ω · d_T``, with variance
  ``ω² · [ (N_T + N_C)/(N_T N_C) · (1 + (n - 1)ρ)
  + d_T² · ((N - 2)(1 - ρ)² + n(N - 2n)ρ² + 2(N - 2n)ρ(1 - ρ)) / (2(N - 2)((N - 2) - 2(n - 1)ρ)) ]``
  (Hedges 2007);
* the confidence interval is ``g ± z · SE(g)`` (:func:`hedges_g`: WWC's large-sample
  interval, which ignores the covariates and the variance estimator of the planned model).

With ``ρ = 0`` (or clusters of one) this is the ordinary Hedges' g with
``ω = 1 - 3/(4N - 9)``.

When ``S`` is not a pooled SD but a model's estimate of the total SD (a stepped-wedge
trial's mixed model: ``√(τ² + γ² + σ²)``, free of the period effects a pooled SD would
include), it is not biased by the clustering the way a pooled SD is, so ``γ = 1``
(``sd_is_total``); the small-sample correction ``ω`` and the variance are as above.

Reports use :func:`on_planned_interval` instead: the same point, with the planned model's
standard error and interval multiplied by the same factor ``ω · γ / S`` that takes the
estimate to g (the Education Endowment Foundation's practice), so g's interval excludes zero
exactly when the primary analysis's does.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import special

from hearten.errors import EstimationError


@dataclass(frozen=True, slots=True)
class EffectSize:
    """Hedges' g for one arm against control.

    Attributes:
        g: the bias-corrected standardised mean difference.
        std_error: its standard error.
        conf_low, conf_high: the ``1 - alpha`` confidence interval.
        sd_pooled: the standard deviation ``S`` used to standardise (pooled within arms, or
            a model's total SD).
        icc: the intraclass correlation used (0 when unclustered).
        avg_cluster_size: the average cluster size ``n`` (1 when unclustered).
        correction: the small-sample correction ``ω``.
        alpha: significance level of the interval.
        scale: the factor ``ω · γ / S`` that takes a raw-scale difference to g.
    """

    g: float
    std_error: float
    conf_low: float
    conf_high: float
    sd_pooled: float
    icc: float
    avg_cluster_size: float
    correction: float
    alpha: float
    scale: float


def pooled_sd(outcome_t: ArrayLike, outcome_c: ArrayLike) -> float:
    """The pooled within-arm standard deviation of two samples."""
    t = np.asarray(outcome_t, dtype=np.float64)
    c = np.asarray(outcome_c, dtype=np.float64)
    if len(t) < 2 or len(c) < 2:
        raise EstimationError("each arm needs at least two outcomes for a pooled SD")
    var = ((len(t) - 1) * t.var(ddof=1) + (len(c) - 1) * c.var(ddof=1)) / (len(t) + len(c) - 2)
    return float(np.sqrt(var))


def icc_anova(outcome: ArrayLike, cluster: ArrayLike, arm: ArrayLike) -> float:
    """One-way ANOVA intraclass correlation of clusters nested in arms, truncated at 0.

    ``ρ = (MSB - MSW) / (MSB + (n₀ - 1) MSW)``, with between-cluster mean squares taken
    within arms (so the treatment effect is not counted as clustering) and ``n₀`` the
    ANOVA-weighted average cluster size.
    """
    d = pd.DataFrame(
        {"y": np.asarray(outcome, dtype=np.float64), "c": np.asarray(cluster), "a": np.asarray(arm)}
    )
    sizes = d.groupby("c")["y"].size()
    N, J = len(d), len(sizes)
    n_arms = d["a"].nunique()
    if J - n_arms < 1 or N - J < 1:
        raise EstimationError("too few clusters or people to estimate an ICC")
    cluster_mean = d.groupby("c")["y"].transform("mean")
    arm_mean = d.groupby("a")["y"].transform("mean")
    msw = float(((d["y"] - cluster_mean) ** 2).sum()) / (N - J)
    msb = float(((cluster_mean - arm_mean) ** 2).sum()) / (J - n_arms)
    if (d.groupby("c")["a"].nunique() > 1).any():
        raise EstimationError(
            "a cluster has people in more than one arm: clusters must be the randomised units"
        )
    arm_of = d.groupby("c")["a"].first()
    arm_sizes = d.groupby("a")["y"].size()
    squares_over_arm = sum(
        float((sizes[arm_of == a] ** 2).sum()) / arm_sizes[a] for a in arm_sizes.index
    )
    n0 = (N - squares_over_arm) / (J - n_arms)
    rho = (msb - msw) / (msb + (n0 - 1.0) * msw)
    return float(min(max(rho, 0.0), 1.0 - 1e-12))


def hedges_g(
    estimate: float,
    sd_pooled: float,
    n_treated: int,
    n_control: int,
    icc: float = 0.0,
    avg_cluster_size: float = 1.0,
    alpha: float = 0.05,
    sd_is_total: bool = False,
) -> EffectSize:
    """Hedges' g from a raw-scale effect, with the WWC cluster adjustment (module docstring;
    ``sd_is_total``: ``sd_pooled`` is a model's estimate of the total SD, so ``γ = 1``)."""
    if sd_pooled <= 0 or not np.isfinite(sd_pooled):
        raise EstimationError("the outcome has no spread: a standardised effect is undefined")
    if not 0.0 <= icc < 1.0:
        raise EstimationError(f"the ICC must be in [0, 1), not {icc}")
    N = n_treated + n_control
    n, rho = float(avg_cluster_size), float(icc)
    if 2 * n >= N or n < 1:
        raise EstimationError("too few clusters for a cluster-adjusted effect size")
    gamma2 = 1.0 if sd_is_total else 1.0 - 2.0 * (n - 1.0) * rho / (N - 2.0)
    spread = (N - 2) * (1 - rho) ** 2 + n * (N - 2 * n) * rho**2 + 2 * (N - 2 * n) * rho * (1 - rho)
    h = ((N - 2) - 2 * (n - 1) * rho) ** 2 / spread
    omega = 1.0 - 3.0 / (4.0 * h - 1.0)
    d_t = estimate / sd_pooled * np.sqrt(gamma2)
    var_d = (N / (n_treated * n_control)) * (1 + (n - 1) * rho) + d_t**2 * spread / (
        2 * (N - 2) * ((N - 2) - 2 * (n - 1) * rho)
    )
    g = omega * d_t
    se = omega * np.sqrt(var_d)
    z = special.ndtri(1.0 - alpha / 2.0)
    return EffectSize(
        g=float(g),
        std_error=float(se),
        conf_low=float(g - z * se),
        conf_high=float(g + z * se),
        sd_pooled=float(sd_pooled),
        icc=rho,
        avg_cluster_size=n,
        correction=float(omega),
        alpha=alpha,
        scale=float(omega * np.sqrt(gamma2) / sd_pooled),
    )


def on_planned_interval(
    size: EffectSize, std_error: float, conf_low: float, conf_high: float
) -> EffectSize:
    """``size`` with its standard error and interval replaced by the planned model's, put
    on g's scale by the same factor as the point (``ω · γ / S``, small-sample correction
    included), so the interval excludes zero exactly when the model's does.

    An infinite limit (a one-sided interval) stays infinite.
    """
    k = size.scale
    return replace(
        size,
        std_error=float(std_error * k),
        conf_low=float(conf_low * k),
        conf_high=float(conf_high * k),
    )


def standardised_effect(
    estimate: float,
    outcome: ArrayLike,
    arm: ArrayLike,
    control: str,
    cluster: ArrayLike | None = None,
    alpha: float = 0.05,
) -> EffectSize:
    """Hedges' g of a raw-scale ``estimate`` from the outcomes it was estimated on: the one
    definition the trial report and ``hearten analyse`` both use.

    Rows whose ``arm`` is not ``control`` are the treated; the SD is pooled over treated and
    control (:func:`pooled_sd`). With ``cluster``, the WWC adjustment at the ANOVA ICC of
    clusters within arms (:func:`icc_anova`) and the average cluster size (rows per cluster).

    Raises:
        EstimationError: the outcome has no spread, or too few clusters.
    """
    y = np.asarray(outcome, dtype=np.float64)
    a = np.asarray(arm)
    treated, untreated = y[a != control], y[a == control]
    sd = pooled_sd(treated, untreated)
    if cluster is None:
        return hedges_g(estimate, sd, len(treated), len(untreated), alpha=alpha)
    clusters = np.asarray(cluster)
    rho = icc_anova(y, clusters, a)
    size = len(y) / len(np.unique(clusters))
    return hedges_g(estimate, sd, len(treated), len(untreated), rho, size, alpha)

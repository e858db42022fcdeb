"""Inference for staggered-adoption effects from their influence functions: clustered
covariances, the multiplier bootstrap for uniform bands and the pre-trend Wald test.

Hand-written because the estimator's library (``csdid``) draws its bootstrap from numpy's
global random state and clusters only through its own data frame; these take an explicit
generator and any cluster labels, and follow R ``did``'s ``mboot`` and ``att_gt`` formulas
(Callaway and Sant'Anna 2021, section 4; the ``did`` package's source).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import stats

MAMMEN_HIGH = (1 + np.sqrt(5)) / 2
MAMMEN_LOW = (1 - np.sqrt(5)) / 2
MAMMEN_P = (1 + np.sqrt(5)) / (2 * np.sqrt(5))


@dataclass(frozen=True, slots=True)
class PreTrendTest:
    """The Wald test that every pre-period ``ATT(g,t)`` is zero: ``statistic`` is χ² with
    ``df`` degrees of freedom (the number of pre-period cells), ``p_value`` its upper tail.
    ``None`` fields with ``reason`` when it cannot be computed (no pre-period cells, or
    fewer clusters than cells make the covariance singular)."""

    statistic: float | None
    df: int
    p_value: float | None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Bootstrap:
    """Bootstrap standard errors (``ses``) and the sup-t ``critical_value`` of a family."""

    ses: NDArray[np.float64]
    critical_value: float


def multiplier_bootstrap(
    influence: NDArray[np.float64],
    clusters: NDArray[np.int64],
    *,
    rng: np.random.Generator,
    draws: int,
    alpha: float,
) -> Bootstrap:
    """``did``'s ``mboot``: Mammen multipliers, one per cluster, on the cluster means of the
    unit influence functions (``influence`` is units × estimates). Standard errors are the
    interquartile range of the draws over ``qnorm(.75) − qnorm(.25)`` divided by
    ``√clusters``; the critical value is the ``1 − alpha`` quantile of the largest absolute
    t across the family (type-1 quantiles, as R)."""
    codes = np.unique(clusters, return_inverse=True)[1]
    sizes = np.bincount(codes)
    k = influence.shape[1]
    means = np.zeros((sizes.size, k))
    np.add.at(means, codes, influence)
    means /= sizes[:, None]
    m = sizes.size
    v = np.where(rng.random((draws, m)) < MAMMEN_P, MAMMEN_LOW, MAMMEN_HIGH)
    bres = np.sqrt(m) * (v @ means) / m
    q75 = np.quantile(bres, 0.75, axis=0, method="inverted_cdf")
    q25 = np.quantile(bres, 0.25, axis=0, method="inverted_cdf")
    sigma = (q75 - q25) / (stats.norm.ppf(0.75) - stats.norm.ppf(0.25))
    ok = np.isfinite(sigma) & (sigma > np.sqrt(np.finfo(float).eps) * 10)
    if not ok.any():
        return Bootstrap(ses=np.full(k, np.nan), critical_value=float("nan"))
    t_max = np.max(np.abs(bres[:, ok] / sigma[ok]), axis=1)
    crit = float(np.quantile(t_max, 1 - alpha, method="inverted_cdf"))
    ses = np.where(ok, sigma / np.sqrt(m), np.nan)
    return Bootstrap(ses=ses, critical_value=crit)


def clustered_covariance(
    influence: NDArray[np.float64], clusters: NDArray[np.int64]
) -> NDArray[np.float64]:
    """``V = Σ_c S_c S_c' / n²`` with ``S_c`` the influence functions summed over the units
    of cluster ``c`` and ``n`` the units: the covariance of the estimates (unit clusters
    give ``IF'IF / n²``, the analytic variance ``did`` reports)."""
    codes = np.unique(clusters, return_inverse=True)[1]
    sums = np.zeros((codes.max() + 1, influence.shape[1]))
    np.add.at(sums, codes, influence)
    n = influence.shape[0]
    return np.asarray(sums.T @ sums / n**2, dtype=np.float64)


def pre_trend_test(
    att: NDArray[np.float64], covariance: NDArray[np.float64], n_clusters: int
) -> PreTrendTest:
    """Wald test that the pre-period effects ``att`` (with ``covariance``) are all zero."""
    q = att.size
    if q == 0:
        return PreTrendTest(None, 0, None, "no pre-period cells to test")
    if n_clusters <= q:
        return PreTrendTest(
            None, q, None, f"{n_clusters} clusters are too few to test {q} pre-period cells"
        )
    try:
        w = float(att @ np.linalg.solve(covariance, att))
    except np.linalg.LinAlgError:
        return PreTrendTest(None, q, None, "the pre-period covariance is singular")
    if not np.isfinite(w) or w < 0:
        return PreTrendTest(None, q, None, "the pre-period covariance is singular")
    return PreTrendTest(w, q, float(stats.chi2.sf(w, q)))


@dataclass(frozen=True, slots=True)
class PreAverage:
    """The average of the event study's pre-adoption effects (``estimate``, equal weight to
    each of ``periods`` event times before adoption), its clustered ``se`` and two-sided
    normal ``p_value``: one degree of freedom, so it can be computed with few clusters when
    the joint test cannot, at the price of missing differences that cancel out."""

    estimate: float
    se: float
    p_value: float
    periods: int


def pre_average_test(
    estimates: NDArray[np.float64], influence: NDArray[np.float64], clusters: NDArray[np.int64]
) -> PreAverage | None:
    """The 1-df check on the pre-adoption event-study ``estimates`` with their unit
    ``influence`` functions (units × event times); ``None`` when there are none."""
    k = estimates.size
    if k == 0:
        return None
    mean_if = influence.mean(axis=1, keepdims=True)
    se = float(np.sqrt(clustered_covariance(mean_if, clusters)[0, 0]))
    estimate = float(estimates.mean())
    p = float(2 * stats.norm.sf(abs(estimate / se))) if se > 0 else float("nan")
    return PreAverage(estimate, se, p, k)

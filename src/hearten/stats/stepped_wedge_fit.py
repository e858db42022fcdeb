"""The planned analysis of a stepped-wedge trial (Hussey and Hughes 2007): a linear mixed
model of the individual outcomes with a fixed effect for each period, the treatment
indicator (1 once the person's cluster has started the change) and random cluster intercepts,

    ``y_ijk = μ + β_j + θ X_ij + u_i + e_ijk``,

fitted by REML with the treatment effect tested on Satterthwaite's degrees of freedom, as
``lmerTest::lmer(y ~ treated + factor(period) + (1 | cluster))`` reports it. The fit itself
is :func:`hearten.stats.multilevel.fit_random_intercepts`; this module builds the design
(periods as fixed effects, the first period the reference) and checks the data are a
stepped wedge: every cluster observed in control before it starts, and in at least one
period both conditions. The robust alternative, :func:`cr2_stepped_wedge`, is least squares
with the same period fixed effects and CR2 standard errors by cluster with Satterthwaite df
(as ``estimatr::lm_robust(y ~ treated + factor(period), clusters = cluster, se_type =
"CR2")``), which does not lean on the model's correlation structure.

Two options (:mod:`hearten.stats.cluster_period` fits them, checked against lme4/lmerTest):
``random_effects="cluster-period"`` adds random cluster-by-period intercepts, ``(1 | cluster)
+ (1 | cluster:period)`` (Hooper et al. 2016), so two periods of a cluster may be less alike
than two people in one period; and :func:`fit_exposure_time` replaces the one treatment
indicator by a fixed effect for each period since the change (exposure time 1, 2, ...), and
reports each with their average (Kenny et al. 2022; Maleyeff et al. 2023), for a change whose
effect builds up or fades.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import stats as sps

from hearten.errors import DataError
from hearten.stats.cluster_period import Contrast, fit_nested
from hearten.stats.estimate import TermEstimate, fit_ols
from hearten.stats.multilevel import fit_random_intercepts
from hearten.stats.random_effects import RandomEffects, check_random_effects

TREATED = "treated"


@dataclass(frozen=True, slots=True)
class SteppedWedgeFit:
    """The estimated effect of the change with its standard error, Satterthwaite ``df``,
    ``p_value`` and ``conf_low``/``conf_high`` at ``alpha``; the cluster (``tau2``) and
    residual (``sigma2``) variances; the clusters, periods and people analysed; the
    ``random_effects`` and, with cluster-period effects, their variance ``gamma2``."""

    estimate: float
    std_error: float
    df: float
    p_value: float
    conf_low: float
    conf_high: float
    alpha: float
    tau2: float
    sigma2: float
    clusters: int
    periods: int
    n: int
    random_effects: RandomEffects = "cluster"
    gamma2: float | None = None


@dataclass(frozen=True, slots=True)
class ExposureTimeFit:
    """The effect by time since the change: ``effects[k]`` is exposure time ``k + 1`` (the
    first period with the change, the second, ...) against control, ``average`` their mean;
    the variances and sizes as in :class:`SteppedWedgeFit`."""

    effects: tuple[Contrast, ...]
    average: Contrast
    tau2: float
    sigma2: float
    clusters: int
    periods: int
    n: int
    random_effects: RandomEffects = "cluster"
    gamma2: float | None = None


def _design(
    y: ArrayLike, cluster: ArrayLike, period: ArrayLike, treated: ArrayLike
) -> tuple[pd.DataFrame, NDArray[np.float64], list[str]]:
    """The checked data, and the design: intercept, treatment, a column per later period."""
    frame = pd.DataFrame(
        {"y": np.asarray(y, dtype=np.float64), "cluster": np.asarray(cluster),
         "period": np.asarray(period), TREATED: np.asarray(treated, dtype=np.float64)}
    )  # fmt: skip
    if frame.isna().any().any():
        raise DataError("the stepped-wedge analysis needs every row's outcome, cluster, period "
                        "and treatment: drop the rows with missing values first")  # fmt: skip
    if not frame[TREATED].isin([0.0, 1.0]).all():
        raise DataError("the treatment column must be 0 (control) or 1 (the change)")
    mixed = frame.groupby("period")[TREATED].nunique()
    if not (mixed > 1).any():
        raise DataError(
            "no period has clusters in both conditions: the effect cannot be told apart from "
            "the periods"
        )
    periods = sorted(frame["period"].unique())
    dummies = [(frame["period"] == p).to_numpy(dtype=np.float64) for p in periods[1:]]
    X = np.column_stack([np.ones(len(frame)), frame[TREATED].to_numpy(), *dummies])
    names = ["(Intercept)", TREATED, *[f"period{p}" for p in periods[1:]]]
    return frame, X, names


def fit_stepped_wedge(
    y: ArrayLike,
    cluster: ArrayLike,
    period: ArrayLike,
    treated: ArrayLike,
    alpha: float = 0.05,
    random_effects: RandomEffects = "cluster",
) -> SteppedWedgeFit:
    """Fit the Hussey and Hughes model to individual outcomes (module docstring)."""
    frame, X, names = _design(y, cluster, period, treated)
    if check_random_effects(random_effects) == "cluster-period":
        nested = fit_nested(
            frame["y"].to_numpy(), X, frame["cluster"].to_numpy(), _cells(frame),
            [(TREATED, np.eye(X.shape[1])[names.index(TREATED)])], alpha,
        )  # fmt: skip
        c = nested.contrasts[0]
        return SteppedWedgeFit(
            c.estimate, c.std_error, c.df, c.p_value, c.conf_low, c.conf_high, alpha,
            nested.tau2, nested.sigma2, nested.clusters, int(frame["period"].nunique()),
            nested.n, random_effects, nested.gamma2,
        )  # fmt: skip
    fit = fit_random_intercepts(frame["y"].to_numpy(), X, names, frame["cluster"].to_numpy())
    k = fit.names.index(TREATED)
    est, se, df = fit.coef[k], fit.std_error[k], fit.df[k]
    half = float(sps.t.ppf(1 - alpha / 2, df)) * se
    return SteppedWedgeFit(
        est, se, df, fit.p_value[k], est - half, est + half, alpha, fit.tau2, fit.sigma2,
        fit.teams, int(frame["period"].nunique()), fit.n,
    )  # fmt: skip


def cr2_stepped_wedge(
    y: ArrayLike, cluster: ArrayLike, period: ArrayLike, treated: ArrayLike, alpha: float = 0.05
) -> TermEstimate:
    """The effect by least squares with period fixed effects and CR2 standard errors by
    cluster (Satterthwaite df): the robust alternative to the mixed model."""
    frame, X, names = _design(y, cluster, period, treated)
    fit = fit_ols(frame["y"].to_numpy(), X, names, frame["cluster"].to_numpy(), alpha=alpha)
    return fit.term(TREATED)


def _cells(frame: pd.DataFrame) -> NDArray[np.str_]:
    return np.asarray(frame["cluster"].astype(str) + "\x1f" + frame["period"].astype(str))


def fit_exposure_time(
    y: ArrayLike,
    cluster: ArrayLike,
    period: ArrayLike,
    exposure: ArrayLike,
    alpha: float = 0.05,
    random_effects: RandomEffects = "cluster",
) -> ExposureTimeFit:
    """The effect of each period since the change (0 is control; 1 the first period with
    it, ...), with period fixed effects and the chosen random effects, and their average
    (module docstring)."""
    times = np.asarray(exposure)
    if np.any(times < 0) or not np.all(np.equal(np.mod(times, 1), 0)):
        raise DataError("exposure time must be 0 (control) or a whole number of periods")
    frame, X, _ = _design(y, cluster, period, (times > 0).astype(float))
    levels = sorted(int(t) for t in np.unique(times) if t > 0)
    exposed = [(times == t).astype(np.float64) for t in levels]
    X = np.column_stack([X[:, [0]], X[:, 2:], *exposed])  # intercept, periods, exposures
    k = X.shape[1]
    first = k - len(levels)
    contrasts = [(f"exposure {t}", np.eye(k)[first + i]) for i, t in enumerate(levels)]
    average = np.zeros(k)
    average[first:] = 1 / len(levels)
    contrasts.append(("average", average))
    nested = check_random_effects(random_effects) == "cluster-period"
    fit = fit_nested(
        frame["y"].to_numpy(), X, frame["cluster"].to_numpy(),
        _cells(frame) if nested else None, contrasts, alpha,
    )  # fmt: skip
    return ExposureTimeFit(
        fit.contrasts[:-1], fit.contrasts[-1], fit.tau2, fit.sigma2, fit.clusters,
        int(frame["period"].nunique()), fit.n, random_effects, fit.gamma2,
    )  # fmt: skip

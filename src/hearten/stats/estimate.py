"""Treatment-effect estimators: OLS with robust inference, and the ITT by ANCOVA.

Specify, fit, read: :func:`fit_ols` takes arrays and returns a frozen :class:`OlsFit`;
:func:`itt_ancova` builds the design matrix an analysis plan asks for (treatment indicators,
baseline covariates, strata fixed effects) and fits it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import stats as sps

from hearten.errors import EstimationError
from hearten.stats.vcov import VcovType, check_vcov_type, default_vcov, robust_vcov


@dataclass(frozen=True, slots=True)
class OlsFit:
    """An OLS fit with robust inference.

    Attributes:
        names: ``k`` coefficient names, in column order of the design matrix.
        coef: ``(k,)`` estimates.
        vcov: ``(k, k)`` robust variance-covariance matrix.
        std_error: ``(k,)`` standard errors.
        df: ``(k,)`` degrees of freedom of each t test.
        statistic: ``(k,)`` t statistics.
        p_value: ``(k,)`` two-sided p-values.
        conf_low, conf_high: ``(k,)`` bounds of the ``1 - alpha`` confidence interval.
        vcov_type: the variance estimator used.
        n: observations used.
        n_clusters: clusters, or ``None`` when unclustered.
        alpha: significance level of the intervals.
    """

    names: tuple[str, ...]
    coef: NDArray[np.float64]
    vcov: NDArray[np.float64]
    std_error: NDArray[np.float64]
    df: NDArray[np.float64]
    statistic: NDArray[np.float64]
    p_value: NDArray[np.float64]
    conf_low: NDArray[np.float64]
    conf_high: NDArray[np.float64]
    vcov_type: VcovType
    n: int
    n_clusters: int | None
    alpha: float

    def tidy(self) -> pd.DataFrame:
        """One row per coefficient, in the column names estimatr's ``tidy()`` uses."""
        return pd.DataFrame(
            {
                "term": self.names,
                "estimate": self.coef,
                "std_error": self.std_error,
                "statistic": self.statistic,
                "p_value": self.p_value,
                "conf_low": self.conf_low,
                "conf_high": self.conf_high,
                "df": self.df,
            }
        )

    def term(self, name: str) -> TermEstimate:
        """The estimate of one coefficient."""
        if name not in self.names:
            raise KeyError(f"no term {name!r}; terms are {', '.join(self.names)}")
        i = self.names.index(name)
        return TermEstimate(
            term=name,
            estimate=float(self.coef[i]),
            std_error=float(self.std_error[i]),
            df=float(self.df[i]),
            statistic=float(self.statistic[i]),
            p_value=float(self.p_value[i]),
            conf_low=float(self.conf_low[i]),
            conf_high=float(self.conf_high[i]),
            n=self.n,
            n_clusters=self.n_clusters,
            vcov_type=self.vcov_type,
            alpha=self.alpha,
        )


@dataclass(frozen=True, slots=True)
class TermEstimate:
    """One coefficient of a fit, with its inference, as plain floats (JSON-ready)."""

    term: str
    estimate: float
    std_error: float
    df: float
    statistic: float
    p_value: float
    conf_low: float
    conf_high: float
    n: int
    n_clusters: int | None
    vcov_type: VcovType
    alpha: float


def fit_ols(
    y: ArrayLike,
    X: ArrayLike,
    names: Sequence[str],
    cluster: ArrayLike | None = None,
    vcov: VcovType | None = None,
    alpha: float = 0.05,
) -> OlsFit:
    """Fit ``y = X b + e`` by least squares with robust standard errors.

    Args:
        y: ``(n,)`` outcome.
        X: ``(n, k)`` design matrix (include the intercept column yourself).
        names: ``k`` names for the columns of ``X``.
        cluster: ``(n,)`` cluster labels (any hashable values), or ``None``.
        vcov: variance estimator; default CR2 when ``cluster`` is given, HC2 otherwise, as
            in estimatr (Lin 2013 and Pustejovsky & Tipton 2018 justify both for trials).
        alpha: significance level for the confidence intervals.

    Raises:
        EstimationError: too few observations, collinear columns, a single cluster, or a
            variance estimator that does not fit the clustering.
    """
    yv = np.asarray(y, dtype=np.float64)
    Xm = np.asarray(X, dtype=np.float64)
    if Xm.ndim != 2 or yv.ndim != 1 or Xm.shape[0] != yv.shape[0]:
        raise EstimationError("X must be (n, k) and y (n,) with the same n")
    n, k = Xm.shape
    if len(names) != k:
        raise EstimationError(f"{len(names)} names given for {k} columns")
    if not (np.all(np.isfinite(yv)) and np.all(np.isfinite(Xm))):
        raise EstimationError("the outcome or a covariate has missing or infinite values")
    if n <= k:
        raise EstimationError(f"{n} observations cannot estimate {k} coefficients")
    _check_full_rank(Xm, names)
    codes = None
    if cluster is not None:
        codes = pd.factorize(pd.Series(np.asarray(cluster)), sort=True)[0].astype(np.int64)
        if len(codes) != n:
            raise EstimationError("the cluster labels must have one entry per observation")
    kind = check_vcov_type(vcov, codes is not None) if vcov else default_vcov(codes is not None)

    bread = np.asarray(np.linalg.inv(Xm.T @ Xm), dtype=np.float64)
    coef = bread @ (Xm.T @ yv)
    resid = yv - Xm @ coef
    v = robust_vcov(Xm, resid, bread, kind, codes)
    se = np.sqrt(np.diag(v.matrix))
    stat = coef / se
    p = 2.0 * sps.t.sf(np.abs(stat), v.df)
    crit = sps.t.ppf(1.0 - alpha / 2.0, v.df)
    return OlsFit(
        names=tuple(names),
        coef=coef,
        vcov=v.matrix,
        std_error=se,
        df=v.df,
        statistic=stat,
        p_value=p,
        conf_low=coef - crit * se,
        conf_high=coef + crit * se,
        vcov_type=kind,
        n=n,
        n_clusters=v.n_clusters,
        alpha=alpha,
    )


#: A column whose component orthogonal to the columns before it is smaller than this
#: fraction of its length is treated as a linear combination of them.
COLLINEARITY_TOLERANCE = 1e-10


def _check_full_rank(X: NDArray[np.float64], names: Sequence[str]) -> None:
    """Refuse collinear designs, naming each column that repeats the columns before it.

    In an unpivoted QR decomposition ``|R_jj|`` is the length of column ``j``'s part
    orthogonal to columns ``0..j-1``, so a tiny ratio to the column's length marks it.
    """
    r = np.linalg.qr(X, mode="r")
    lengths = np.linalg.norm(X, axis=0)
    ratio = np.abs(np.diag(r)) / np.where(lengths > 0, lengths, 1.0)
    dependent = [
        names[j] for j in range(X.shape[1]) if lengths[j] == 0 or ratio[j] < COLLINEARITY_TOLERANCE
    ]
    if dependent:
        raise EstimationError(
            "the design is collinear: "
            + ", ".join(repr(d) for d in dependent)
            + " can be written from the columns before it (a covariate repeats another, is "
            "constant, or the treatment is constant within strata); drop it and run again"
        )


@dataclass(frozen=True, slots=True)
class IttFit:
    """The ITT effects of each arm against control from an ANCOVA.

    Attributes:
        control: the reference arm.
        effects: one :class:`TermEstimate` per non-control arm, in arm order; ``term`` is
            the arm's name.
        fit: the full OLS fit (covariates and strata included).
    """

    control: str
    effects: tuple[TermEstimate, ...]
    fit: OlsFit


def itt_ancova(
    outcome: ArrayLike,
    arm: Sequence[str],
    control: str,
    covariates: Mapping[str, ArrayLike] | None = None,
    strata: Sequence[str] | None = None,
    cluster: ArrayLike | None = None,
    vcov: VcovType | None = None,
    alpha: float = 0.05,
) -> IttFit:
    """Intention-to-treat effects by OLS: outcome on arm indicators, covariates and strata.

    The model is ``y = a + Σ_j τ_j 1[arm = j] + X β + Σ_s γ_s 1[stratum = s] + e`` with one
    indicator per non-control arm and strata fixed effects (first stratum as reference).
    Inference is CR2 with Satterthwaite df when ``cluster`` is given (the randomised unit),
    HC2 otherwise, unless ``vcov`` says otherwise.
    """
    arms = np.asarray(arm, dtype=object)
    levels = list(dict.fromkeys(sorted(set(arms.tolist()))))
    if control not in levels:
        raise EstimationError(f"no observations in the control arm {control!r}")
    treated = [a for a in levels if a != control]
    if not treated:
        raise EstimationError("every observation is in the control arm: nothing to compare")
    columns: dict[str, NDArray[np.float64]] = {"(Intercept)": np.ones(len(arms))}
    for a in treated:
        columns[a] = (arms == a).astype(np.float64)
    for name, values in (covariates or {}).items():
        columns[name] = np.asarray(values, dtype=np.float64)
    if strata is not None:
        s = np.asarray(strata, dtype=object)
        for level in sorted(set(s.tolist()))[1:]:
            columns[f"stratum[{level}]"] = (s == level).astype(np.float64)
    names = list(columns)
    X = np.column_stack([columns[c] for c in names])
    fit = fit_ols(outcome, X, names, cluster=cluster, vcov=vcov, alpha=alpha)
    return IttFit(control=control, effects=tuple(fit.term(a) for a in treated), fit=fit)

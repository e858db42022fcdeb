"""Treatment-effect estimators: OLS with robust inference, and the ITT by ANCOVA.

Specify, fit, read: :func:`fit_ols` takes arrays and returns a frozen :class:`OlsFit`;
:func:`estimate_itt` builds the design matrix an analysis plan asks for (treatment indicators,
baseline covariates, strata fixed effects) and fits it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal, get_args

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import special

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


Alternative = Literal["two-sided", "greater", "less"]


def one_sided(e: TermEstimate, alternative: Alternative) -> TermEstimate:
    """``e`` tested against a one-sided alternative on the same t distribution.

    ``greater``: p = P(T > t) and the interval ``[estimate - t₁₋α·se, ∞)``; ``less``: p =
    P(T < t) and ``(-∞, estimate + t₁₋α·se]`` (as R's ``t.test`` and ``coeftest``).
    ``two-sided`` returns ``e`` unchanged.
    """
    if alternative == "two-sided":
        return e
    # scipy.special's t distribution functions (those behind scipy.stats.t), without
    # importing scipy.stats: sf(t) = stdtr(df, -t), cdf(t) = stdtr(df, t).
    bound = float(special.stdtrit(e.df, 1 - e.alpha)) * e.std_error
    if alternative == "greater":
        return replace(
            e,
            p_value=float(special.stdtr(e.df, -e.statistic)),
            conf_low=e.estimate - bound,
            conf_high=float("inf"),
        )
    return replace(
        e,
        p_value=float(special.stdtr(e.df, e.statistic)),
        conf_low=float("-inf"),
        conf_high=e.estimate + bound,
    )


def fit_ols(
    y: ArrayLike,
    X: ArrayLike,
    names: Sequence[str],
    cluster: ArrayLike | None = None,
    vcov: VcovType | None = None,
    alpha: float = 0.05,
    weights: ArrayLike | None = None,
) -> OlsFit:
    """Fit ``y = X b + e`` by least squares with robust standard errors.

    With ``weights`` this is weighted least squares: rows are multiplied by the square root
    of their weight and the robust variance is computed on the transformed data, as
    estimatr's ``lm_robust(weights = )`` does.

    Args:
        y: ``(n,)`` outcome.
        X: ``(n, k)`` design matrix (include the intercept column yourself).
        names: ``k`` names for the columns of ``X``.
        cluster: ``(n,)`` cluster labels (any hashable values), or ``None``.
        vcov: variance estimator; default CR2 when ``cluster`` is given, HC2 otherwise, as
            in estimatr (Lin 2013 and Pustejovsky & Tipton 2018 justify both for trials).
        alpha: significance level for the confidence intervals.
        weights: ``(n,)`` positive weights (e.g. inverse probabilities), or ``None``.

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
    w = None
    if weights is not None:
        w = np.asarray(weights, dtype=np.float64)
        if w.shape != yv.shape or not np.all(np.isfinite(w)) or np.any(w <= 0):
            raise EstimationError("weights must be positive, finite and one per observation")
    check_full_rank(Xm if w is None else Xm * np.sqrt(w)[:, None], names)
    codes = cluster_codes(cluster, n)
    kind = check_vcov_type(vcov, codes is not None) if vcov else default_vcov(codes is not None)

    return robust_fit(yv, Xm, Xm, names, codes, kind, w, alpha)


def robust_fit(
    y: NDArray[np.float64],
    X_fit: NDArray[np.float64],
    X_resid: NDArray[np.float64],
    names: Sequence[str],
    codes: NDArray[np.int64] | None,
    kind: VcovType,
    w: NDArray[np.float64] | None,
    alpha: float,
) -> OlsFit:
    """Weighted least squares on ``X_fit`` with robust inference.

    Residuals are ``y - X_resid b``: the same design for OLS; for two-stage least squares
    ``X_fit`` holds the first-stage fitted values and ``X_resid`` the actual regressors.
    """
    XtW = X_fit.T if w is None else X_fit.T * w
    bread = np.asarray(np.linalg.inv(XtW @ X_fit), dtype=np.float64)
    coef = bread @ (XtW @ y)
    resid = y - X_resid @ coef
    v = robust_vcov(X_fit, resid, bread, kind, codes, w)
    se = np.sqrt(np.clip(np.diag(v.matrix), 0.0, None))  # exact zeros can round below 0
    with np.errstate(divide="ignore", invalid="ignore"):  # a zero-variance term: t is inf
        stat = coef / se
    # scipy.special's ufuncs behind sps.t.ppf and sps.t.sf, without the distribution
    # machinery's per-call overhead (the same numbers).
    crit = special.stdtrit(v.df, 1.0 - alpha / 2.0)
    return OlsFit(
        names=tuple(names),
        coef=coef,
        vcov=v.matrix,
        std_error=se,
        df=v.df,
        statistic=stat,
        p_value=2.0 * special.stdtr(v.df, -np.abs(stat)),
        conf_low=coef - crit * se,
        conf_high=coef + crit * se,
        vcov_type=kind,
        n=len(y),
        n_clusters=v.n_clusters,
        alpha=alpha,
    )


def cluster_codes(cluster: ArrayLike | None, n: int) -> NDArray[np.int64] | None:
    """Cluster labels as integer codes ``0..G-1`` (sorted labels), or ``None``."""
    if cluster is None:
        return None
    codes = pd.factorize(np.asarray(cluster), sort=True)[0].astype(np.int64)
    if len(codes) != n:
        raise EstimationError("the cluster labels must have one entry per observation")
    return codes


#: A column whose component orthogonal to the columns before it is smaller than this
#: fraction of its length is treated as a linear combination of them.
COLLINEARITY_TOLERANCE = 1e-10


def check_full_rank(X: NDArray[np.float64], names: Sequence[str]) -> None:
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


Adjustment = Literal["none", "ancova", "lin"]
ADJUSTMENTS: tuple[Adjustment, ...] = get_args(Adjustment)


@dataclass(frozen=True, slots=True)
class IttFit:
    """The ITT effects of each arm against control.

    Attributes:
        control: the reference arm.
        adjustment: how covariates entered (``none``, ``ancova`` or ``lin``).
        effects: one :class:`TermEstimate` per non-control arm, in arm order; ``term`` is
            the arm's name.
        fit: the full OLS fit (covariates, interactions and strata included).
    """

    control: str
    adjustment: Adjustment
    effects: tuple[TermEstimate, ...]
    fit: OlsFit


def treatment_columns(arm: Sequence[str], control: str) -> dict[str, NDArray[np.float64]]:
    """One 0/1 indicator per non-control arm, in sorted arm order."""
    arms = np.asarray(arm, dtype=object)
    levels = sorted(set(arms.tolist()))
    if control not in levels:
        raise EstimationError(f"no observations in the control arm {control!r}")
    treated = [a for a in levels if a != control]
    if not treated:
        raise EstimationError("every observation is in the control arm: nothing to compare")
    return {a: (arms == a).astype(np.float64) for a in treated}


def design_matrix(
    n: int,
    treat: Mapping[str, NDArray[np.float64]],
    covariates: Mapping[str, ArrayLike] | None = None,
    strata: Sequence[str] | None = None,
    intercept: bool = True,
) -> tuple[NDArray[np.float64], list[str]]:
    """The usual trial design: intercept, arm indicators, covariates, strata fixed effects.

    Refuses a collinear design, naming the column at fault. ``intercept=False`` for models
    without one (Cox); the rank is still checked with it.
    """
    cols: dict[str, NDArray[np.float64]] = {"(Intercept)": np.ones(n)} if intercept else {}
    cols.update(treat)
    cols.update({k: np.asarray(v, dtype=np.float64) for k, v in (covariates or {}).items()})
    if strata is not None:
        cols.update(strata_columns(strata))
    names = list(cols)
    X = np.column_stack(list(cols.values()))
    check_full_rank(
        X if intercept else np.column_stack([np.ones(n), X]),
        names if intercept else ["(baseline)", *names],
    )
    return X, names


def strata_columns(strata: Sequence[str]) -> dict[str, NDArray[np.float64]]:
    """Fixed-effect indicators for every stratum but the first (sorted)."""
    s = np.asarray(strata, dtype=object)
    return {f"stratum[{lv}]": (s == lv).astype(np.float64) for lv in sorted(set(s.tolist()))[1:]}


def estimate_itt(
    outcome: ArrayLike,
    arm: Sequence[str],
    control: str,
    covariates: Mapping[str, ArrayLike] | None = None,
    strata: Sequence[str] | None = None,
    cluster: ArrayLike | None = None,
    vcov: VcovType | None = None,
    alpha: float = 0.05,
    weights: ArrayLike | None = None,
    adjustment: Adjustment = "ancova",
) -> IttFit:
    """Intention-to-treat effects of each arm against ``control`` by (weighted) OLS.

    ``adjustment``:

    * ``none``: difference in means (strata fixed effects still enter if given); with HC2
      this is the Neyman variance.
    * ``ancova``: ``y = a + Σ_j τ_j T_j + X β + strata + e``.
    * ``lin``: Lin (2013): covariates (and strata indicators) centred at their (weighted)
      means and interacted with every treatment indicator, so ``τ_j`` is the effect at the
      covariate means and the adjustment cannot hurt precision asymptotically; as
      estimatr's ``lm_lin``.

    Inference is CR2 with Satterthwaite df when ``cluster`` (the randomised unit) is given,
    HC2 otherwise, unless ``vcov`` says otherwise.
    """
    X, names = itt_design(arm, control, covariates, strata, weights, adjustment)
    fit = fit_ols(outcome, X, names, cluster=cluster, vcov=vcov, alpha=alpha, weights=weights)
    treated = sorted({str(a) for a in arm} - {control})
    return IttFit(control, adjustment, tuple(fit.term(a) for a in treated), fit)


def itt_design(
    arm: Sequence[str],
    control: str,
    covariates: Mapping[str, ArrayLike] | None = None,
    strata: Sequence[str] | None = None,
    weights: ArrayLike | None = None,
    adjustment: Adjustment = "ancova",
) -> tuple[NDArray[np.float64], list[str]]:
    """The design matrix of :func:`estimate_itt` and its column names (each non-control
    arm's indicator is named for the arm), for refitting the same model elsewhere (the
    cost-effectiveness bootstrap)."""
    if adjustment not in ADJUSTMENTS:
        raise EstimationError(
            f"unknown adjustment {adjustment!r}: choose one of {', '.join(ADJUSTMENTS)}"
        )
    treat = treatment_columns(arm, control)
    n = len(next(iter(treat.values())))
    covs = {k: np.asarray(v, dtype=np.float64) for k, v in (covariates or {}).items()}
    if adjustment == "none" and covs:
        raise EstimationError("covariates were given but adjustment is 'none'")
    fixed = strata_columns(strata) if strata is not None else {}
    columns: dict[str, NDArray[np.float64]] = {"(Intercept)": np.ones(n), **treat}
    if adjustment == "lin":
        w = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64)
        centred = {k: v - np.average(v, weights=w) for k, v in {**covs, **fixed}.items()}
        columns.update(centred)
        for a, t in treat.items():
            columns.update({f"{a}:{k}": t * v for k, v in centred.items()})
    else:
        columns.update(covs)
        columns.update(fixed)
    names = list(columns)
    return np.column_stack([columns[c] for c in names]), names

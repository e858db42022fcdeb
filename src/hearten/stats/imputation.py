"""Multiple imputation of missing outcomes by chained equations, and Rubin's rules.

A trial's missing follow-up answers can be imputed ``m`` times, each completed data set
analysed by the planned estimator (ANCOVA with CR2 and Satterthwaite df), and the ``m``
estimates combined by Rubin's rules (Rubin 1987) with Barnard and Rubin's (1999)
small-sample degrees of freedom: :func:`estimate_itt_imputed` does all three.

**Imputation** (:func:`impute_pmm`) follows R ``mice``'s default for numeric data,
predictive mean matching (``mice.impute.pmm``, van Buuren 2018, §3.4): for each incomplete
column in turn, least squares of its observed values on every other column; a draw of the
parameters from their posterior (``σ*² = RSS / χ²_{n_obs - p}``, ``β* = β̂ + σ* L z`` with
``L L' = (X'X)⁻¹``, as ``mice:::.norm.draw``); predictions ``X_obs β̂`` for the donors and
``X_mis β*`` for the missing rows ("type 1" matching, ``mice``'s default); and for each
missing row one of the ``donors`` (5) nearest observed values at random. Start values are
random draws from the observed values; ``iterations`` cycles make one imputation, and each
imputation is its own chain (``mice(m = m, maxit = iterations)``). Trials impute **by arm**
(separately within each arm, so the imputation model cannot dilute the treatment effect or
its interactions with baseline), with the baseline, the plan's covariates and stratum
indicators as predictors.

Why not ``statsmodels.imputation.mice.MICEData``, which also uses predictive mean matching?
Its matching is "type 2": donors and recipients are both predicted with the drawn
parameters, which with one or two predictors (a baseline score and a stratum) picks the same
donors in every imputation and understates the between-imputation variance (van Buuren
2018, §3.4.2, on exactly this); it does not draw the residual variance; and it rebuilds the
design matrix from a formula at every step (about 11 ms a variable on a trial-sized arm), so
the thousands of steps of a trial's imputations take minutes. Its ``MICE`` class pools with
Rubin's rules but fits its own models, not CR2, and has no Barnard–Rubin df. So the
matching step is written here, about forty lines of numpy, and checked against ``mice``
within Monte Carlo error (``tests/stats/reference/make_imputation.R``); Rubin's rules are
checked exactly against ``mice::pool``.

Randomness is explicit: imputation ``j`` draws from the ``j``-th child of
``numpy.random.SeedSequence(seed)``, and the groups (arms) in sorted order, so a seed
repeats every imputation exactly and a larger ``m`` keeps the first ones.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import special

from hearten.errors import EstimationError
from hearten.stats.estimate import Adjustment, estimate_itt
from hearten.stats.vcov import VcovType

#: ``mice``'s default number of donors for predictive mean matching.
DONORS = 5
#: Cycles through the incomplete columns per imputation. ``mice`` defaults to 5; ten costs
#: little here and leaves a chain with several incomplete columns further from its start.
ITERATIONS = 10
#: ``mice``'s floor on the share of variance due to missingness in Barnard–Rubin's df.
_LAMBDA_FLOOR = 1e-4


@dataclass(frozen=True, slots=True)
class Pooled:
    """One coefficient combined over ``m`` imputations by Rubin's rules, as ``mice::pool``.

    Attributes:
        estimate: ``q̄``, the mean of the ``m`` estimates.
        std_error: ``√t``.
        df: Barnard–Rubin degrees of freedom (``mice::pool``'s ``df``).
        statistic: ``q̄ / √t``.
        p_value: two-sided, from the t distribution with ``df``.
        conf_low, conf_high: the ``1 - alpha`` interval on that t distribution.
        within: ``ū``, the mean of the ``m`` squared standard errors.
        between: ``b``, the variance of the ``m`` estimates (divisor ``m - 1``).
        total: ``t = ū + (1 + 1/m) b``.
        riv: relative increase in variance due to missingness, ``(1 + 1/m) b / ū``.
        lambda_: share of the total variance due to missingness, ``(1 + 1/m) b / t``.
        fmi: fraction of missing information, ``(riv + 2/(df + 3)) / (riv + 1)``.
        m: the number of imputations.
        df_complete: the complete-data degrees of freedom the df were shrunk towards
            (``inf`` for none).
        alpha: significance level of the interval.
    """

    estimate: float
    std_error: float
    df: float
    statistic: float
    p_value: float
    conf_low: float
    conf_high: float
    within: float
    between: float
    total: float
    riv: float
    lambda_: float
    fmi: float
    m: int
    df_complete: float
    alpha: float


def pool_rubin(
    estimates: ArrayLike,
    variances: ArrayLike,
    df_complete: float = float("inf"),
    alpha: float = 0.05,
) -> Pooled:
    """Combine ``m`` estimates and their squared standard errors by Rubin's rules.

    ``t = ū + (1 + 1/m) b``; the df are Barnard and Rubin's (1999)
    ``ν = ν_old ν_obs / (ν_old + ν_obs)`` with ``ν_old = (m - 1)/λ²``,
    ``ν_obs = (ν_com + 1)/(ν_com + 3) ν_com (1 - λ)``, ``λ = (1 + 1/m) b / t`` floored at
    1e-4, and ``ν_old`` alone when ``df_complete`` is infinite: ``mice::pool`` and
    ``mice::pool.scalar`` to the digit. With the CR2 estimator the complete-data df is its
    Satterthwaite df, so the pooled df never exceed what the complete data would give.
    """
    q = np.asarray(estimates, dtype=np.float64)
    u = np.asarray(variances, dtype=np.float64)
    if q.ndim != 1 or q.shape != u.shape or len(q) < 2:
        raise EstimationError("Rubin's rules need two or more estimates, each with a variance")
    if not (np.all(np.isfinite(q)) and np.all(np.isfinite(u)) and np.all(u >= 0)):
        raise EstimationError("an imputed data set gave a missing or negative variance")
    if not df_complete > 0:
        raise EstimationError("the complete-data degrees of freedom must be positive")
    m = len(q)
    qbar, ubar, b = float(q.mean()), float(u.mean()), float(q.var(ddof=1))
    t = ubar + (1 + 1 / m) * b
    lam = max((1 + 1 / m) * b / t, _LAMBDA_FLOOR) if t > 0 else _LAMBDA_FLOOR
    df_old = (m - 1) / lam**2
    if np.isinf(df_complete):
        df = df_old
    else:
        df_obs = (df_complete + 1) / (df_complete + 3) * df_complete * (1 - lam)
        df = df_old * df_obs / (df_old + df_obs)
    riv = (1 + 1 / m) * b / ubar if ubar > 0 else float("inf")
    se = float(np.sqrt(t))
    stat = qbar / se if se > 0 else float("inf")
    crit = float(special.stdtrit(df, 1 - alpha / 2))
    return Pooled(
        estimate=qbar,
        std_error=se,
        df=float(df),
        statistic=stat,
        p_value=float(2 * special.stdtr(df, -abs(stat))),
        conf_low=qbar - crit * se,
        conf_high=qbar + crit * se,
        within=ubar,
        between=b,
        total=t,
        riv=riv,
        lambda_=(1 + 1 / m) * b / t if t > 0 else 0.0,
        fmi=(riv + 2 / (df + 3)) / (riv + 1),
        m=m,
        df_complete=float(df_complete),
        alpha=alpha,
    )


@dataclass(frozen=True, slots=True)
class Imputations:
    """``m`` completed copies of a data set.

    Attributes:
        completed: ``m`` frames with the input's index and columns and no missing values.
        missing: for each column, how many of its values were imputed.
        seed: the seed the imputations were drawn from.
        iterations: cycles through the incomplete columns per imputation.
        donors: observed values each missing one is drawn from.
    """

    completed: tuple[pd.DataFrame, ...]
    missing: dict[str, int]
    seed: int
    iterations: int
    donors: int


def impute_pmm(
    data: pd.DataFrame,
    groups: ArrayLike,
    m: int,
    seed: int,
    iterations: int = ITERATIONS,
    donors: int = DONORS,
) -> Imputations:
    """Impute every missing value of ``data`` ``m`` times by chained predictive mean matching,
    separately within each group (arm).

    ``data`` holds numeric columns; each incomplete one is imputed from all the others in
    the same group (columns that do not vary within a group are left out of its models).

    Raises:
        EstimationError: a group where a column has no observed value, or fewer observed
            values than predictors plus two.
    """
    if m < 2:
        raise EstimationError("multiple imputation needs at least 2 imputations")
    if iterations < 1 or donors < 1:
        raise EstimationError("iterations and donors must be at least 1")
    values = data.to_numpy(dtype=np.float64)
    group = np.asarray(groups, dtype=object)
    if len(group) != len(values):
        raise EstimationError("one group (arm) per row is needed")
    levels = sorted(set(group.tolist()), key=str)
    rows = {g: np.flatnonzero(group == g) for g in levels}
    for g, ix in rows.items():
        block = values[ix]
        for j, name in enumerate(data.columns):
            observed = int(np.isfinite(block[:, j]).sum())
            if observed < len(ix) and observed < block.shape[1] + 2:
                raise EstimationError(
                    f"{name!r} has {observed} observed value(s) in {g!r}, too few to impute "
                    f"the other {len(ix) - observed} from: leave it out of the imputation model"
                )
    completed = []
    for child in np.random.SeedSequence(seed).spawn(m):
        rng = np.random.default_rng(child)
        out = values.copy()
        for g in levels:
            out[rows[g]] = _chain(values[rows[g]], rng, iterations, donors)
        completed.append(pd.DataFrame(out, index=data.index, columns=data.columns))
    missing = {str(c): int(data[c].isna().sum()) for c in data.columns}
    return Imputations(tuple(completed), missing, seed, iterations, donors)


def _chain(
    block: NDArray[np.float64], rng: np.random.Generator, iterations: int, donors: int
) -> NDArray[np.float64]:
    """One imputation of one group: random start values, then ``iterations`` cycles."""
    miss = ~np.isfinite(block)
    incomplete = [j for j in range(block.shape[1]) if miss[:, j].any()]
    if not incomplete:
        return block
    out = block.copy()
    for j in incomplete:
        out[miss[:, j], j] = rng.choice(block[~miss[:, j], j], int(miss[:, j].sum()))
    for _ in range(iterations):
        for j in incomplete:
            others = [k for k in range(block.shape[1]) if k != j]
            X = _independent(np.column_stack([np.ones(len(out)), out[:, others]]))
            out[miss[:, j], j] = _pmm(
                block[~miss[:, j], j], X[~miss[:, j]], X[miss[:, j]], rng, donors
            )
    return out


def _independent(X: NDArray[np.float64]) -> NDArray[np.float64]:
    """``X`` without the columns that the columns before them already span (a stratum's
    indicator with every other stratum's in an arm that lacks the first one; a constant), as
    ``mice`` removes linearly dependent predictors before imputing."""
    R = np.linalg.qr(X, mode="r")
    norms = np.linalg.norm(X, axis=0)
    keep = np.abs(np.diag(R)) > 1e-7 * np.where(norms > 0, norms, 1.0)
    keep &= norms > 0
    return X[:, keep]


def _pmm(
    y: NDArray[np.float64],
    X_obs: NDArray[np.float64],
    X_mis: NDArray[np.float64],
    rng: np.random.Generator,
    donors: int,
) -> NDArray[np.float64]:
    """Predictive mean matching, type 1, as ``mice.impute.pmm``."""
    n, p = X_obs.shape
    xtx = X_obs.T @ X_obs
    try:
        v = np.linalg.inv(xtx)
        v = (v + v.T) / 2
        root = np.linalg.cholesky(v)
    except np.linalg.LinAlgError:  # near-collinear among the observed rows: mice's ridge
        v = np.linalg.inv(xtx + np.diag(np.diag(xtx) * 1e-5))
        v = (v + v.T) / 2
        root = np.linalg.cholesky(v)
    coef = v @ (X_obs.T @ y)
    resid = y - X_obs @ coef
    sigma = np.sqrt(resid @ resid / rng.chisquare(max(n - p, 1)))
    beta = coef + root @ rng.standard_normal(p) * sigma
    yhat_obs, yhat_mis = X_obs @ coef, X_mis @ beta
    k = min(donors, n)
    # The k nearest predictions lie within k places either side of where each missing row's
    # prediction would sort among the donors'. Donors are shuffled before a stable sort, so
    # equal predictions (common with only stratum indicators) are chosen among at random, as
    # mice's matcher does.
    shuffled = rng.permutation(n)
    order = shuffled[np.argsort(yhat_obs[shuffled], kind="stable")]
    ranked = yhat_obs[order]
    window = np.searchsorted(ranked, yhat_mis)[:, None] + np.arange(-k, k)[None, :]
    outside = (window < 0) | (window >= n)
    window = np.clip(window, 0, n - 1)
    distance = np.abs(ranked[window] - yhat_mis[:, None])
    distance[outside] = np.inf
    nearest = np.argsort(distance, axis=1, kind="stable")[:, :k]
    rows = np.arange(len(X_mis))
    pick = window[rows, nearest[rows, rng.integers(0, k, len(X_mis))]]
    return np.asarray(y[order[pick]], dtype=np.float64)


@dataclass(frozen=True, slots=True)
class PooledTerm:
    """One arm's effect against control, pooled over the imputations."""

    term: str
    pooled: Pooled


@dataclass(frozen=True, slots=True)
class ImputedItt:
    """The ITT effects estimated on each imputed data set and pooled by Rubin's rules.

    Attributes:
        effects: one per non-control arm, in arm order.
        estimates: ``(m, arms)`` each imputation's estimates.
        variances: ``(m, arms)`` their squared standard errors (CR2 or HC2).
        n: rows analysed in each completed data set (everyone, observed or imputed).
        missing: values imputed per column (``outcome``, ``baseline``, covariates).
        m, seed, iterations, donors: how the imputations were drawn.
    """

    effects: tuple[PooledTerm, ...]
    estimates: NDArray[np.float64]
    variances: NDArray[np.float64]
    n: int
    missing: dict[str, int]
    m: int
    seed: int
    iterations: int
    donors: int


def estimate_itt_imputed(
    outcome: ArrayLike,
    arm: Sequence[str],
    control: str,
    covariates: Mapping[str, ArrayLike] | None,
    strata: Sequence[str] | None,
    cluster: ArrayLike | None,
    vcov: VcovType | None,
    imputations: int,
    seed: int,
    alpha: float = 0.05,
    adjustment: Adjustment = "ancova",
    iterations: int = ITERATIONS,
    donors: int = DONORS,
) -> ImputedItt:
    """ITT effects with missing outcomes (and covariates) multiply imputed by arm.

    The outcome and covariates (missing values as ``nan``) are imputed within each arm
    (:func:`impute_pmm`) with stratum indicators as complete predictors; each completed set
    is analysed by :func:`hearten.stats.estimate.estimate_itt` with the same covariates,
    strata, clusters and variance estimator; each arm's effect is pooled by
    :func:`pool_rubin` with the complete-data df the mean of the imputations' df (CR2's
    Satterthwaite df depend on the covariates, so they differ only where a covariate was
    imputed; HC2's are ``n - k``).
    """
    y = np.asarray(outcome, dtype=np.float64)
    covs = {k: np.asarray(v, dtype=np.float64) for k, v in (covariates or {}).items()}
    frame = pd.DataFrame({"outcome": y, **covs})
    if strata is not None:
        s = np.asarray(strata, dtype=object)
        for level in sorted(set(s.tolist()), key=str)[1:]:
            frame[f"stratum[{level}]"] = (s == level).astype(np.float64)
    if frame.shape[1] == 1:
        raise EstimationError(
            "multiple imputation needs something to predict the outcome from: "
            "a baseline wave, covariates or strata"
        )
    if not np.isfinite(y).any():
        raise EstimationError("no outcome is observed: nothing to impute from")
    imputed = impute_pmm(frame, arm, imputations, seed, iterations, donors)
    estimates, variances, dfs = [], [], []
    for done in imputed.completed:
        fit = estimate_itt(
            done["outcome"].to_numpy(),
            arm,
            control,
            {k: done[k].to_numpy() for k in covs} or None,
            strata,
            cluster=cluster,
            vcov=vcov,
            alpha=alpha,
            adjustment=adjustment if covs else "none",
        )
        estimates.append([e.estimate for e in fit.effects])
        variances.append([e.std_error**2 for e in fit.effects])
        dfs.append([e.df for e in fit.effects])
        terms = [e.term for e in fit.effects]
    q, u, d = np.array(estimates), np.array(variances), np.array(dfs)
    effects = tuple(
        PooledTerm(term, pool_rubin(q[:, i], u[:, i], float(d[:, i].mean()), alpha))
        for i, term in enumerate(terms)
    )
    missing = {k: v for k, v in imputed.missing.items() if not k.startswith("stratum[")}
    return ImputedItt(
        effects, q, u, len(y), missing, imputations, seed, imputed.iterations, imputed.donors
    )

"""The effect on those who took part: the complier average causal effect (CACE).

Random assignment is the instrument for uptake (Angrist, Imbens and Rubin 1996). Estimation
is two-stage least squares with the same covariates and strata in both stages, as estimatr's
``iv_robust``: the robust variance (CR2 with Satterthwaite df when clustered, HC2 otherwise)
is computed on the second-stage design, with uptake replaced by its first-stage fitted
values, and the structural residuals ``y - X b`` that use actual uptake.

The first-stage F statistic is the Wald test of the instruments in the first stage with the
same robust variance, divided by the number of instruments. Below
:data:`WEAK_INSTRUMENT_F` (Staiger and Stock 1997) the CACE is flagged as unreliable.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from hearten.errors import EstimationError
from hearten.stats.estimate import (
    OlsFit,
    TermEstimate,
    check_full_rank,
    cluster_codes,
    fit_ols,
    robust_fit,
    strata_columns,
    treatment_columns,
)
from hearten.stats.vcov import VcovType, check_vcov_type, default_vcov

#: A first-stage F below 10 marks a weak instrument (Staiger and Stock 1997).
WEAK_INSTRUMENT_F = 10.0


@dataclass(frozen=True, slots=True)
class CaceFit:
    """The CACE of each arm's uptake against control.

    Attributes:
        effects: one :class:`TermEstimate` per non-control arm; ``term`` is the arm.
        fit: the second-stage fit (uptake, covariates, strata) with robust inference.
        first_stage_f: the robust first-stage F statistic of the instruments.
        first_stage_df: numerator and denominator degrees of freedom of that F.
        compliance: per non-control arm, the first-stage effect of assignment on uptake
            (the share of compliers under one-sided non-compliance).
        warning: a message when the instrument is weak, else ``None``.
    """

    effects: tuple[TermEstimate, ...]
    fit: OlsFit
    first_stage_f: float
    first_stage_df: tuple[int, float]
    compliance: tuple[float, ...]
    warning: str | None


def fit_2sls(
    y: ArrayLike,
    exog: NDArray[np.float64],
    exog_names: Sequence[str],
    endog: Mapping[str, ArrayLike],
    instruments: NDArray[np.float64],
    cluster: ArrayLike | None = None,
    vcov: VcovType | None = None,
    alpha: float = 0.05,
    weights: ArrayLike | None = None,
) -> tuple[OlsFit, list[OlsFit]]:
    """Two-stage least squares; returns the second-stage fit and each first-stage fit.

    The second stage's columns are: ``exog``'s first column (the intercept), the endogenous
    variables, then ``exog``'s other columns, so the terms read like estimatr's.
    """
    yv = np.asarray(y, dtype=np.float64)
    n = len(yv)
    Z = np.column_stack([exog, instruments])
    z_names = [*exog_names, *(f"instrument{i}" for i in range(instruments.shape[1]))]
    w = None if weights is None else np.asarray(weights, dtype=np.float64)
    first = [
        fit_ols(
            np.asarray(d, dtype=np.float64),
            Z,
            z_names,
            cluster=cluster,
            vcov=vcov,
            alpha=alpha,
            weights=w,
        )
        for d in endog.values()
    ]
    fitted = [Z @ f.coef for f in first]
    names = [exog_names[0], *endog, *exog_names[1:]]
    X = np.column_stack(
        [exog[:, 0], *[np.asarray(d, dtype=np.float64) for d in endog.values()], exog[:, 1:]]
    )
    X_hat = np.column_stack([exog[:, 0], *fitted, exog[:, 1:]])
    # Identification (instruments that move uptake) shows as a full-rank second stage.
    check_full_rank(X_hat if w is None else X_hat * np.sqrt(w)[:, None], names)
    codes = cluster_codes(cluster, n)
    kind = check_vcov_type(vcov, codes is not None) if vcov else default_vcov(codes is not None)
    second = robust_fit(yv, X_hat, X, names, codes, kind, w, alpha)
    return second, first


def estimate_cace(
    outcome: ArrayLike,
    arm: Sequence[str],
    uptake: ArrayLike,
    control: str,
    covariates: Mapping[str, ArrayLike] | None = None,
    strata: Sequence[str] | None = None,
    cluster: ArrayLike | None = None,
    vcov: VcovType | None = None,
    alpha: float = 0.05,
    weights: ArrayLike | None = None,
) -> CaceFit:
    """The CACE of uptake, instrumented by random assignment.

    ``uptake`` is 1 for a person who took part in their arm's intervention (e.g. opened the
    goal-setting programme) and 0 otherwise. With two arms, uptake itself is instrumented by
    assignment, so control-arm uptake (two-sided non-compliance) is allowed. With more arms,
    each arm's uptake ``uptake × 1[arm = j]`` is instrumented by ``1[arm = j]``, which
    assumes the control arm cannot take part.
    """
    d = np.asarray(uptake, dtype=np.float64)
    if not np.all(np.isin(d, (0.0, 1.0))):
        raise EstimationError("uptake must be 0 (did not take part) or 1 (took part)")
    treat = treatment_columns(arm, control)
    n = len(d)
    covs = {k: np.asarray(v, dtype=np.float64) for k, v in (covariates or {}).items()}
    fixed = strata_columns(strata) if strata is not None else {}
    exog_cols = {"(Intercept)": np.ones(n), **covs, **fixed}
    exog = np.column_stack(list(exog_cols.values()))
    endog = {next(iter(treat)): d} if len(treat) == 1 else {a: d * t for a, t in treat.items()}
    instruments = np.column_stack(list(treat.values()))
    second, first = fit_2sls(
        outcome, exog, list(exog_cols), endog, instruments, cluster, vcov, alpha, weights
    )
    q = instruments.shape[1]
    f_stat, df2 = _first_stage_f(first, q)
    compliance = tuple(float(f.coef[-q + i]) for i, f in enumerate(first))
    warning = None
    if f_stat < WEAK_INSTRUMENT_F:
        warning = (
            f"weak instrument: the first-stage F is {f_stat:.1f}, below {WEAK_INSTRUMENT_F:.0f}; "
            "so few people took part that the effect on those who did is unreliable"
        )
    return CaceFit(
        effects=tuple(second.term(a) for a in endog),
        fit=second,
        first_stage_f=f_stat,
        first_stage_df=(q, df2),
        compliance=compliance,
        warning=warning,
    )


def _first_stage_f(first: list[OlsFit], q: int) -> tuple[float, float]:
    """Robust Wald F of the instruments, from the first stage of the first endogenous variable.

    With several endogenous variables (multi-arm trials) this reports the smallest F, the
    weakest link.
    """
    values = []
    for f in first:
        b = f.coef[-q:]
        V = f.vcov[-q:, -q:]
        values.append(float(b @ np.linalg.solve(V, b)) / q)
    i = int(np.argmin(values))
    return values[i], float(np.min(first[i].df[-q:]))

"""Attrition: who did not answer the follow-up survey, and what it could do to the result.

* **Attrition by arm**: the share of randomised people without an outcome, overall and by
  arm, and the differential (arm minus control) estimated and tested with the part-1
  estimator on the missing-outcome indicator (so clustering and strata are respected).
* **Lee (2009) bounds**: under monotonicity (assignment can only make people more, or only
  less, likely to answer), the effect for people who would answer whatever their arm lies
  between two bounds. In the arm that answered more, the share ``p = (q_hi - q_lo)/q_hi`` of
  its respondents is trimmed from the top (lower bound) or the bottom (upper bound) of the
  outcome distribution. Bounds are computed within each stratum and averaged with weights
  equal to the estimated number of always-respondents there (``N_s · min(q_1s, q_0s)``),
  which tightens them (Lee 2009, section 4.2). Written by hand: no maintained Python
  library has Lee bounds. Their interval comes from a bootstrap of whole clusters within
  each stratum and arm (percentiles of the lower bound's and upper bound's draws), with an
  explicit seed.
* **Inverse probability weighting**: the chance of answering is modelled by logistic
  regression on the arm-by-stratum cells and any baseline covariates
  (:func:`response_probability`: without covariates, each cell's share answering);
  respondents are weighted by one over it and the ITT refitted, under "missing at random".
  The trial analysis (``missing_data = "ipw"``) uses the same model.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from hearten.errors import EstimationError
from hearten.stats.estimate import TermEstimate, estimate_itt, treatment_columns


@dataclass(frozen=True, slots=True)
class AttritionSummary:
    """Attrition overall and by arm.

    Attributes:
        overall: share of randomised people with no outcome.
        by_arm: ``(arm, randomised, missing, share missing)`` per arm, control first.
        differential: per non-control arm, the difference in attrition against control with
            its test (a :class:`TermEstimate` on the 0/1 missing indicator).
    """

    overall: float
    by_arm: tuple[tuple[str, int, int, float], ...]
    differential: tuple[TermEstimate, ...]


@dataclass(frozen=True, slots=True)
class LeeBounds:
    """Lee (2009) bounds on the effect for people who would answer in either arm.

    Attributes:
        lower, upper: the bounds.
        conf_low, conf_high: the ``1 - alpha`` bootstrap interval around the bounds.
        trimmed_share: the share of the more-responsive arm's respondents trimmed (pooled).
        trimmed_arm: which arm was trimmed (``None`` if response was equal).
        reps, seed: the bootstrap draws and their seed.
    """

    lower: float
    upper: float
    conf_low: float
    conf_high: float
    trimmed_share: float
    trimmed_arm: str | None
    reps: int
    seed: int


def attrition_by_arm(
    outcome: ArrayLike,
    arm: Sequence[str],
    control: str,
    strata: Sequence[str] | None = None,
    cluster: ArrayLike | None = None,
    alpha: float = 0.05,
) -> AttritionSummary:
    """Attrition overall, by arm, and its differential with a design-respecting test."""
    y = np.asarray(outcome, dtype=np.float64)
    missing = np.isnan(y).astype(np.float64)
    arms = np.asarray(arm, dtype=object)
    levels = [control, *sorted(treatment_columns(arm, control))]
    rows = tuple(
        (a, int((arms == a).sum()), int(missing[arms == a].sum()), float(missing[arms == a].mean()))
        for a in levels
    )
    if missing.min() == missing.max():
        differential: tuple[TermEstimate, ...] = ()
    else:
        differential = estimate_itt(
            missing,
            list(arm),
            control,
            strata=strata,
            cluster=cluster,
            alpha=alpha,
            adjustment="none",
        ).effects
    return AttritionSummary(float(missing.mean()), rows, differential)


def _trimmed_mean(ascending: np.ndarray, keep: float) -> float:
    """Mean of the lowest ``keep`` values (fractional: the last one partly counted)."""
    keep = min(keep, float(len(ascending)))  # equal response rates can round a hair above n
    whole = int(np.floor(keep))
    total = ascending[:whole].sum()
    if keep > whole and whole < len(ascending):
        total += (keep - whole) * ascending[whole]
    return float(total / keep)


def _bounds(y: np.ndarray, t: np.ndarray, s: np.ndarray) -> tuple[float, float, float, int]:
    """Stratum-averaged Lee bounds; also the pooled trimmed share and trimmed arm (+1/-1/0)."""
    lows, highs, weights = [], [], []
    observed = ~np.isnan(y)
    for stratum in np.unique(s):
        in_s = s == stratum
        if not ((in_s & (t == 1)).any() and (in_s & (t == 0)).any()):
            raise EstimationError(f"stratum {stratum!r} has people in only one arm")
        q1 = observed[in_s & (t == 1)].mean()
        q0 = observed[in_s & (t == 0)].mean()
        if min(q1, q0) == 0:
            raise EstimationError(
                f"nobody answered in one arm of stratum {stratum!r}: "
                "bounds cannot be computed there"
            )
        y1 = np.sort(y[in_s & (t == 1) & observed])
        y0 = np.sort(y[in_s & (t == 0) & observed])
        if q1 == q0:  # nothing to trim: both bounds are the plain difference, exactly
            low = high = float(y1.mean() - y0.mean())
        elif q1 > q0:
            keep = len(y1) * q0 / q1
            low = _trimmed_mean(y1, keep) - y0.mean()
            high = -_trimmed_mean(-y1[::-1], keep) - y0.mean()
        else:
            keep = len(y0) * q1 / q0
            low = y1.mean() + _trimmed_mean(-y0[::-1], keep)
            high = y1.mean() - _trimmed_mean(y0, keep)
        lows.append(min(low, high))  # equal in exact arithmetic only when nothing is trimmed;
        highs.append(max(low, high))  # a rounding difference must not invert them
        weights.append(in_s.sum() * min(q1, q0))
    w = np.asarray(weights) / np.sum(weights)
    q1_all, q0_all = observed[t == 1].mean(), observed[t == 0].mean()
    share = abs(q1_all - q0_all) / max(q1_all, q0_all)
    direction = int(np.sign(q1_all - q0_all))
    return float(w @ lows), float(w @ highs), float(share), direction


def lee_bounds(
    outcome: ArrayLike,
    treat: ArrayLike,
    strata: ArrayLike | None = None,
    cluster: ArrayLike | None = None,
    reps: int = 999,
    seed: int = 0,
    alpha: float = 0.05,
    arm_names: tuple[str, str] = ("control", "treatment"),
) -> LeeBounds:
    """Lee (2009) bounds for a 0/1 treatment, tightened by strata (module docstring).

    ``outcome`` is NaN for people who did not answer.
    """
    y = np.asarray(outcome, dtype=np.float64)
    t = np.asarray(treat, dtype=np.float64)
    if not np.all(np.isin(t, (0.0, 1.0))):
        raise EstimationError("Lee bounds need a 0/1 treatment")
    s = (
        np.zeros(len(y), dtype=np.int64)
        if strata is None
        else pd.factorize(pd.Series(np.asarray(strata)), sort=True)[0]
    )
    c = (
        np.arange(len(y))
        if cluster is None
        else pd.factorize(pd.Series(np.asarray(cluster)), sort=True)[0]
    )
    lower, upper, share, direction = _bounds(y, t, s)
    rng = np.random.default_rng(seed)
    # Resample whole clusters within each stratum and arm, keeping each arm's size.
    units = pd.DataFrame({"c": c, "s": s, "t": t}).drop_duplicates("c")
    members = pd.Series(np.arange(len(y))).groupby(c).apply(np.asarray)
    draws = np.empty((reps, 2))
    for r in range(reps):
        chosen = np.concatenate(
            [
                rng.choice(g["c"].to_numpy(), size=len(g), replace=True)
                for _, g in units.groupby(["s", "t"])
            ]
        )
        idx = np.concatenate([members[k] for k in chosen])
        try:
            draws[r] = _bounds(y[idx], t[idx], s[idx])[:2]
        except EstimationError:
            draws[r] = np.nan
    ok = draws[~np.isnan(draws).any(axis=1)]
    if len(ok) < 0.9 * reps:
        raise EstimationError(
            "too many bootstrap samples had an arm with no respondents; "
            "Lee bounds are not reliable here"
        )
    trimmed = None if direction == 0 else arm_names[1] if direction > 0 else arm_names[0]
    return LeeBounds(
        lower=lower,
        upper=upper,
        conf_low=float(np.quantile(ok[:, 0], alpha / 2)),
        conf_high=float(np.quantile(ok[:, 1], 1 - alpha / 2)),
        trimmed_share=share,
        trimmed_arm=trimmed,
        reps=reps,
        seed=seed,
    )


def response_probability(
    answered: ArrayLike,
    arm: Sequence[str],
    strata: Sequence[str] | None = None,
    covariates: Mapping[str, ArrayLike] | None = None,
) -> np.ndarray:
    """Each person's modelled chance of answering: the one response model of inverse
    probability weighting.

    A logistic regression of answering on the arm-by-stratum cells (the arms alone without
    ``strata``) and ``covariates``. Without covariates the model is saturated and its fit is
    each cell's share answering, computed directly (the same maximum-likelihood values, and
    defined when everyone in a cell answered).

    Raises:
        EstimationError: with covariates, the model cannot be fitted (some group always or
            never answers).
    """
    r = np.asarray(answered, dtype=np.float64)
    labels = [str(a) for a in arm]
    if strata is not None:
        labels = [f"{a}\x1f{s}" for a, s in zip(labels, strata, strict=True)]
    cells = pd.Series(labels)
    if not covariates:
        return cells.map(pd.Series(r).groupby(cells).mean()).to_numpy(dtype=np.float64)
    dummies = pd.get_dummies(cells, dtype=np.float64).to_numpy()
    X = np.column_stack([dummies, *(np.asarray(v, dtype=np.float64) for v in covariates.values())])
    try:
        import statsmodels.api as sm  # only here: its import costs more than the fit

        fitted = sm.GLM(r, X, family=sm.families.Binomial()).fit().fittedvalues
    except Exception as exc:  # separation: some group always or never answers
        raise EstimationError(f"the response model could not be fitted: {exc}") from None
    return np.asarray(fitted, dtype=np.float64)


def ipw_itt(
    outcome: ArrayLike,
    arm: Sequence[str],
    control: str,
    covariates: Mapping[str, ArrayLike] | None = None,
    strata: Sequence[str] | None = None,
    cluster: ArrayLike | None = None,
    alpha: float = 0.05,
) -> tuple[TermEstimate, ...]:
    """ITT on respondents weighted by their inverse probability of answering (module doc).

    Covariates must be complete for everyone randomised (they predict who answers).
    """
    y = np.asarray(outcome, dtype=np.float64)
    answered = ~np.isnan(y)
    if answered.all():
        raise EstimationError("everyone answered: there is no attrition to weight for")
    treatment_columns(arm, control)  # refuses a control that is not one of the arms
    if not all(
        np.all(np.isfinite(np.asarray(v, dtype=np.float64))) for v in (covariates or {}).values()
    ):
        raise EstimationError(
            "covariates for the response model must be complete for everyone randomised"
        )
    p = response_probability(answered, arm, strata, covariates)
    rows = answered
    sub = {k: np.asarray(v, dtype=np.float64)[rows] for k, v in (covariates or {}).items()}
    return estimate_itt(
        y[rows],
        list(np.asarray(arm, dtype=object)[rows]),
        control,
        sub or None,
        list(np.asarray(strata, dtype=object)[rows]) if strata is not None else None,
        cluster=np.asarray(cluster)[rows] if cluster is not None else None,
        alpha=alpha,
        weights=1.0 / np.asarray(p)[rows],
        adjustment="ancova" if sub else "none",
    ).effects

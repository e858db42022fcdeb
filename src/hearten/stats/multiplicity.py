"""Multiple outcomes in one family: Holm, Benjamini–Hochberg, and Westfall–Young step-down.

Holm (1979) controls the family-wise error rate and Benjamini–Hochberg (1995) the false
discovery rate; both come from statsmodels. The Westfall–Young (1993) max-T step-down
controls the family-wise error rate while using the correlation between outcomes: every
outcome's randomisation statistic is recomputed on the *same* re-draws of the trial's actual
design (:mod:`hearten.stats.randomised_units`), each on its own complete cases. Statistics are
studentised by the standard deviation of their randomisation distribution so that outcomes
on different scales compete fairly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np
from numpy.typing import ArrayLike, NDArray

from hearten.errors import EstimationError
from hearten.stats.inference import draw_estimates
from hearten.stats.randomised_units import adjustment_matrix, design_draws, label_codes

Adjustment = Literal["holm", "bh", "westfall-young"]
ADJUSTMENTS: tuple[Adjustment, ...] = get_args(Adjustment)
_STATSMODELS = {"holm": "holm", "bh": "fdr_bh"}


@dataclass(frozen=True, slots=True)
class FamilyAdjustment:
    """Adjusted p-values for a family of outcomes.

    Attributes:
        outcomes: the outcomes, in the order given.
        p_values: unadjusted p-values.
        adjusted: adjusted p-values (same order).
        method: ``holm``, ``bh`` or ``westfall-young``.
        reps: randomisation draws (Westfall–Young only).
        seed: seed of the draws (Westfall–Young, when not enumerated).
        enumerated: whether every assignment was enumerated (Westfall–Young only).
    """

    outcomes: tuple[str, ...]
    p_values: tuple[float, ...]
    adjusted: tuple[float, ...]
    method: Adjustment
    reps: int | None = None
    seed: int | None = None
    enumerated: bool | None = None


def adjust_p_values(
    outcomes: Sequence[str], p_values: Sequence[float], method: Adjustment
) -> FamilyAdjustment:
    """Holm or Benjamini–Hochberg adjustment of given p-values."""
    if method not in _STATSMODELS:
        raise EstimationError(
            f"adjust_p_values does {' and '.join(_STATSMODELS)}; "
            "use westfall_young() for the resampling step-down"
        )
    p = np.asarray(p_values, dtype=np.float64)
    if p.size == 0 or np.any((p < 0) | (p > 1)) or not np.all(np.isfinite(p)):
        raise EstimationError("p-values must be numbers between 0 and 1")
    from statsmodels.stats.multitest import multipletests  # loaded only when adjusting

    adjusted = multipletests(p, method=_STATSMODELS[method])[1]
    return FamilyAdjustment(
        tuple(outcomes), tuple(float(v) for v in p), tuple(float(v) for v in adjusted), method
    )


def westfall_young(
    outcomes: Mapping[str, ArrayLike],
    treat: ArrayLike,
    covariates: ArrayLike | Mapping[str, ArrayLike | None] | None = None,
    strata: ArrayLike | None = None,
    cluster: ArrayLike | None = None,
    reps: int = 10000,
    seed: int = 0,
) -> FamilyAdjustment:
    """Westfall–Young max-T step-down over re-draws of the design (module docstring).

    ``outcomes`` maps each outcome's name to its values, NaN where missing; ``treat``,
    ``strata`` and ``cluster`` describe every randomised person. ``covariates`` is one
    ``(n, p)`` array for every outcome, or a mapping from outcome to its own (e.g. each
    outcome's baseline), NaN only where that outcome is missing.
    """
    names = list(outcomes)
    if len(names) < 2:
        raise EstimationError("a family needs at least two outcomes")
    t = np.asarray(treat, dtype=np.float64)
    n = len(t)
    s_codes = label_codes(strata, n, "one")
    c_codes = label_codes(cluster, n, "each")
    per_outcome = isinstance(covariates, Mapping)
    shared = None if per_outcome else adjustment_matrix(n, covariates, s_codes)  # type: ignore[arg-type]
    draws, enumerated = design_draws(t, c_codes, s_codes, reps, seed)
    observed = np.empty(len(names))
    stars = np.empty((len(names), draws.shape[1]))
    for m, name in enumerate(names):
        y = np.asarray(outcomes[name], dtype=np.float64)
        if y.shape != t.shape:
            raise EstimationError(f"outcome {name!r} has {len(y)} values for {n} people")
        rows = np.isfinite(y)
        if per_outcome:
            own = covariates.get(name) if isinstance(covariates, Mapping) else None
            W = adjustment_matrix(
                n,
                None
                if own is None
                else np.where(rows[:, None], np.asarray(own, dtype=np.float64).reshape(n, -1), 0.0),
                s_codes,
            )
        else:
            assert shared is not None
            W = shared
        estimate, a, _ = draw_estimates(y[rows], t[rows], W[rows], draws[rows])
        spread = float(np.std(a))
        if spread == 0:
            raise EstimationError(f"outcome {name!r} does not vary across re-randomisations")
        observed[m], stars[m] = abs(estimate) / spread, np.abs(a) / spread
    tol = 1e-12 * np.maximum(observed, 1.0)

    def share(counts: NDArray[np.int64]) -> NDArray[np.float64]:
        R = draws.shape[1]
        return np.asarray(counts / R if enumerated else (1 + counts) / (1 + R), dtype=np.float64)

    raw = share((stars >= (observed - tol)[:, None]).sum(axis=1))
    order = np.argsort(-observed)  # most significant first
    successive_max = np.maximum.accumulate(stars[order][::-1], axis=0)[::-1]
    stepped = share((successive_max >= (observed[order] - tol[order])[:, None]).sum(axis=1))
    stepped = np.maximum.accumulate(stepped)  # adjusted p-values never decrease down the list
    adjusted = np.empty(len(names))
    adjusted[order] = np.minimum(stepped, 1.0)
    return FamilyAdjustment(
        outcomes=tuple(names),
        p_values=tuple(float(v) for v in raw),
        adjusted=tuple(float(v) for v in adjusted),
        method="westfall-young",
        reps=draws.shape[1],
        seed=None if enumerated else seed,
        enumerated=enumerated,
    )

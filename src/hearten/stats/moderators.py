"""Moderators: does the effect differ by caseload, years qualified, role or site?

Each moderator is fitted in its own model, ``y = a + τ T + γ M + δ (T × M) + X β + strata``,
with the part-1 inference (CR2 with Satterthwaite df when clustered, HC2 otherwise). A
numeric moderator is centred at its mean, so ``τ`` stays the effect at the average; a
categorical one enters as indicators against its first level, one interaction each. ``δ``
is how much the effect changes per unit (or for that level against the first). A main effect
the strata already span (site, when randomisation was stratified by site) is left to them.

Only moderators named in the analysis plan before the data came in are *pre-registered*;
their interaction terms form one family, adjusted by Holm (or Benjamini–Hochberg). Others are
reported as exploratory, unadjusted, and labelled so: a reader must never mistake a search
through subgroups for a planned test.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from hearten.errors import EstimationError
from hearten.stats.estimate import fit_ols, strata_columns, treatment_columns
from hearten.stats.multiplicity import Adjustment, adjust_p_values
from hearten.stats.vcov import VcovType


@dataclass(frozen=True, slots=True)
class ModeratorTerm:
    """One treatment-by-moderator interaction.

    Attributes:
        moderator: the moderator's name; level: the category compared with the first
            (``None`` for a numeric moderator, where the term is per unit).
        arm: the treatment arm.
        estimate, std_error, df, p_value, conf_low, conf_high: the interaction ``δ``.
        adjusted_p: the family-adjusted p-value (``None`` for exploratory moderators).
        pre_registered: whether the plan named this moderator before the data came in.
    """

    moderator: str
    level: str | None
    arm: str
    estimate: float
    std_error: float
    df: float
    p_value: float
    conf_low: float
    conf_high: float
    adjusted_p: float | None
    pre_registered: bool


def _moderator_columns(name: str, values: np.ndarray) -> dict[str, np.ndarray]:
    numeric = pd.to_numeric(pd.Series(values), errors="coerce")
    if numeric.notna().all() and pd.Series(values).nunique() > 2:
        return {name: numeric.to_numpy(dtype=float) - float(numeric.mean())}
    labels = pd.Series(values).astype(str)
    levels = sorted(labels.unique())
    if len(levels) < 2:
        raise EstimationError(f"moderator {name!r} takes one value: nothing to compare")
    return {f"{name}[{lv}]": (labels == lv).to_numpy(dtype=float) for lv in levels[1:]}


def estimate_moderators(
    outcome: ArrayLike,
    arm: Sequence[str],
    control: str,
    moderators: Mapping[str, ArrayLike],
    pre_registered: Collection[str],
    covariates: Mapping[str, ArrayLike] | None = None,
    strata: Sequence[str] | None = None,
    cluster: ArrayLike | None = None,
    vcov: VcovType | None = None,
    alpha: float = 0.05,
    adjustment: Adjustment = "holm",
) -> tuple[ModeratorTerm, ...]:
    """Treatment-by-moderator interactions (module docstring)."""
    if adjustment not in ("holm", "bh"):
        raise EstimationError("moderators are adjusted by holm or bh")
    unknown = set(pre_registered) - set(moderators)
    if unknown:
        raise EstimationError(
            f"pre-registered moderator(s) {', '.join(sorted(unknown))} were not given"
        )
    y = np.asarray(outcome, dtype=np.float64)
    treat = treatment_columns(arm, control)
    base: dict[str, np.ndarray] = {"(Intercept)": np.ones(len(y)), **treat}
    base.update({k: np.asarray(v, dtype=np.float64) for k, v in (covariates or {}).items()})
    if strata is not None:
        base.update(strata_columns(strata))
    raw: list[tuple[str, str | None, str, float, float, float, float, float, float]] = []
    for name, values in moderators.items():
        cols = _moderator_columns(name, np.asarray(values))
        design = dict(base)
        for c, v in cols.items():
            # A main effect already spanned by the strata (site within site strata) is absorbed
            # by them; only its interaction with the arm is new.
            trial = np.column_stack([*design.values(), v])
            if np.linalg.matrix_rank(trial) == trial.shape[1]:
                design[c] = v
        for a, t in treat.items():
            design.update({f"{a}:{c}": t * v for c, v in cols.items()})
        names = list(design)
        fit = fit_ols(
            y,
            np.column_stack(list(design.values())),
            names,
            cluster=cluster,
            vcov=vcov,
            alpha=alpha,
        )
        for a in treat:
            for c in cols:
                e = fit.term(f"{a}:{c}")
                level = c[len(name) + 1 : -1] if c != name else None
                raw.append(
                    (
                        name,
                        level,
                        a,
                        e.estimate,
                        e.std_error,
                        e.df,
                        e.p_value,
                        e.conf_low,
                        e.conf_high,
                    )
                )
    planned = [i for i, r in enumerate(raw) if r[0] in pre_registered]
    adjusted: dict[int, float] = {}
    if len(planned) >= 2:
        adj = adjust_p_values([str(i) for i in planned], [raw[i][6] for i in planned], adjustment)
        adjusted = dict(zip(planned, adj.adjusted, strict=True))
    elif planned:
        adjusted = {planned[0]: raw[planned[0]][6]}
    return tuple(
        ModeratorTerm(*r, adjusted_p=adjusted.get(i), pre_registered=r[0] in pre_registered)
        for i, r in enumerate(raw)
    )

"""Attrition on the primary outcome among everyone randomised, and Lee bounds."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from hearten.analysis.attrition_result import AttritionResult, LeeBoundsResult
from hearten.analysis.term_result import TermResult
from hearten.errors import EstimationError
from hearten.stats.vcov import VcovType
from hearten.trials.design import AnalysisSpec


def attrition(
    data: pd.DataFrame,
    arms: list[str],
    control: str,
    plan: AnalysisSpec,
    vcov: VcovType,
    stratified: bool,
) -> AttritionResult | None:
    """Attrition on the primary outcome among everyone randomised, and Lee bounds (two-arm
    trials whose plan asks for them; why not, when they cannot be computed)."""
    y = data["outcome"].where(data["consented"])
    if not y.isna().any():
        return None
    clusters = data["cluster"].to_numpy() if vcov == "CR2" else None
    strata = data["stratum"].tolist() if stratified else None
    from hearten.stats.attrition import attrition_by_arm, lee_bounds

    summary = attrition_by_arm(
        y.to_numpy(), data["arm"].tolist(), control, strata, clusters, plan.alpha
    )
    result = AttritionResult(
        overall=summary.overall,
        by_arm=summary.by_arm,
        differential=tuple(TermResult.of(d) for d in summary.differential),
    )
    stored = ("overall", "by_arm", "differential")
    if plan.lee_bounds and len(arms) == 2:
        treated = next(a for a in arms if a != control)
        try:
            bounds = lee_bounds(
                y.to_numpy(),
                (data["arm"] == treated).to_numpy(dtype=float),
                data["stratum"].to_numpy() if stratified else None,
                clusters,
                reps=499,
                seed=plan.seed or 0,
                alpha=plan.alpha,
                arm_names=(control, treated),
            )
            return replace(result, lee=LeeBoundsResult.of(bounds)).storing(*stored, "lee")
        except EstimationError as exc:
            return replace(result, lee_note=str(exc)).storing(*stored, "lee_note")
    return result.storing(*stored)

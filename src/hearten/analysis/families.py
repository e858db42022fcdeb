"""Multiplicity: each family of outcomes in the plan, adjusted arm by arm."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from hearten.analysis.adjusted_families import AdjustedFamily
from hearten.analysis.outcomes import OutcomeFit
from hearten.stats.multiplicity import adjust_p_values, westfall_young
from hearten.trials.design import AnalysisSpec


def adjust_families(
    data: pd.DataFrame,
    fits: dict[str, OutcomeFit],
    columns: dict[str, tuple[str, str | None]],
    control: str,
    plan: AnalysisSpec,
    stratified: bool,
    clustered: bool,
) -> tuple[AdjustedFamily, ...]:
    """Adjusted p-values for every family and non-control arm.

    Holm and Benjamini–Hochberg adjust the p-values the plan reports (the resampling ones
    when the plan's method is ``wild`` or ``ri``). Westfall–Young re-draws the design over
    everyone randomised to the two arms, each outcome on its own analysed people and
    adjusted for its own baseline.
    """
    results = []
    arms = [e.term for e in next(iter(fits.values())).effects]
    for family in plan.families:
        for i, arm in enumerate(arms):
            p_values: list[Any] = []  # a fitted effect's p-value (None only in a stored run)
            for name in family.outcomes:
                effect = fits[name].effects[i]
                p_values.append(
                    effect.resampling["p_value"] if effect.resampling else effect.p_value
                )
            redrawn = AdjustedFamily(name=family.name, method=family.method, arm=arm)
            if family.method == "westfall-young":
                assert plan.seed is not None  # the design file requires it
                pair = data[data["arm"].isin([control, arm])]
                outcomes, covariates = {}, {}
                for name in family.outcomes:
                    y_col, x_col = columns[name]
                    ok = pair["consented"] & pair[y_col].notna()
                    if x_col is not None:
                        ok &= pair[x_col].notna()
                    outcomes[name] = np.where(ok, pair[y_col], np.nan)
                    covariates[name] = pair[x_col].to_numpy(dtype=float) if x_col else None
                adjusted = westfall_young(
                    outcomes,
                    (pair["arm"] == arm).to_numpy(dtype=float),
                    covariates,
                    pair["stratum"].to_numpy() if stratified else None,
                    pair["cluster"].to_numpy() if clustered else None,
                    plan.reps,
                    plan.seed,
                )
                p_values = list(adjusted.p_values)
                redrawn = replace(
                    redrawn, reps=adjusted.reps, seed=adjusted.seed, enumerated=adjusted.enumerated
                )
            else:
                adjusted = adjust_p_values(family.outcomes, p_values, family.method)
            results.append(
                replace(
                    redrawn,
                    outcomes=tuple(family.outcomes),
                    p_values=tuple(p_values),
                    adjusted=tuple(adjusted.adjusted),
                )
            )
    return tuple(results)

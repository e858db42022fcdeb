"""Multiple imputation of one planned outcome, when the plan asks for it.

``[analysis.imputation]`` (or ``missing_data = "mice"``) imputes the missing follow-up
scores of everyone who consented, with the baseline and the plan's covariates, separately
within each arm and with stratum indicators as predictors (:mod:`hearten.stats.imputation`,
as R ``mice``), analyses each completed data set by the plan's ITT model (ANCOVA or Lin,
strata, CR2 with Satterthwaite df or HC2) and pools by Rubin's rules with Barnard–Rubin df.
With ``missing_data = "mice"`` these are the outcome's reported effects (the plan's
missing-data analysis); otherwise they are stored beside the complete-case ones as a
sensitivity analysis.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Literal

import pandas as pd

from hearten.analysis.imputation_result import ImputationResult, ImputedEffect
from hearten.errors import EstimationError
from hearten.stats.estimate import TermEstimate, one_sided
from hearten.stats.vcov import VcovType
from hearten.trials.design import AnalysisSpec

Role = Literal["primary", "sensitivity"]


def imputation_role(plan: AnalysisSpec) -> Role | None:
    """``primary`` when the plan's missing-data analysis is multiple imputation,
    ``sensitivity`` when it is run beside another, ``None`` when not planned."""
    if plan.imputes is None:
        return None
    return "primary" if plan.missing_data == "mice" else "sensitivity"


def imputed_effects(
    data: pd.DataFrame,
    y: pd.Series,
    x: pd.Series | None,
    control: str,
    plan: AnalysisSpec,
    vcov: VcovType,
    stratified: bool,
) -> ImputationResult | None:
    """The outcome's effects under multiple imputation, as a run stores them, or ``None``
    when the plan does not impute.

    ``y`` and ``x`` are the (transformed) outcome and baseline of every consenting person,
    missing values as ``nan``; ``data`` holds their ``arm``, ``stratum``, ``cluster`` and
    the plan's covariates. An outcome that cannot be imputed (an arm with too few answers)
    gives a ``note`` instead of effects.
    """
    from hearten.stats.imputation import estimate_itt_imputed

    settings, role = plan.imputes, imputation_role(plan)
    if settings is None or role is None:
        return None
    assert plan.seed is not None  # the design file requires it
    rows = data.loc[y.index]
    covariates = {"baseline": x} if x is not None else {}
    covariates.update({name: rows[name].astype(float) for name in plan.covariates})
    out = ImputationResult(
        role=role,
        imputations=settings.imputations,
        iterations=settings.iterations,
        donors=settings.donors,
        seed=plan.seed,
        n=len(rows),
    )
    try:
        fit = estimate_itt_imputed(
            y.to_numpy(dtype=float),
            rows["arm"].tolist(),
            control,
            {k: v.to_numpy(dtype=float) for k, v in covariates.items()} or None,
            rows["stratum"].tolist() if stratified else None,
            rows["cluster"].to_numpy() if vcov == "CR2" else None,
            vcov,
            settings.imputations,
            plan.seed,
            plan.alpha,
            plan.adjustment,
            settings.iterations,
            settings.donors,
        )
    except EstimationError as exc:
        return replace(out, note=str(exc)).storing(*_SETTINGS, "note")
    effects = []
    for term in fit.effects:
        p = term.pooled
        tested = one_sided(
            TermEstimate(
                term.term, p.estimate, p.std_error, p.df, p.statistic, p.p_value,
                p.conf_low, p.conf_high, fit.n, _clusters(rows, vcov), vcov, plan.alpha,
            ),
            plan.alternative,
        )  # fmt: skip
        effects.append(
            replace(
                ImputedEffect.of_term(tested),
                alternative=plan.alternative,
                within=p.within,
                between=p.between,
                fmi=p.fmi,
                riv=p.riv,
                df_complete=p.df_complete,
            )
        )
    return replace(out, missing=fit.missing, effects=tuple(effects)).storing(
        *_SETTINGS, "missing", "effects"
    )


#: What an imputation stores of its settings and size, before its effects or its note.
_SETTINGS = ("role", "imputations", "iterations", "donors", "seed", "n")


def _clusters(rows: pd.DataFrame, vcov: VcovType) -> int | None:
    return int(rows["cluster"].nunique()) if vcov == "CR2" else None

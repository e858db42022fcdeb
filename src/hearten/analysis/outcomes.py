"""Fitting one planned outcome: the ITT of each arm, its effect size and resampling test."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from hearten.analysis.arm_effect import ArmEffect, Interval, StandardisedEffect
from hearten.analysis.effects import Outcomes, planned_hedges_g
from hearten.analysis.imputation_result import ImputationResult
from hearten.analysis.multilevel_result import MultilevelResult
from hearten.analysis.observed_icc import ObservedIcc
from hearten.analysis.term_result import TermResult
from hearten.errors import DesignError, EstimationError
from hearten.stats.attrition import response_probability
from hearten.stats.effect_size import hedges_g
from hearten.stats.estimate import (
    IttFit,
    design_matrix,
    estimate_itt,
    one_sided,
)
from hearten.stats.inference import randomisation_inference, wild_cluster_bootstrap
from hearten.stats.vcov import VcovType
from hearten.trials.design import AnalysisSpec, Transform


@dataclass(frozen=True, slots=True)
class OutcomeFit:
    """One outcome's analysis.

    Attributes:
        used: the analysed rows, with columns ``arm``, ``stratum``, ``cluster``, ``site``,
            ``y`` and, when baseline-adjusted, ``x``.
        fit: the ITT fit.
        effects: per non-control arm, the effect as a run stores it, with ``hedges_g`` and
            ``resampling``; under ``missing_data = "mice"`` the pooled multiple-imputation
            effect, with the complete-case one beside it (:meth:`ArmEffect.pooled`).
        imputation: the multiple imputation the plan asks for
            (:func:`hearten.analysis.imputed.imputed_effects`), or ``None``.
    """

    used: pd.DataFrame
    fit: IttFit
    effects: tuple[ArmEffect, ...]
    imputation: ImputationResult | None = None


@dataclass(frozen=True, slots=True)
class Redraws:
    """Re-draws of the initial allocation by its own rule: ``arms[r, i]`` is unit
    ``units[i]``'s arm in draw ``r``. Units that joined later keep their arm."""

    units: tuple[str, ...]
    arms: NDArray[np.str_]

    def treated(
        self, unit: NDArray[Any], arm: str, observed: NDArray[np.float64]
    ) -> NDArray[np.float64]:
        """``(rows, R)`` 0/1: is each row's unit in ``arm`` in each draw."""
        position = {u: i for i, u in enumerate(self.units)}
        out = np.repeat(observed[:, None], self.arms.shape[0], axis=1)
        for row, key in enumerate(unit):
            i = position.get(str(key))
            if i is not None:
                out[row] = (self.arms[:, i] == arm).astype(np.float64)
        return out


def fit_outcome(
    data: pd.DataFrame,
    outcome: str,
    baseline: str | None,
    arms: list[str],
    control: str,
    plan: AnalysisSpec,
    vcov: VcovType,
    stratified: bool,
    redraws: Redraws | None = None,
    transform: Transform = "none",
) -> OutcomeFit:
    """Fit the plan's ITT model to one outcome column of the analysis dataset.

    Analysed: participants who consented and answered the outcome (and baseline) survey.
    The outcome (and its baseline) are transformed as planned; the plan's covariates enter
    beside the baseline, a missing value replaced by the mean with an indicator (White and
    Thompson 2005); with ``missing_data = "ipw"`` each analysed person is weighted by the
    inverse of the share of consenting people in their arm and stratum who answered. The
    tests are one-sided when the plan says so. ``redraws`` are the allocation's own re-draws,
    for randomisation inference after re-randomisation or matched pairs.
    """
    rows = data["consented"] & data[outcome].notna()
    if baseline is not None:
        rows &= data[baseline].notna()
    used = data.loc[rows, ["arm", "stratum", "cluster", "site"]].assign(
        y=_transform(data.loc[rows, outcome], data.loc[rows, "arm"], control, transform, outcome)
    )
    if baseline is not None:
        used = used.assign(
            x=_transform(
                data.loc[rows, baseline], data.loc[rows, "arm"], control, transform, baseline
            )
        )
    for name in plan.covariates:
        values = data.loc[rows, name].astype(float)
        used[f"cov:{name}"] = values.fillna(values.mean() if values.notna().any() else 0.0)
        if values.isna().any():
            used[f"cov:{name} missing"] = values.isna().astype(float)
    if plan.missing_data == "ipw":
        used["w"] = _response_weights(data, rows, stratified).loc[used.index]
    short = [a for a in arms if (used["arm"] == a).sum() < 2]
    if short:
        raise EstimationError(
            f"too few analysable participants (fewer than 2) for {outcome!r} in arm(s) "
            + ", ".join(short)
            + ": wait for more responses"
        )
    clustered = vcov == "CR2"
    covariates = adjusters(used)
    fit = estimate_itt(
        used["y"].to_numpy(),
        used["arm"].tolist(),
        control,
        covariates or None,
        used["stratum"].tolist() if stratified else None,
        cluster=used["cluster"].to_numpy() if clustered else None,
        vcov=vcov,
        alpha=plan.alpha,
        weights=used["w"].to_numpy() if "w" in used else None,
        adjustment=plan.adjustment if covariates else "none",
    )
    outcomes = Outcomes(
        used["y"].to_numpy(dtype=float),
        used["arm"].to_numpy(),
        control,
        used["cluster"].to_numpy() if clustered else None,
    )
    tested = [ArmEffect.of_term(one_sided(e, plan.alternative)) for e in fit.effects]
    effects = tuple(
        replace(
            t,
            alternative=plan.alternative,
            hedges_g=_g(t, outcomes, e.term, e.alpha),
            resampling=_resampling(used, control, e.term, plan, stratified, clustered, redraws),
        )
        for t, e in zip(tested, fit.effects, strict=True)
    )
    imputation = _imputation(data, outcome, baseline, control, plan, vcov, stratified, transform)
    if imputation and imputation.role == "primary" and "effects" in imputation.to_json():
        effects = tuple(
            ArmEffect.pooled(mi, _g(mi, outcomes, e.term, e.alpha), cc)
            for mi, cc, e in zip(imputation.effects, effects, fit.effects, strict=True)
        )
    return OutcomeFit(used, fit, effects, imputation)


def _imputation(
    data: pd.DataFrame,
    outcome: str,
    baseline: str | None,
    control: str,
    plan: AnalysisSpec,
    vcov: VcovType,
    stratified: bool,
    transform: Transform,
) -> ImputationResult | None:
    """The plan's multiple imputation of this outcome over everyone who consented."""
    from hearten.analysis.imputed import imputed_effects

    if plan.imputes is None:
        return None
    rows = data["consented"]
    arm = data.loc[rows, "arm"]
    y = _transform(data.loc[rows, outcome], arm, control, transform, outcome)
    x = None
    if baseline is not None:
        x = _transform(data.loc[rows, baseline], arm, control, transform, baseline)
    return imputed_effects(data, y, x, control, plan, vcov, stratified)


def adjusters(used: pd.DataFrame) -> dict[str, NDArray[np.float64]]:
    """The covariates of an analysed frame: the baseline ``x`` and each ``cov:`` column."""
    out = {"baseline": used["x"].to_numpy(dtype=float)} if "x" in used else {}
    out.update({c[4:]: used[c].to_numpy(dtype=float) for c in used.columns if c.startswith("cov:")})
    return out


def _transform(
    values: pd.Series, arm: pd.Series, control: str, transform: Transform, column: str
) -> pd.Series:
    """``standardise``: minus the control arm's mean, over its SD; ``log``: natural log."""
    values = values.astype(float)
    if transform == "log":
        if (values <= 0).any():
            raise EstimationError(
                f"{column!r} has zero or negative scores, which have no logarithm: "
                "use transform 'none' or 'standardise' in the plan"
            )
        return pd.Series(np.log(values.to_numpy()), index=values.index)
    if transform == "standardise":
        reference = values[arm == control]
        sd = float(reference.std(ddof=1)) if len(reference) > 1 else 0.0
        if not sd > 0:
            raise EstimationError(
                f"{column!r} cannot be standardised: the control arm's scores do not vary"
            )
        return (values - float(reference.mean())) / sd
    return values


def _response_weights(data: pd.DataFrame, analysed: pd.Series, stratified: bool) -> pd.Series:
    """Inverse-probability-of-response weights of the consenting people: 1 / their chance
    of being analysed by :func:`hearten.stats.attrition.response_probability` (the share
    analysed among the consenting people of the same arm and stratum)."""
    consenting = data[data["consented"]]
    p = response_probability(
        analysed[consenting.index].to_numpy(),
        consenting["arm"].tolist(),
        consenting["stratum"].tolist() if stratified else None,
    )
    return pd.Series(1.0 / p, index=consenting.index)


def observed_clustering(
    used: pd.DataFrame,
    control: str,
    stratified: bool,
    clustered: bool,
    alpha: float,
    effects: Sequence[ArmEffect] = (),
) -> ObservedIcc | None:
    """The outcome's observed ICC with its interval (CONSORT 2010 cluster extension, item
    17a), and the MDES at 80% power recomputed from the sample analysed.

    The ICC is REML's, from ``y = cell + u_team + e`` with a fixed effect for each arm-by-
    stratum cell, so neither the treatment effect nor site differences count as clustering
    (``lmer(y ~ factor(cell) + (1 | team))``), with its profile-likelihood interval
    (:func:`hearten.stats.icc.estimate_icc`). The MDES is PowerUp!'s (``cra2``, or
    ``bcra3f2`` with teams within strata) at the achieved teams and people per team, the
    observed ICC and the R² the baseline explains within and between teams; one per arm
    against control, with that comparison's share of teams treated. ``None`` unless teams
    were randomised (or when too few teams leave nothing to estimate).

    With ``effects``, also Hedges' g on the total variance as the Education Endowment
    Foundation reports it (``eef_g``): each effect and its interval over
    ``sqrt(τ² + σ²)`` of that model (between plus within teams, without covariates), times
    Hedges' correction ``1 - 3/(4(N - 2) - 1)`` (:func:`hearten.stats.effect_size.hedges_g`
    with ``sd_is_total``, the one definition).
    """
    from hearten.stats.icc import estimate_icc
    from hearten.stats.power import PowerDesign, solve_mdes

    if not clustered:
        return None
    cell = used["arm"].astype(str) + "|" + (used["stratum"].astype(str) if stratified else "")
    try:
        e = estimate_icc(used["y"], used["cluster"], cell, used.get("x"), alpha)
    except EstimationError:
        return None
    teams = used.groupby("arm")["cluster"].nunique()
    mdes: dict[str, float | None] = {}
    for arm in teams.index.drop(control):
        pair = used[used["arm"].isin([control, arm])]
        J, K = pair["cluster"].nunique(), pair["stratum"].nunique() if stratified else 1
        design = PowerDesign(
            "bcra3f2" if K > 1 else "cra2",
            n=len(pair) / J,
            clusters=J / K,
            sites=K if K > 1 else None,
            icc2=e.icc_reml,
            r2_1=e.r2_1 or 0.0,
            r2_2=min(e.r2_2 or 0.0, 0.99),
            covariates=1 if "x" in used else 0,
            treated=teams[arm] / J,
            alpha=alpha,
        )
        try:
            mdes[str(arm)] = solve_mdes(design).mdes
        except DesignError:
            mdes[str(arm)] = None
    eef: dict[str, dict[str, float | None]] = {}
    sd = float(np.sqrt(e.total_variance)) if e.total_variance else None
    for effect in effects:
        N = int(used["arm"].isin([control, effect.term]).sum())
        if sd is None or N < 4:
            continue
        # The one Hedges' g: over a model's total SD (no cluster factor), ω = 1 - 3/(4(N-2)-1).
        n_t = int((used["arm"] == effect.term).sum())
        scale = hedges_g(effect.estimate, sd, n_t, N - n_t, sd_is_total=True).scale

        def on_scale(v: float | None, scale: float = scale) -> float | None:
            return None if v is None else float(v) * scale

        eef[effect.term] = {
            "g": on_scale(effect.estimate),
            "conf_low": on_scale(effect.conf_low),
            "conf_high": on_scale(effect.conf_high),
        }
    return ObservedIcc(
        icc=e.icc_reml,
        total_variance=e.total_variance,
        eef_g=eef,
        conf_low=e.reml_low,
        conf_high=e.reml_high,
        teams=e.teams,
        people=e.people,
        r2_within=e.r2_1,
        r2_between=e.r2_2,
        mdes=mdes,
        notes=tuple(e.notes),
    )


def multilevel_estimate(
    used: pd.DataFrame, control: str, stratified: bool, clustered: bool, alpha: float
) -> MultilevelResult | None:
    """The sensitivity analysis beside CR2: the same model with random team intercepts,
    fixed strata and covariates, REML and Satterthwaite df (:mod:`hearten.stats.multilevel`,
    checked against lme4 and lmerTest). ``None`` unless teams were randomised, or with a
    note when the model cannot be fitted (no team variance, too few teams)."""
    from scipy import stats as sps

    from hearten.stats.estimate import design_matrix, treatment_columns
    from hearten.stats.multilevel import fit_random_intercepts

    if not clustered:
        return None
    treat = treatment_columns(used["arm"].tolist(), control)
    X, names = design_matrix(
        len(used), treat, adjusters(used) or None, used["stratum"].tolist() if stratified else None
    )
    try:
        fit = fit_random_intercepts(used["y"].to_numpy(dtype=float), X, names, used["cluster"])
    except EstimationError as exc:
        return MultilevelResult(note=str(exc)).storing("note")
    effects = []
    for term in treat:
        i = names.index(term)
        b, se, df = fit.coef[i], fit.std_error[i], fit.df[i]
        t = float(sps.t.ppf(1 - alpha / 2, df))
        effects.append(
            TermResult(
                term=term,
                estimate=b,
                std_error=se,
                df=df,
                conf_low=b - t * se,
                conf_high=b + t * se,
                p_value=fit.p_value[i],
            ).storing("term", "estimate", "std_error", "df", "conf_low", "conf_high", "p_value")
        )
    return MultilevelResult(
        effects=tuple(effects), tau2=fit.tau2, sigma2=fit.sigma2, teams=fit.teams
    ).storing("effects", "tau2", "sigma2", "teams")


def _g(effect: TermResult, outcomes: Outcomes, arm: str, alpha: float) -> StandardisedEffect | None:
    """Hedges' g of one arm against control as a run stores it
    (:func:`hearten.analysis.effects.planned_hedges_g`, as ``hearten analyse``), on the
    planned analysis's interval (``effect``: the primary result, imputed when imputation is
    primary; ``None`` without its standard error, as :func:`planned_hedges_g` gives it when g
    cannot be computed)."""
    if effect.std_error is None:
        return None
    interval = Interval.of_stored(effect.conf_low, effect.conf_high)
    return planned_hedges_g(effect.estimate, effect.std_error, interval, outcomes, arm, alpha)


def _resampling(
    used: pd.DataFrame,
    control: str,
    arm: str,
    plan: AnalysisSpec,
    stratified: bool,
    clustered: bool,
    redraws: Redraws | None = None,
) -> dict[str, Any] | None:
    """The plan's resampling p-value and interval for one arm against control, if any."""
    if plan.method == "analytic":
        return None
    assert plan.seed is not None  # the design file requires it
    pair = used[used["arm"].isin([control, arm])]
    t = (pair["arm"] == arm).to_numpy(dtype=float)
    y = pair["y"].to_numpy(dtype=float)
    strata = pair["stratum"].to_numpy() if stratified else None
    covariates = adjusters(pair)
    cov = np.column_stack(list(covariates.values())) if covariates else None
    if plan.method == "wild":
        X, names = design_matrix(
            len(t),
            {"treatment": t.astype(np.float64)},
            covariates or None,
            strata.tolist() if strata is not None else None,
        )
        test = wild_cluster_bootstrap(
            y,
            X,
            names,
            "treatment",
            pair["cluster"].to_numpy(),
            plan.reps,
            plan.seed,
            alpha=plan.alpha,
        )
    else:
        test = randomisation_inference(
            y,
            t,
            cov,
            strata,
            pair["cluster"].to_numpy() if clustered else None,
            plan.reps,
            plan.seed,
            alpha=plan.alpha,
            draws=None
            if redraws is None
            else redraws.treated(pair["cluster"].to_numpy(), arm, np.asarray(t, dtype=np.float64)),
        )
    return {
        "method": test.method,
        "p_value": test.p_value,
        "conf_low": test.conf_low,
        "conf_high": test.conf_high,
        "reps": test.reps,
        "seed": test.seed,
        "enumerated": test.enumerated,
    }

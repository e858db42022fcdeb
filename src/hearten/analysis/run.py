"""Run a trial's analysis plan and store the result.

The plan (from the design file): for the primary outcome and each secondary one, the ITT
effect of each arm against control by OLS of the outcome score on arm indicators, the
baseline score (when the plan names a baseline wave; ANCOVA or Lin) and strata fixed effects;
CR2 standard errors with Satterthwaite df clustered on the randomised unit when teams or
offices were randomised, HC2 when people were; Hedges' g; the resampling test the plan asks
for; and each family of outcomes adjusted for multiplicity. Complete cases: participants who
consented and answered the outcome (and baseline) survey.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd
from django.utils import timezone

from hearten.analysis.allocation_record import RunArm
from hearten.analysis.attrition import attrition
from hearten.analysis.balance import analysed_balance, randomisation_balance, sample_ratio
from hearten.analysis.coefficients import Coefficient
from hearten.analysis.dataset import build_dataset, dataset_digest
from hearten.analysis.economics import economics
from hearten.analysis.families import adjust_families
from hearten.analysis.flow import flow_from_dataset
from hearten.analysis.hr_effects import hr_effects
from hearten.analysis.integrity import allocation_record, assessed
from hearten.analysis.models import AnalysisRun
from hearten.analysis.moderators import moderators
from hearten.analysis.outcomes import (
    OutcomeFit,
    Redraws,
    fit_outcome,
    multilevel_estimate,
    observed_clustering,
)
from hearten.analysis.plan import run_plan_status
from hearten.analysis.result import AnalysisResult, InstrumentUsed, ModelUsed, OutcomeResult
from hearten.analysis.sites import by_site
from hearten.analysis.specification import AnalysisSpecification, require_allocation, specify
from hearten.analysis.stored import store_run
from hearten.analysis.uptake import cace, took_part_in, uptake_figures
from hearten.analysis.working_conditions import stressors
from hearten.stats.schemes import scheme_method
from hearten.trials.allocation import rule_redraws
from hearten.trials.lifecycle import design_of
from hearten.trials.models import Trial


def run_analysis(trial: Trial, now: datetime) -> AnalysisRun:
    """Run the trial's stored plan on its stored data; store and return the run.

    ``now``: the time of the run, read once by the caller (a command, a page, the demo; a
    test gives a fixed one) and used throughout: it is stored in the result as ``as_of``.
    Only whether the HR window has run depends on it once the outcome's wave has closed: the
    window's end is fixed by the plan and the randomisation, and perks count to the day the
    wave closed (to ``now`` while it is open)."""
    today = timezone.localdate(now)
    require_allocation(trial)
    design = design_of(trial)
    if trial.allocation.scheme == "stepped-wedge":
        # Every cluster crosses to the change in its turn: its own planned model.
        from hearten.analysis.stepped_wedge import run_stepped_wedge

        return run_stepped_wedge(trial, now)  # the same clock
    spec = specify(trial, design, now, today)
    data = build_dataset(trial)
    result = fit_plan(spec, data)
    return store_run(trial, result.to_json(), dataset_digest(data), now)


def _redraws(spec: AnalysisSpecification) -> Redraws | None:
    """The allocation's own re-draws, when randomisation inference must follow its rule."""
    restricted = scheme_method(spec.trial.allocation.scheme).redraws_by_rule
    if spec.plan.method == "ri" and restricted:
        # Inference must re-draw by the rule the allocation was drawn by (Morgan and Rubin).
        units, drawn = rule_redraws(spec.trial, spec.plan.reps)
        return Redraws(units, np.asarray(drawn, dtype=str))
    return None


def fit_outcomes(spec: AnalysisSpecification, data: pd.DataFrame) -> dict[str, OutcomeFit]:
    """Each planned outcome fitted by the plan's model, by name, primary first."""
    redraws = _redraws(spec)
    arms = list(spec.arms)
    return {
        o.name: fit_outcome(
            data,
            spec.columns[o.name].outcome,
            spec.columns[o.name].baseline,
            arms,
            spec.control,
            spec.plan,
            spec.vcov,
            spec.stratified,
            redraws,
            o.transform,
        )
        for o in spec.outcomes
    }


def _secondary(
    spec: AnalysisSpecification, fits: dict[str, OutcomeFit]
) -> tuple[OutcomeResult, ...]:
    plan = spec.plan
    return tuple(
        OutcomeResult(
            name=o.name,
            role=next(x.role for x in plan.secondary if x.name == o.name),
            outcome=f"{o.instrument} {o.score} at {o.wave}",
            transform=o.transform,
            baseline=o.baseline_wave,
            n=fits[o.name].fit.fit.n,
            effects=fits[o.name].effects,
            imputation=fits[o.name].imputation,
            observed_icc=observed_clustering(
                fits[o.name].used,
                spec.control,
                spec.stratified,
                spec.cluster_robust,
                plan.alpha,
                fits[o.name].effects,
            ),
        )
        for o in spec.outcomes[1:]
    )


def fit_plan(spec: AnalysisSpecification, data: pd.DataFrame) -> AnalysisResult:
    """Fit the specified plan to the analysis dataset: every planned outcome, then what the
    report shows beside them (in the order the stored result lists them)."""
    trial, plan, control, vcov = spec.trial, spec.plan, spec.control, spec.vcov
    stratified, clustered, today = spec.stratified, spec.clustered, spec.today
    arms = list(spec.arms)
    fits = fit_outcomes(spec, data)
    primary = fits["primary"]
    control_outcome = primary.used.loc[primary.used["arm"] == control, "y"]
    analysed = data.loc[primary.used.index]
    # Who took part, read once: the CACE and the flow diagram both use it.
    took_part = (
        took_part_in(trial, data, plan.compliance, spec.primary.wave, today)
        if plan.compliance
        else None
    )
    found, stressors_note = stressors(trial, data, primary, plan.alpha, vcov, stratified)
    instrument = spec.instrument
    model = ModelUsed(
        outcome=f"{instrument.name} {spec.primary.score} at {plan.outcome_wave}",
        baseline=plan.baseline_wave,
        strata_fixed_effects=stratified,
        vcov=vcov,
        cluster=trial.unit if spec.cluster_robust else None,
        alpha=plan.alpha,
        adjustment=plan.adjustment,
        method=plan.method,
        seed=plan.seed,
        transform=plan.transform,
        covariates=tuple(plan.covariates),
        missing_data=plan.missing_data,
        alternative=plan.alternative,
        n=primary.fit.fit.n,
        n_clusters=primary.fit.fit.n_clusters,
    )
    # CONSORT 17a: the primary outcome's observed ICC with its interval, and the MDES
    # recomputed from the sample analysed (None unless teams or offices were randomised).
    observed_icc = observed_clustering(
        primary.used, control, stratified, spec.cluster_robust, plan.alpha, primary.effects
    )
    # A pre-specifiable sensitivity analysis: random team intercepts, fixed strata.
    multilevel = multilevel_estimate(
        primary.used, control, stratified, spec.cluster_robust, plan.alpha
    )
    effect_on_takers = cace(took_part, primary, control, plan, vcov, stratified)
    uptake = uptake_figures(trial)
    hr = hr_effects(trial, data, control, plan, clustered, stratified, today)
    coefficients = Coefficient.table(primary.fit.fit)
    secondary = _secondary(spec, fits)
    sites = by_site(primary, control, plan.alpha, vcov)
    moderated = moderators(primary, data, control, plan.moderators, vcov, plan.alpha, stratified)
    attrited = attrition(data, arms, control, plan, vcov, stratified)
    columns = {name: (c.outcome, c.baseline) for name, c in spec.columns.items()}
    families = adjust_families(data, fits, columns, control, plan, stratified, spec.cluster_robust)
    flow = flow_from_dataset(data, arms, plan.baseline_wave is not None, took_part)
    roster = assessed(trial)
    balance = analysed_balance(analysed, arms, control)
    at_randomisation = randomisation_balance(data, arms, control, clustered, trial.unit)
    ratio_tests = sample_ratio(data, arms, list(spec.ratio), clustered)
    allocation = allocation_record(trial, data)
    costs = economics(
        trial, data, arms, control, plan, stratified, found, primary.used, primary.effects,
        today,
    )  # fmt: skip
    results = [o.name for o in spec.outcomes]
    if plan.hr is not None:
        results += [k for k in ("absence", "leaving") if getattr(plan.hr, k)]
    return AnalysisResult(
        trial=trial.slug,
        instrument=InstrumentUsed(
            instrument.name, instrument.title, spec.primary.score, instrument.licence
        ),
        model=model,
        control=control,
        control_mean=float(control_outcome.mean()),
        control_sd=float(control_outcome.std(ddof=1)),
        effects=primary.effects,
        observed_icc=observed_icc,
        # The plan's multiple imputation (its missing-data analysis or a sensitivity one).
        imputation=primary.imputation,
        multilevel=multilevel,
        cace=effect_on_takers,
        uptake=uptake,
        hr=hr,
        coefficients=coefficients,
        secondary=secondary,
        sites=sites,
        stressors=found,
        stressors_note=stressors_note,
        moderators=moderated,
        attrition=attrited,
        families=families,
        flow=flow,
        assessed=roster,
        balance=balance,
        randomisation_balance=at_randomisation,
        sample_ratio=ratio_tests,
        allocation=allocation,
        arms=tuple(RunArm(name=a.name, label=a.label) for a in spec.design.arms),
        economics=costs,
        as_of=spec.now.isoformat(),
        plan=run_plan_status(trial, spec.now, results),
    )

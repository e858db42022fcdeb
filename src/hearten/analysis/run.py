"""Run a trial's analysis plan and store the result.

The plan (from the design file): the ITT effect of each arm against control by OLS of the
outcome score on arm indicators, the baseline score (when the plan names a baseline wave)
and strata fixed effects; CR2 standard errors with Satterthwaite df clustered on the
randomised unit when teams or offices were randomised, HC2 when people were. Complete
cases: participants who consented and answered the outcome (and baseline) survey.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import numpy as np
import pandas as pd
from django.db import transaction

import hearten
from hearten.analysis.dataset import build_dataset, dataset_digest
from hearten.analysis.flow import flow_from_dataset
from hearten.analysis.models import AnalysisRun
from hearten.errors import EstimationError, StateError
from hearten.instruments import get_instrument
from hearten.stats.balance import balance_row
from hearten.stats.effect_size import hedges_g, icc_anova, pooled_sd
from hearten.stats.estimate import TermEstimate, estimate_itt
from hearten.stats.inference import randomisation_inference, wild_cluster_bootstrap
from hearten.stats.vcov import VcovType
from hearten.trials import audit
from hearten.trials.choices import TrialStatus, Unit
from hearten.trials.design import AnalysisSpec
from hearten.trials.lifecycle import design_of
from hearten.trials.models import Allocation, Trial


def _vcov_for(trial: Trial, planned: str) -> VcovType:
    clustered = trial.unit != Unit.INDIVIDUAL
    if planned == "auto":
        return "CR2" if clustered else "HC2"
    if planned == "HC2" and clustered:
        raise EstimationError(
            f"the plan asks for HC2 but {trial.unit}s were randomised: use CR2 (or 'auto')"
        )
    return "CR2" if planned == "CR2" else "HC2"


BALANCE_VARIABLES = (
    ("baseline", "Baseline score"),
    ("fte", "Full-time equivalent"),
    ("caseload", "Caseload"),
    ("years_in_post", "Years in post"),
)


def _balance(data: pd.DataFrame, arms: list[str], control: str) -> list[dict[str, Any]]:
    """Baseline balance of the analysed sample, caseload included (a structural stressor)."""
    return [
        asdict(
            balance_row(
                label,
                {a: data.loc[data["arm"] == a, column].to_numpy(dtype=float) for a in arms},
                control,
            )
        )
        for column, label in BALANCE_VARIABLES
    ]


def _effect_size(
    used: pd.DataFrame, control: str, e: TermEstimate, clustered: bool
) -> dict[str, float] | None:
    """Hedges' g of one arm against control, with the WWC cluster adjustment when clustered."""
    pair = used[used["arm"].isin([control, e.term])]
    y, arm = pair["outcome"].to_numpy(dtype=float), pair["arm"].to_numpy()
    try:
        sd = pooled_sd(y[arm == e.term], y[arm == control])
        rho, size = 0.0, 1.0
        if clustered:
            rho = icc_anova(y, pair["cluster"].to_numpy(), arm)
            size = len(pair) / pair["cluster"].nunique()
        g = hedges_g(
            e.estimate,
            sd,
            int((arm == e.term).sum()),
            int((arm == control).sum()),
            rho,
            size,
            e.alpha,
        )
    except EstimationError:
        return None
    return {
        "g": g.g,
        "std_error": g.std_error,
        "conf_low": g.conf_low,
        "conf_high": g.conf_high,
        "icc": g.icc,
    }


def _resampling(
    used: pd.DataFrame,
    control: str,
    arm: str,
    plan: AnalysisSpec,
    covariates: dict[str, np.ndarray],
    stratified: bool,
    clustered: bool,
) -> dict[str, object] | None:
    """The plan's resampling p-value and interval for one arm against control, if any."""
    if plan.method == "analytic":
        return None
    assert plan.seed is not None  # the design file requires it
    pair = used[used["arm"].isin([control, arm])]
    t = (pair["arm"] == arm).to_numpy(dtype=float)
    y = pair["outcome"].to_numpy(dtype=float)
    strata = pair["stratum"].to_numpy() if stratified else None
    cluster = pair["cluster"].to_numpy()
    cov = pair[["baseline"]].to_numpy(dtype=float) if covariates else None
    if plan.method == "wild":
        cols = [np.ones(len(t)), t] + ([cov[:, 0]] if cov is not None else [])
        names = ["(Intercept)", "treatment"] + (["baseline"] if cov is not None else [])
        if strata is not None:
            levels = sorted(set(strata))[1:]
            cols += [(strata == lv).astype(float) for lv in levels]
            names += [f"stratum[{lv}]" for lv in levels]
        test = wild_cluster_bootstrap(
            y,
            np.column_stack(cols),
            names,
            "treatment",
            cluster,
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
            cluster if clustered else None,
            plan.reps,
            plan.seed,
            alpha=plan.alpha,
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


def run_analysis(trial: Trial) -> AnalysisRun:
    """Run the trial's stored plan on its stored data; store and return the run."""
    if not Allocation.objects.filter(trial=trial).exists():
        raise StateError(
            f"trial {trial.slug!r} is not randomised yet: run `hearten trial "
            f"randomise {trial.slug} --seed N` first"
        )
    design = design_of(trial)
    instrument_name, score = design.outcome_score()
    instrument = get_instrument(instrument_name)
    data = build_dataset(trial)
    arms = [a.name for a in design.arms]
    control = design.control
    needs_baseline = design.analysis.baseline_wave is not None
    flow = flow_from_dataset(data, arms, needs_baseline)

    used = data[data["consented"] & data["outcome"].notna()]
    if needs_baseline:
        used = used[used["baseline"].notna()]
    missing_arms = [a for a in arms if (used["arm"] == a).sum() < 2]
    if missing_arms:
        raise EstimationError(
            "too few analysable participants (fewer than 2) in arm(s) "
            + ", ".join(missing_arms)
            + ": wait for more follow-up responses"
        )
    plan = design.analysis
    vcov = _vcov_for(trial, plan.vcov)
    covariates = {"baseline": used["baseline"].to_numpy()} if needs_baseline else {}
    strata = used["stratum"].tolist() if trial.strata else None
    clusters = used["cluster"].to_numpy() if vcov == "CR2" else None
    fit = estimate_itt(
        used["outcome"].to_numpy(),
        used["arm"].tolist(),
        control,
        covariates or None,
        strata,
        cluster=clusters,
        vcov=vcov,
        alpha=plan.alpha,
        adjustment=plan.adjustment,
    )
    control_outcome = used.loc[used["arm"] == control, "outcome"]
    result: dict[str, Any] = {
        "trial": trial.slug,
        "instrument": {
            "name": instrument.name,
            "title": instrument.title,
            "score": score,
            "licence": instrument.licence,
        },
        "model": {
            "outcome": f"{instrument.name} {score} at {design.analysis.outcome_wave}",
            "baseline": design.analysis.baseline_wave,
            "strata_fixed_effects": bool(trial.strata),
            "vcov": vcov,
            "cluster": trial.unit if vcov == "CR2" else None,
            "alpha": plan.alpha,
            "adjustment": plan.adjustment,
            "method": plan.method,
            "n": fit.fit.n,
            "n_clusters": fit.fit.n_clusters,
        },
        "control": control,
        "control_mean": float(control_outcome.mean()),
        "control_sd": float(control_outcome.std(ddof=1)),
        "effects": [
            {
                **asdict(e),
                "hedges_g": _effect_size(used, control, e, clusters is not None),
                "resampling": _resampling(
                    used, control, e.term, plan, covariates, bool(strata), clusters is not None
                ),
            }
            for e in fit.effects
        ],
        "coefficients": fit.fit.tidy().to_dict(orient="records"),
        "flow": [asdict(r) for r in flow],
        "balance": _balance(used, arms, control),
        "allocation": {
            "seed": trial.allocation.seed,
            "scheme": trial.allocation.scheme,
            "unit": trial.allocation.unit,
            "randomised_at": trial.allocation.created_at.isoformat(),
        },
        "arms": [{"name": a.name, "label": a.label} for a in design.arms],
    }
    result = _finite(result)
    with transaction.atomic():
        run = AnalysisRun.objects.create(
            trial=trial,
            software_version=hearten.__version__,
            dataset_sha256=dataset_digest(data),
            result=result,
        )
        trial.status = TrialStatus.ANALYSED
        trial.save(update_fields=["status"])
        audit.record(trial, "analysed", {"run": run.id, "dataset_sha256": run.dataset_sha256})
    return run


def _finite(value: Any) -> Any:
    """JSON-safe copy: NaN and infinities become ``None``; numpy scalars become floats."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def latest_run(trial: Trial) -> AnalysisRun:
    run = trial.analysis_runs.first()
    if run is None:
        raise StateError(
            f"trial {trial.slug!r} has not been analysed: run `hearten trial "
            f"analyse {trial.slug}` first"
        )
    return run

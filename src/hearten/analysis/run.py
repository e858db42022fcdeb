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
from hearten.stats.estimate import itt_ancova
from hearten.stats.vcov import VcovType
from hearten.trials import audit
from hearten.trials.choices import TrialStatus, Unit
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
    vcov = _vcov_for(trial, design.analysis.vcov)
    covariates = {"baseline": used["baseline"].to_numpy()} if needs_baseline else {}
    strata = used["stratum"].tolist() if trial.strata else None
    fit = itt_ancova(
        used["outcome"].to_numpy(),
        used["arm"].tolist(),
        control,
        covariates,
        strata,
        cluster=used["cluster"].to_numpy() if vcov == "CR2" else None,
        vcov=vcov,
        alpha=design.analysis.alpha,
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
            "alpha": design.analysis.alpha,
            "n": fit.fit.n,
            "n_clusters": fit.fit.n_clusters,
        },
        "control": control,
        "control_mean": float(control_outcome.mean()),
        "control_sd": float(control_outcome.std(ddof=1)),
        "effects": [asdict(e) for e in fit.effects],
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

"""A parallel trial's HR outcomes: sickness absence and leaving over the plan's follow-up
window from randomisation, with randomisation tests below the plan's cluster threshold."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

import pandas as pd

from hearten.analysis.follow_up import follow_up
from hearten.analysis.hr_result import HrResult
from hearten.analysis.hr_tests import randomise_effects
from hearten.errors import EstimationError
from hearten.trials.design import AnalysisSpec
from hearten.trials.models import Trial


def hr_effects(
    trial: Trial,
    data: pd.DataFrame,
    control: str,
    plan: AnalysisSpec,
    clustered: bool,
    stratified: bool,
    today: date,
) -> HrResult | None:
    """Sickness absence (negative binomial, FTE-day exposure) and leaving (Cox) from HR
    records over the plan's window from randomisation, cluster-robust by the randomised unit;
    a note instead while the window has not run on ``today`` (:mod:`~.follow_up`)."""
    if plan.hr is None:
        return None
    from hearten.hr.outcomes import derive

    window = follow_up(trial.allocation.randomised_on, plan.hr.window_days)
    start, end = window.start, window.end
    if not window.has_run(today):
        return HrResult.from_json({"window": [start.isoformat(), end.isoformat()],
                                   "not_run": True, "note": window.not_run_note()})  # fmt: skip
    hr = data[["pseudonym", "arm", "stratum", "cluster"]].merge(
        derive(trial, start, end), on="pseudonym", how="inner"
    )
    out: dict[str, Any] = {
        "window": [start.isoformat(), end.isoformat()],
        "n": len(hr),
        "clusters": int(hr["cluster"].nunique()) if clustered else None,
    }
    # Few randomised units: randomisation inference instead of the normal tests (hr_tests).
    few = clustered and int(hr["cluster"].nunique()) < plan.hr.ri_below_clusters
    seed = plan.seed if plan.seed is not None else int(trial.allocation.seed)
    out["ri_below_clusters"] = plan.hr.ri_below_clusters
    if plan.hr.absence and not (hr["absence_days"] > 0).any():
        out["absence"] = {"note": "no sickness absence is recorded in the window: nothing to model"}
    elif plan.hr.absence:
        at_risk = hr[hr["exposure"] > 0]
        try:
            from hearten.stats.counts import estimate_counts

            fit = estimate_counts(
                at_risk["absence_days"].to_numpy(),
                at_risk["arm"].tolist(),
                control,
                at_risk["exposure"].to_numpy(),
                None,
                at_risk["stratum"].tolist() if stratified else None,
                at_risk["cluster"].to_numpy() if clustered else None,
                "negbin",
                plan.alpha,
            )
            sums = at_risk.groupby("arm")[["absence_days", "exposure"]].sum()
            rates = 365.25 * sums["absence_days"] / sums["exposure"]
            effects = [asdict(e) for e in fit.effects]
            tested: dict[str, Any] = {"method": "normal"}
            if few:
                effects, tested = randomise_effects(
                    "absence", at_risk, control, effects, stratified, plan.reps, seed,
                    plan.alpha, fit.family, plan.hr.few_clusters_test,
                )  # fmt: skip
            out["absence"] = {
                "effects": effects,
                "inference": tested,
                "rate_per_fte_year": {str(k): float(v) for k, v in rates.items()},
                "n": fit.n,
                "family": fit.family,
                "theta": fit.theta,
                "theta_se": fit.theta_se,
                "note": fit.note,
            }
        except EstimationError as exc:
            out["absence"] = {"note": str(exc)}
    if plan.hr.leaving:
        # Only people employed in the window are at risk of leaving in it (hr.outcomes).
        followed = hr[hr["in_window"] == 1]
        outside = len(hr) - len(followed)
        try:
            from hearten.stats.survival import estimate_cox

            cox = estimate_cox(
                followed["days_to_leaving"].clip(lower=0.5).to_numpy(),
                followed["left"].to_numpy(),
                followed["arm"].tolist(),
                control,
                None,
                followed["stratum"].tolist() if stratified else None,
                followed["cluster"].to_numpy() if clustered else None,
                plan.alpha,
            )
            left = followed.groupby("arm")["left"].mean()
            effects = [asdict(e) for e in cox.effects]
            tested = {"method": "normal"}
            if few:
                effects, tested = randomise_effects(
                    "leaving",
                    followed,
                    control,
                    effects,
                    stratified,
                    plan.reps,
                    seed,
                    plan.alpha,
                    test_with=plan.hr.few_clusters_test,
                )
            out["leaving"] = {
                "effects": effects,
                "inference": tested,
                "share_left": {str(k): float(v) for k, v in left.items()},
                "events": cox.events,
                "not_at_risk": outside,
            }
        except EstimationError as exc:
            out["leaving"] = {"note": str(exc), "not_at_risk": outside}
    return HrResult.from_json(out)

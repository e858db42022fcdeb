"""A parallel trial's HR outcomes: sickness absence and leaving over the plan's follow-up
window from randomisation, with randomisation tests below the plan's cluster threshold."""

from __future__ import annotations

from datetime import date
from types import MappingProxyType
from typing import TYPE_CHECKING

import pandas as pd

from hearten.analysis.follow_up import follow_up
from hearten.analysis.hr_result import (
    AbsenceResult,
    HazardRatioEffect,
    HrInference,
    HrResult,
    LeavingResult,
    RateRatioEffect,
)
from hearten.analysis.hr_tests import randomise_effects
from hearten.errors import EstimationError
from hearten.trials.design import AnalysisSpec
from hearten.trials.models import Trial

if TYPE_CHECKING:
    from hearten.stats.counts import RateRatio
    from hearten.stats.survival import HazardRatio


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
    days = (start.isoformat(), end.isoformat())
    if not window.has_run(today):
        return HrResult(window=days, not_run=True, note=window.not_run_note()).storing(
            "window", "not_run", "note"
        )
    hr = data[["pseudonym", "arm", "stratum", "cluster"]].merge(
        derive(trial, start, end), on="pseudonym", how="inner"
    )
    # Few randomised units: randomisation inference instead of the normal tests (hr_tests).
    few = clustered and int(hr["cluster"].nunique()) < plan.hr.ri_below_clusters
    seed = plan.seed if plan.seed is not None else int(trial.allocation.seed)
    absence: AbsenceResult | None = None
    if plan.hr.absence and not (hr["absence_days"] > 0).any():
        absence = AbsenceResult(
            note="no sickness absence is recorded in the window: nothing to model"
        ).storing("note")
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
            rate_ratios = tuple(_rate_ratio(e) for e in fit.effects)
            tested: HrInference | None = _NORMAL_TEST
            if few:
                rate_ratios, tested = randomise_effects(
                    "absence", at_risk, control, rate_ratios, stratified, plan.reps, seed,
                    plan.alpha, fit.family, plan.hr.few_clusters_test,
                )  # fmt: skip
            absence = AbsenceResult(
                effects=rate_ratios,
                inference=tested,
                rate_per_fte_year=MappingProxyType({str(k): float(v) for k, v in rates.items()}),
                n=fit.n,
                family=fit.family,
                theta=fit.theta,
                theta_se=fit.theta_se,
                note=fit.note,
            )
        except EstimationError as exc:
            absence = AbsenceResult(note=str(exc)).storing("note")
    leaving: LeavingResult | None = None
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
            hazard_ratios = tuple(_hazard_ratio(e) for e in cox.effects)
            tested = _NORMAL_TEST
            if few:
                hazard_ratios, tested = randomise_effects(
                    "leaving",
                    followed,
                    control,
                    hazard_ratios,
                    stratified,
                    plan.reps,
                    seed,
                    plan.alpha,
                    test_with=plan.hr.few_clusters_test,
                )
            leaving = LeavingResult(
                effects=hazard_ratios,
                inference=tested,
                share_left=MappingProxyType({str(k): float(v) for k, v in left.items()}),
                events=cox.events,
                not_at_risk=outside,
            ).without("note")
        except EstimationError as exc:
            leaving = LeavingResult(note=str(exc), not_at_risk=outside).storing(
                "note", "not_at_risk"
            )
    fitted = tuple(k for k, v in (("absence", absence), ("leaving", leaving)) if v is not None)
    return HrResult(
        window=days,
        n=len(hr),
        clusters=int(hr["cluster"].nunique()) if clustered else None,
        ri_below_clusters=plan.hr.ri_below_clusters,
        absence=absence,
        leaving=leaving,
    ).storing("window", "n", "clusters", "ri_below_clusters", *fitted)


#: How absence's or leaving's tests were found with enough randomised units.
_NORMAL_TEST = HrInference(method="normal").storing("method")
#: The normal test's values kept beside a randomisation test's (absent otherwise).
_BESIDE = ("normal_p_value", "normal_conf_low", "normal_conf_high")


def _rate_ratio(e: RateRatio) -> RateRatioEffect:
    """An arm's rate ratio as the model tested it."""
    return RateRatioEffect(
        term=e.term,
        log_rr=e.log_rr,
        std_error=e.std_error,
        statistic=e.statistic,
        p_value=e.p_value,
        rate_ratio=e.rate_ratio,
        conf_low=e.conf_low,
        conf_high=e.conf_high,
    ).without(*_BESIDE)


def _hazard_ratio(e: HazardRatio) -> HazardRatioEffect:
    """An arm's hazard ratio as the Cox model tested it."""
    return HazardRatioEffect(
        term=e.term,
        log_hr=e.log_hr,
        std_error=e.std_error,
        p_value=e.p_value,
        hazard_ratio=e.hazard_ratio,
        conf_low=e.conf_low,
        conf_high=e.conf_high,
    ).without(*_BESIDE)

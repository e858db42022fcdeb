"""Value for money: incremental cost per point of the primary outcome and per day of sickness
absence avoided, with their joint uncertainty, and the caseload comparison.

For each intervention arm against the control arm:

* each randomised person's cost share (``hearten.interventions.ingredients``) and primary
  outcome go into ``hearten.stats.costs.cost_effect_bootstrap``, which resamples whole
  randomised units within strata (in an individually randomised trial each person is a unit),
  so costs and effects keep their correlation;
* the ICER (with its quadrant), the draws for the cost-effectiveness plane (500 kept), and
  the acceptability curve at the trial's willingness-to-pay values;
* the same for days of sickness absence avoided (days in the control arm less days in the
  arm, over the plan's HR window), where the plan models absence;
* a one-way sensitivity table: each cost item's price at half and at one and a half times
  its value, and the effect at its interval's limits;
* beside it, when the evaluator has entered what one case fewer per worker costs, that cost
  over the association of caseload with the baseline score (from the analysis's working
  conditions): an association, not a trial effect.

One costing and one effect serve the whole report: the costs are the ingredient costing
(the same one the uptake section lists), and the effect per point is the primary analysis's
adjusted ITT estimate itself. Each bootstrap draw refits the primary model (its covariates,
strata, weights and adjustment) on the resampled clusters
(``hearten.stats.costs.adjusted_cost_effect_bootstrap``), so the point estimate is exactly
the effect reported under Effects. Days of sickness absence avoided are differences in mean
days (the HR model is a rate ratio, not a difference in days), labelled as such.

The result is the run's typed :class:`~hearten.analysis.cost_effectiveness.Economics`, built
part by part with the keys each case has always stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from hearten.analysis.arm_effect import ArmEffect
from hearten.analysis.associations import StressorAssociation
from hearten.analysis.cost_effectiveness import (
    CaseloadCost,
    CostComparison,
    CostItem,
    Economics,
    EffectBasis,
    Swing,
)
from hearten.analysis.outcomes import adjusters
from hearten.analysis.uptake_figures import ArmCost
from hearten.errors import DataError, EstimationError
from hearten.interventions import ingredients
from hearten.interventions.ingredients import costing
from hearten.interventions.models import CostingBasis
from hearten.process.deliverers import reported_times
from hearten.stats.costs import (
    CostEffect,
    acceptability,
    adjusted_cost_effect_bootstrap,
    cost_effect_bootstrap,
    icer,
    icer_interval,
    one_way,
)
from hearten.stats.estimate import itt_design
from hearten.trials.design import AnalysisSpec
from hearten.trials.models import Trial

#: Bootstrap draws: enough for a stable 95% interval and curve, quick in the demo.
REPS = 1000
#: Draws kept in the stored result for the cost-effectiveness plane.
PLANE_DRAWS = 500
#: Willingness to pay per point (or per day) shown when the evaluator gives none.
DEFAULT_WTP = (0.0, 10.0, 25.0, 50.0, 100.0, 250.0, 500.0, 1000.0, 2500.0, 5000.0)


def _absence_days(trial: Trial, plan: AnalysisSpec, today: date) -> pd.Series | None:
    """Days of sickness absence per pseudonym over the plan's HR window, or None (also
    while the window has not run on ``today``: :mod:`hearten.analysis.follow_up`)."""
    if plan.hr is None or not plan.hr.absence:
        return None
    from hearten.analysis.follow_up import follow_up
    from hearten.hr.outcomes import derive

    window = follow_up(trial.allocation.randomised_on, plan.hr.window_days)
    if not window.has_run(today):
        return None
    hr = derive(trial, window.start, window.end)
    if hr.empty or not (hr["absence_days"] > 0).any():
        return None
    return hr.set_index("pseudonym")["absence_days"].astype(float)


def _compare(
    data: pd.DataFrame,
    effect: pd.Series,
    arm: str,
    control: str,
    stratified: bool,
    seed: int,
    wtp: list[float],
    level: float,
) -> CostComparison:
    """An arm against control on differences in means (days of absence avoided), stored
    without the per-point comparison's effect interval and sensitivity."""
    both = data[data["arm"].isin([arm, control])]
    r = cost_effect_bootstrap(
        both["cost"].to_numpy(), effect.loc[both.index].to_numpy(dtype=float),
        (both["arm"] == arm).to_numpy(), both["cluster"].to_numpy(),
        both["stratum"].to_numpy() if stratified else None, reps=REPS, seed=seed, level=level,
    )  # fmt: skip
    return _summary(r, arm, wtp).without("effect_interval", "sensitivity")


def _primary_design(
    used: pd.DataFrame, control: str, plan: AnalysisSpec, stratified: bool
) -> tuple[NDArray[np.float64], list[str], NDArray[np.float64] | None]:
    """The primary model's design matrix as ``fit_outcome`` fits it, and its weights."""
    covariates = adjusters(used)
    weights = used["w"].to_numpy(dtype=float) if "w" in used else None
    X, names = itt_design(
        used["arm"].tolist(), control, covariates or None,
        used["stratum"].tolist() if stratified else None, weights,
        plan.adjustment if covariates else "none",
    )  # fmt: skip
    return X, names, weights


def _per_point(
    data: pd.DataFrame,
    used: pd.DataFrame,
    control: str,
    plan: AnalysisSpec,
    stratified: bool,
    wtp: list[float],
) -> dict[str, tuple[CostEffect, CostComparison]]:
    """Each arm's extra cost and adjusted effect, drawn together: the draws and their
    summary."""
    X, names, weights = _primary_design(used, control, plan, stratified)
    design = np.zeros((len(data), X.shape[1]))
    rows = data.index.get_indexer(used.index)
    design[rows] = X
    outcome = np.full(len(data), np.nan)
    outcome[rows] = used["y"].to_numpy(dtype=float)
    w = np.ones(len(data))
    if weights is not None:
        w[rows] = weights
    arms = [a for a in names if a in set(data["arm"]) and a != control]
    drawn = adjusted_cost_effect_bootstrap(
        data["cost"].to_numpy(), data["arm"].astype(str).tolist(), control,
        data["cluster"].to_numpy(), outcome, design, {a: names.index(a) for a in arms},
        data["stratum"].to_numpy() if stratified else None, w, reps=REPS,
        seed=plan.seed or 0, level=1 - plan.alpha,
    )  # fmt: skip
    return {a: (r, _summary(r, a, wtp)) for a, r in drawn.items()}


def _summary(r: CostEffect, arm: str, wtp: list[float]) -> CostComparison:
    ratio = icer(r.delta_cost, r.delta_effect)
    interval = icer_interval(r.cost_draws, r.effect_draws, r.level)
    keep = np.linspace(0, len(r.cost_draws) - 1, min(PLANE_DRAWS, len(r.cost_draws))).astype(int)
    return CostComparison(
        arm=arm,
        delta_cost=r.delta_cost,
        cost_low=r.cost_low,
        cost_high=r.cost_high,
        delta_effect=r.delta_effect,
        effect_low=r.effect_low,
        effect_high=r.effect_high,
        correlation=r.correlation,
        icer=ratio.ratio,
        # its percentile interval, only when every draw's effect is on one side of zero
        icer_low=interval[0] if interval and ratio.ratio is not None else None,
        icer_high=interval[1] if interval and ratio.ratio is not None else None,
        quadrant=ratio.quadrant,
        thresholds=tuple(wtp),
        acceptability=tuple(acceptability(r.cost_draws, r.effect_draws, wtp)),
        plane=tuple(
            (round(float(r.cost_draws[i]), 3), round(float(r.effect_draws[i]), 4)) for i in keep
        ),
        reps=r.reps,
        seed=r.seed,
        clusters=tuple(r.clusters),
    )


def _sensitivity(
    lines: list[ingredients.CostLine],
    people: dict[str, int],
    comparison: CostComparison,
    control: str,
    limits: tuple[float, float],
) -> tuple[Swing, ...]:
    """One-way: each cost item's price at ×0.5 and ×1.5, the effect at the limits of the
    primary estimate's confidence interval."""
    arm = comparison.arm
    per_person: dict[str, float] = {}
    for line in lines:
        if line.arm in (arm, control) and people.get(line.arm):
            sign = 1.0 if line.arm == arm else -1.0
            key = f"{line.item} ({line.arm})"
            per_person[key] = per_person.get(key, 0.0) + sign * line.discounted / people[
                line.arm
            ]  # fmt: skip
    base = {"effect": comparison.delta_effect, **dict.fromkeys(per_person, 1.0)}
    ranges = {k: (0.5, 1.5) for k in per_person}
    ranges["effect"] = limits

    def ratio(v: Any) -> float | None:
        cost = comparison.delta_cost + sum((v[k] - 1.0) * d for k, d in per_person.items())
        return icer(cost, v["effect"]).ratio

    return tuple(
        Swing(name=s.name, low=s.low, high=s.high, result_low=s.result_low,
              result_high=s.result_high)
        for s in one_way(base, ranges, ratio)
    )  # fmt: skip


def _caseload(
    stressors: Sequence[StressorAssociation], basis: CostingBasis | None
) -> CaseloadCost | None:
    """What one case fewer per worker costs against the points its association suggests."""
    if basis is None or basis.case_cost is None:
        return None
    found = next((s for s in stressors if s.stressor == "caseload"), None)
    if found is None:
        return CaseloadCost(
            case_cost=float(basis.case_cost),
            source=basis.case_cost_source,
            note="the analysis has no caseload association (too few caseloads recorded)",
        ).storing("case_cost", "source", "note")
    per_case = -float(_number(found.per_unit))  # points gained with one case fewer
    cost = float(basis.case_cost)
    limits = sorted(-float(_number(v)) for v in (found.conf_low, found.conf_high))
    return CaseloadCost(
        case_cost=cost,
        source=basis.case_cost_source,
        points_per_case=per_case,
        points_low=limits[0],
        points_high=limits[1],
        cost_per_point=cost / per_case if per_case > 0 else None,
        cost_per_point_range=(cost / limits[1], cost / limits[0]) if limits[0] > 0 else None,
    ).without("note")


def _number(value: float | None) -> float:
    """A value the caseload association always has (its slope and interval ends; a stored
    type allows ``None``)."""
    if value is None:
        raise TypeError("the caseload association lacks its slope or interval")
    return value


def _item(line: ingredients.CostLine) -> CostItem:
    """An ingredient costed, as the run stores it."""
    return CostItem(
        arm=line.arm, item=line.item, phase=line.phase, kind=line.kind, per=line.per,
        quantity=line.quantity, unit_price=line.unit_price, cost=line.cost,
        discounted=line.discounted, year=line.year, priced_in=line.priced_in, source=line.source,
    )  # fmt: skip


def _arm_cost(a: ingredients.ArmCost) -> ArmCost:
    """An arm's ingredient cost, as the run stores it."""
    return ArmCost(
        arm=a.arm, total=a.total, participants=a.participants,
        per_participant=a.per_participant, by_phase=a.by_phase, by_kind=a.by_kind,
    )  # fmt: skip


def economics(
    trial: Trial,
    data: pd.DataFrame,
    arms: list[str],
    control: str,
    plan: AnalysisSpec,
    stratified: bool,
    stressors: Sequence[StressorAssociation],
    used: pd.DataFrame,
    effects: Sequence[ArmEffect],
    today: date,
) -> Economics | None:
    """Costs, cost-effectiveness and the caseload comparison, or None when no cost is
    recorded; only a note instead when the costs cannot be put on one footing.

    ``used`` is the primary analysis's analysed frame (``OutcomeFit.used``: its rows index
    ``data``) and ``effects`` its effects (``OutcomeFit.effects``; each arm's interval is
    read); ``stressors`` the run's working conditions (the caseload's association). The effect
    per point is the primary estimate. ``today``: the run's day (days of absence avoided only
    once the HR window has run). Stored without ``note`` when the costs
    are on one footing, and without ``notes`` when every comparison was drawn."""
    try:
        c = costing(trial, reported_times(trial))
    except DataError as exc:
        return Economics(note=str(exc)).storing("note")
    if not c.lines:
        return None
    basis = CostingBasis.objects.filter(trial=trial).first()
    wtp = (
        list(basis.willingness_to_pay) if basis and basis.willingness_to_pay else list(DEFAULT_WTP)
    )
    data = data.assign(cost=data["pseudonym"].map(c.person).fillna(0.0))
    people = {str(k): int(v) for k, v in data["arm"].value_counts().items()}
    level = 1 - plan.alpha
    seed = plan.seed or 0
    notes: list[str] = []
    try:
        per_point = _per_point(data, used, control, plan, stratified, wtp)
    except EstimationError as exc:
        per_point = {}
        notes.append(str(exc))
    # the effect at the limits of its reported interval (two-sided; a one-sided interval's
    # open end is replaced by the bootstrap's limit)
    limits = {e.term: (e.conf_low, e.conf_high) for e in effects}
    absence = _absence_days(trial, plan, today)
    points: list[CostComparison] = []
    days: list[CostComparison] = []
    for arm in (a for a in arms if a != control):
        try:
            if arm in per_point:
                drawn, point = per_point[arm]
                low, high = limits.get(arm, (None, None))
                low = low if low is not None and np.isfinite(low) else drawn.effect_low
                high = high if high is not None and np.isfinite(high) else drawn.effect_high
                interval = (float(low), float(high))
                points.append(
                    replace(
                        point,
                        effect_interval=interval,
                        sensitivity=_sensitivity(c.lines, people, point, control, interval),
                    )
                )
            if absence is not None:
                avoided = -data["pseudonym"].map(absence)  # fewer days is better
                days.append(_compare(data, avoided, arm, control, stratified, seed, wtp, level))
        except EstimationError as exc:
            notes.append(f"{arm}: {exc}")
    return Economics(
        price_year=c.price_year,
        index_name=c.index_name,
        discount_rate=c.discount_rate,
        horizon_years=c.horizon_years,
        outside_horizon=tuple(c.outside_horizon),
        lines=tuple(_item(x) for x in c.lines),
        arms=tuple(_arm_cost(a) for a in c.arms),
        level=level,
        per_point=tuple(points),
        per_day_avoided=tuple(days),
        caseload=_caseload(stressors, basis),
        effect_basis=EffectBasis(
            estimate="primary",
            adjustment=plan.adjustment if adjusters(used) else "none",
            covariates=tuple(adjusters(used)),
            strata_fixed_effects=stratified,
            weighted="w" in used,
        ),
        notes=tuple(notes),
    ).without("note", *(() if notes else ("notes",)))

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

The differences are unadjusted differences in means (costs over everyone randomised,
outcomes over those with one), the quantities the bootstrap resamples; the report shows
them beside the adjusted ITT estimate.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from hearten.errors import DataError, EstimationError
from hearten.interventions.ingredients import costing
from hearten.interventions.models import CostingBasis
from hearten.stats.costs import acceptability, cost_effect_bootstrap, icer, one_way
from hearten.trials.design import AnalysisSpec
from hearten.trials.models import Trial

#: Bootstrap draws: enough for a stable 95% interval and curve, quick in the demo.
REPS = 1000
#: Draws kept in the stored result for the cost-effectiveness plane.
PLANE_DRAWS = 500
#: Willingness to pay per point (or per day) shown when the evaluator gives none.
DEFAULT_WTP = (0.0, 10.0, 25.0, 50.0, 100.0, 250.0, 500.0, 1000.0, 2500.0, 5000.0)


def _absence_days(trial: Trial, plan: AnalysisSpec) -> pd.Series | None:
    """Days of sickness absence per pseudonym over the plan's HR window, or None."""
    if plan.hr is None or not plan.hr.absence:
        return None
    from hearten.hr.outcomes import derive

    start = trial.allocation.created_at.date()
    end = min(start + timedelta(days=plan.hr.window_days - 1), date.today())
    hr = derive(trial, start, end)
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
) -> dict[str, Any]:
    both = data[data["arm"].isin([arm, control])]
    r = cost_effect_bootstrap(
        both["cost"].to_numpy(), effect.loc[both.index].to_numpy(dtype=float),
        (both["arm"] == arm).to_numpy(), both["cluster"].to_numpy(),
        both["stratum"].to_numpy() if stratified else None, reps=REPS, seed=seed, level=level,
    )  # fmt: skip
    ratio = icer(r.delta_cost, r.delta_effect)
    keep = np.linspace(0, len(r.cost_draws) - 1, min(PLANE_DRAWS, len(r.cost_draws))).astype(int)
    return {
        "arm": arm,
        "delta_cost": r.delta_cost,
        "cost_low": r.cost_low,
        "cost_high": r.cost_high,
        "delta_effect": r.delta_effect,
        "effect_low": r.effect_low,
        "effect_high": r.effect_high,
        "correlation": r.correlation,
        "icer": ratio.ratio,
        "quadrant": ratio.quadrant,
        "thresholds": wtp,
        "acceptability": acceptability(r.cost_draws, r.effect_draws, wtp),
        "plane": [
            [round(float(r.cost_draws[i]), 3), round(float(r.effect_draws[i]), 4)] for i in keep
        ],
        "reps": r.reps,
        "seed": r.seed,
        "clusters": list(r.clusters),
    }


def _sensitivity(
    lines: list[dict[str, Any]], people: dict[str, int], comparison: dict[str, Any], control: str
) -> list[dict[str, Any]]:
    """One-way: each cost item's price at ×0.5 and ×1.5, the effect at its interval's limits."""
    arm = comparison["arm"]
    per_person: dict[str, float] = {}
    for line in lines:
        if line["arm"] in (arm, control) and people.get(line["arm"]):
            sign = 1.0 if line["arm"] == arm else -1.0
            key = f"{line['item']} ({line['arm']})"
            per_person[key] = per_person.get(key, 0.0) + sign * line["discounted"] / people[
                line["arm"]
            ]  # fmt: skip
    base = {"effect": comparison["delta_effect"], **dict.fromkeys(per_person, 1.0)}
    ranges = {k: (0.5, 1.5) for k in per_person}
    ranges["effect"] = (comparison["effect_low"], comparison["effect_high"])

    def ratio(v: Any) -> float | None:
        cost = comparison["delta_cost"] + sum((v[k] - 1.0) * d for k, d in per_person.items())
        return icer(cost, v["effect"]).ratio

    return [asdict(s) for s in one_way(base, ranges, ratio)]


def _caseload(stressors: list[dict[str, Any]], basis: CostingBasis | None) -> dict[str, Any] | None:
    """What one case fewer per worker costs against the points its association suggests."""
    if basis is None or basis.case_cost is None:
        return None
    found = next((s for s in stressors if s.get("stressor") == "caseload"), None)
    if found is None:
        return {
            "case_cost": float(basis.case_cost),
            "source": basis.case_cost_source,
            "note": "the analysis has no caseload association (too few caseloads recorded)",
        }
    per_case = -float(found["per_unit"])  # points gained with one case fewer
    cost = float(basis.case_cost)
    limits = sorted(-float(found[k]) for k in ("conf_low", "conf_high"))
    return {
        "case_cost": cost,
        "source": basis.case_cost_source,
        "points_per_case": per_case,
        "points_low": limits[0],
        "points_high": limits[1],
        "cost_per_point": cost / per_case if per_case > 0 else None,
        "cost_per_point_range": [cost / limits[1], cost / limits[0]] if limits[0] > 0 else None,
    }


def economics(
    trial: Trial,
    data: pd.DataFrame,
    arms: list[str],
    control: str,
    plan: AnalysisSpec,
    stratified: bool,
    stressors: list[dict[str, Any]],
) -> dict[str, Any] | None:
    """Costs, cost-effectiveness and the caseload comparison, or None when no cost is
    recorded; a note instead when the costs cannot be put on one footing."""
    try:
        c = costing(trial)
    except DataError as exc:
        return {"note": str(exc)}
    if not c.lines:
        return None
    basis = CostingBasis.objects.filter(trial=trial).first()
    wtp = (
        list(basis.willingness_to_pay) if basis and basis.willingness_to_pay else list(DEFAULT_WTP)
    )
    data = data.assign(cost=data["pseudonym"].map(c.person).fillna(0.0))
    people = {str(k): int(v) for k, v in data["arm"].value_counts().items()}
    lines = [asdict(x) for x in c.lines]
    level = 1 - plan.alpha
    seed = plan.seed or 0
    out: dict[str, Any] = {
        "price_year": c.price_year,
        "index_name": c.index_name,
        "discount_rate": c.discount_rate,
        "horizon_years": c.horizon_years,
        "outside_horizon": c.outside_horizon,
        "lines": lines,
        "arms": [asdict(a) for a in c.arms],
        "level": level,
        "per_point": [],
        "per_day_avoided": [],
        "caseload": _caseload(stressors, basis),
    }
    absence = _absence_days(trial, plan)
    for arm in (a for a in arms if a != control):
        try:
            point = _compare(data, data["outcome"], arm, control, stratified, seed, wtp, level)
            point["sensitivity"] = _sensitivity(lines, people, point, control)
            out["per_point"].append(point)
            if absence is not None:
                avoided = -data["pseudonym"].map(absence)  # fewer days is better
                out["per_day_avoided"].append(
                    _compare(data, avoided, arm, control, stratified, seed, wtp, level)
                )
        except EstimationError as exc:
            out.setdefault("notes", []).append(f"{arm}: {exc}")
    return out

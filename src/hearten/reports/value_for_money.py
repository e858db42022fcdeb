"""The trial report's value-for-money section: stored costs, cost-effectiveness, its figures."""

from __future__ import annotations

from typing import Any

from hearten.analysis.result import AnalysisResult
from hearten.reports.figures import (
    CostEffectDraws,
    acceptability_curve,
    both,
    cost_effectiveness_plane,
)


def cost_rows(r: AnalysisResult, labels: dict[str, str]) -> list[dict[str, Any]]:
    """Cost per person and the cost per point of effect: the value-for-money section's
    figure (extra ingredient cost over the control arm for the primary adjusted estimate),
    never a second one."""
    per_point = {c.arm: c.icer for c in (r.economics.per_point if r.economics else ())}
    return [
        {**c.to_json(), "label": labels.get(c.arm, c.arm), "per_point": per_point.get(c.arm)}
        for c in (r.uptake.costs if r.uptake else ())
    ]


def economics_section(r: AnalysisResult, labels: dict[str, str]) -> dict[str, Any]:
    """The value-for-money section: stored costs, cost-effectiveness and its figures."""
    e = r.economics
    if not e or e.note:
        return {"economics": e}
    # stored with every costing (only a note is stored without one)
    assert e.discount_rate is not None
    assert e.level is not None
    unit = f"{r.instrument.name.upper()} point"
    points = [{**c.to_json(), "label": labels.get(c.arm, c.arm),
               "curve": list(zip(c.thresholds, c.acceptability, strict=True))}
              for c in e.per_point]  # fmt: skip
    days = [{**c.to_json(), "label": labels.get(c.arm, c.arm)} for c in e.per_day_avoided]
    figures: dict[str, Any] = {}
    draws = [CostEffectDraws.of(c, labels.get(c.arm, c.arm)) for c in e.per_point]
    if draws:
        figures["plane_figure"] = both(
            cost_effectiveness_plane(draws, f"{unit}s"),
            summary="Cost-effectiveness plane: each arm's bootstrap draws of incremental "
            "effect and cost, with the point estimate",
            headers=["Arm", "Incremental cost (£)", "Cost interval", "Incremental effect",
                     "Effect interval", "Quadrant"],
            rows=[[labels.get(c.arm, c.arm), c.delta_cost, f"{c.cost_low:.2f} to {c.cost_high:.2f}",
                   c.delta_effect, f"{c.effect_low:.2f} to {c.effect_high:.2f}",
                   c.quadrant] for c in e.per_point],
        )  # fmt: skip
        figures["ceac_figure"] = both(
            acceptability_curve(draws, unit),
            summary="Cost-effectiveness acceptability curve: the probability each arm is "
            f"cost-effective at each willingness to pay per {unit}",
            headers=["Willingness to pay (£)", *[labels.get(c.arm, c.arm) for c in e.per_point]],
            rows=[[f"{t:g}", *[f"{c.acceptability[i]:.2f}" for c in e.per_point]]
                  for i, t in enumerate(e.per_point[0].thresholds)],
        )  # fmt: skip
    lines = [{**x.to_json(), "label": labels.get(x.arm, x.arm)} for x in e.lines]
    return {"economics": e, "ce_points": points, "ce_days": days, "ce_lines": lines,
            "ce_unit": unit, "ce_rate": f"{100 * e.discount_rate:g}%",
            "ce_level": f"{100 * e.level:g}%", **figures}  # fmt: skip

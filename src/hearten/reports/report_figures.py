"""The trial report's own figures: the flow diagram, the outcomes' forest and the uptake funnel."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from hearten.analysis.allocation_record import recorded
from hearten.analysis.flow_counts import ArmFlow, Assessed
from hearten.analysis.result import AnalysisResult
from hearten.analysis.uptake_figures import UptakeFigures
from hearten.reports.effect_tables import plan_label
from hearten.reports.figures import (
    Funnel,
    OutcomeMark,
    both,
    flow_diagram,
    flow_rows,
    funnel_chart,
    outcome_forest,
)


def arm_funnel(
    flow: Iterable[ArmFlow],
    control: str,
    uptake: UptakeFigures | None,
    labels: dict[str, str],
) -> dict[str, str]:
    """For a trial with a compliance rule and no programme funnel: the first treated arm's
    people randomised, receiving the intervention, and answering the follow-up (counts under
    the reporting threshold shown as "fewer than k"), from the run's typed ``flow`` and
    ``uptake``."""
    k = uptake.min_group if uptake else 5
    arm = next((f for f in flow if f.arm != control), None)
    if arm is None or arm.received is None:
        return {}
    steps = {
        f"randomised to {labels[arm.arm].lower()}": arm.randomised,
        "received it": arm.received,
        "answered the follow-up": arm.responded,
    }
    return {key: str(n) if n == 0 or n >= k else f"fewer than {k}" for key, n in steps.items()}


def outcome_marks(r: AnalysisResult, labels: dict[str, str]) -> list[OutcomeMark]:
    """The outcomes' forest's rows: each planned outcome's (and arm's) Hedges' g with its
    interval and its status in the plan, in the order of the report's table of planned
    outcomes (named with the arm's label when the outcome has more than one arm's effect);
    an effect without g or without the interval's lower end is left out."""
    marks = []
    for o in (r.primary, *r.secondary):
        status = plan_label(r, o.name)["label"]
        for e in o.effects:
            g = e.hedges_g
            if g is None or g.g is None or g.conf_low is None:
                continue
            name = o.name if len(o.effects) == 1 else f"{o.name}: {labels[e.term]}"
            marks.append(OutcomeMark(name, g.g, g.conf_low, g.conf_high, status))
    return marks


def report_figures(r: AnalysisResult, labels: dict[str, str]) -> dict[str, Any]:
    """The report's figures, each as SVG (page) and PNG (PDF), from the run's typed result."""
    level = round(100 * (1 - r.model.alpha))
    forest = outcome_marks(r, labels)
    min_group = r.uptake.min_group if r.uptake else 5
    stages = (r.uptake.funnel if r.uptake else None) or arm_funnel(
        r.flow, r.control, r.uptake, labels
    )
    funnel = Funnel.of(stages, min_group)
    flow_headers, flow_data = flow_rows(r.flow, labels)
    return {
        "flow_figure": both(
            flow_diagram(
                r.flow,
                labels,
                r.assessed or Assessed(0, 0, sum(f.randomised for f in r.flow)),
                recorded(r.allocation).unit,
            ),
            summary="CONSORT flow diagram: people at each stage in each arm",
            headers=flow_headers,
            rows=flow_data,
        ),
        "outcome_figure": both(
            outcome_forest(forest, level),
            summary=f"Each planned outcome's effect in standard deviations with its {level}% "
            "interval",
            headers=["Outcome", "Hedges' g", "Lower limit", "Upper limit", "Result"],
            rows=[[x.name, x.g, x.conf_low, x.conf_high, x.status] for x in forest],
        )
        if forest
        else None,
        "funnel_figure": both(
            funnel_chart(funnel),
            150,
            summary="The uptake funnel: people at each stage",
            headers=["Stage", "People"],
            rows=[[stage, n] for stage, n in funnel.stages],
        )
        if funnel.stages
        else None,
    }

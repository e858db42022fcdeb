"""The analysis stores cost-effectiveness with its uncertainty, and the report shows it as
tables, a plane and an acceptability curve, with the caseload comparison labelled."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hearten.analysis.dataset import build_dataset
from hearten.analysis.run import run_analysis
from hearten.interventions.costs import add_cost, set_basis
from hearten.interventions.ingredients import costing
from hearten.stats.costs import cost_effect_bootstrap
from tests.analysis.test_plan import _ready

pytestmark = pytest.mark.django_db


def _costed(trial: Any) -> None:
    _ready(trial)
    set_basis(trial, "2025-26", discount_rate=0.035, horizon_years=1, case_cost=4000.0,
              case_cost_source="one more worker's salary shared over a team (test)",
              willingness_to_pay=[0, 50, 500])  # fmt: skip
    add_cost(trial, "letters", "letterhead", 200.0, phase="start-up")
    add_cost(trial, "letters", "postage and writing", 5.0, per="participant")


def test_the_stored_result_is_the_bootstrap_of_the_stored_costs_and_scores(trial: Any) -> None:
    _costed(trial)
    e = run_analysis(trial).result["economics"]
    assert e["price_year"] == "2025-26"
    [c] = e["per_point"]
    # the letters arm's 20 people cost 200 + 20 × 5 = 300, £15 each; control nothing
    assert c["delta_cost"] == pytest.approx(15.0)
    data = build_dataset(trial)
    data["cost"] = data["pseudonym"].map(costing(trial).person).fillna(0.0)
    again = cost_effect_bootstrap(
        data["cost"], data["outcome"], data["arm"] == "letters", data["cluster"],
        data["stratum"], reps=c["reps"], seed=c["seed"], level=e["level"],
    )  # fmt: skip
    assert c["delta_effect"] == pytest.approx(again.delta_effect)
    assert c["effect_low"] == pytest.approx(again.effect_low)
    assert c["thresholds"] == [0, 50, 500]
    assert c["acceptability"][0] == 0.0  # at £0 a point, costing £15 more is never worth it
    assert len(c["plane"]) == min(500, c["reps"])
    names = [s["name"] for s in c["sensitivity"]]
    assert "effect" in names
    assert "letterhead (letters)" in names
    assert e["caseload"]["case_cost"] == 4000.0


def test_the_report_shows_value_for_money_with_accessible_figures(trial: Any) -> None:
    from hearten.reports.render import write_report

    _costed(trial)
    run_analysis(trial)
    html = Path(write_report(trial)).read_text()
    assert "<h2>Value for money</h2>" in html
    assert "Cost per point of SWEMWBS" in html
    assert "One-way sensitivity" in html
    assert "an association, not a trial effect" in html
    assert html.count('role="img" aria-label="Cost-effectiveness') == 2
    assert "The data behind this figure" in html


def test_costs_in_a_year_with_no_index_leave_a_note_not_a_failure(trial: Any) -> None:
    _ready(trial)
    add_cost(trial, "letters", "paper", 10.0, priced_in="2019-20")
    e = run_analysis(trial).result["economics"]
    assert "priced in 2019-20" in e["note"]

"""The analysis stores cost-effectiveness with its uncertainty, and the report shows it as
tables, a plane and an acceptability curve, with the caseload comparison labelled."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from hearten.analysis.dataset import build_dataset
from hearten.analysis.run import run_analysis
from hearten.interventions.costs import add_cost, set_basis
from hearten.interventions.ingredients import costing
from hearten.stats.costs import cost_effect_bootstrap
from tests.analysis.test_plan import _ready
from tests.conftest import CLOCK

#: The clock the services are given (a fixed one: nothing here depends on the day).
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)

pytestmark = pytest.mark.django_db


def _costed(trial: Any) -> None:
    _ready(trial)
    set_basis(trial, "2025-26", discount_rate=0.035, horizon_years=1, case_cost=4000.0,
              case_cost_source="one more worker's salary shared over a team (test)",
              willingness_to_pay=[0, 50, 500], now=CLOCK)  # fmt: skip
    add_cost(trial, "letters", "letterhead", 200.0, phase="start-up", now=CLOCK)
    add_cost(trial, "letters", "postage and writing", 5.0, per="participant", now=CLOCK)


def test_the_effect_per_point_is_the_primary_adjusted_estimate(trial: Any) -> None:
    _costed(trial)
    result = run_analysis(trial, CLOCK).result
    e = result["economics"]
    assert e["price_year"] == "2025-26"
    [c] = e["per_point"]
    [primary] = result["effects"]
    # the letters arm's 20 people cost 200 + 20 × 5 = 300, £15 each; control nothing
    assert c["delta_cost"] == pytest.approx(15.0)
    # one effect serves the whole report: the baseline-adjusted ITT estimate under Effects
    assert c["delta_effect"] == pytest.approx(primary["estimate"], abs=1e-9)
    assert e["effect_basis"]["estimate"] == "primary"
    assert e["effect_basis"]["covariates"] == ["baseline"]
    assert c["effect_interval"] == pytest.approx([primary["conf_low"], primary["conf_high"]])
    swing = next(s for s in c["sensitivity"] if s["name"] == "effect")
    assert (swing["low"], swing["high"]) == pytest.approx(tuple(c["effect_interval"]))
    # ... and is not the unadjusted difference in means the bootstrap once used
    data = build_dataset(trial)
    data["cost"] = data["pseudonym"].map(costing(trial).person).fillna(0.0)
    unadjusted = cost_effect_bootstrap(
        data["cost"], data["outcome"], data["arm"] == "letters", data["cluster"],
        data["stratum"], reps=c["reps"], seed=c["seed"], level=e["level"],
    )  # fmt: skip
    assert c["delta_cost"] == pytest.approx(unadjusted.delta_cost)
    assert c["delta_effect"] != pytest.approx(unadjusted.delta_effect, abs=1e-6)
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
    run_analysis(trial, CLOCK)
    html = Path(write_report(trial, now=CLOCK)).read_text()
    assert "<h2>Value for money</h2>" in html
    assert "Cost per point of SWEMWBS" in html
    assert "One-way sensitivity" in html
    assert "an association, not a trial effect" in html
    assert html.count('role="img" aria-label="Cost-effectiveness') == 2
    assert "The data behind this figure" in html


def test_costs_in_a_year_with_no_index_leave_a_note_not_a_failure(trial: Any) -> None:
    _ready(trial)
    add_cost(trial, "letters", "paper", 10.0, priced_in="2019-20", now=CLOCK)
    e = run_analysis(trial, CLOCK).result["economics"]
    assert "priced in 2019-20" in e["note"]
    assert list(e) == ["note"]  # nothing else is stored


def test_uptake_and_value_for_money_print_one_cost_per_point(trial: Any) -> None:
    from hearten.reports.render import write_report
    from hearten.surveys.services import invite
    from hearten.trials.allocation import arms_by_participant, randomise_trial
    from tests.analysis.test_run import _answer

    invite(trial.waves.get(name="baseline"), NOW)
    _answer(trial, "baseline", {})
    randomise_trial(trial, 11, now=CLOCK)
    invite(trial.waves.get(name="follow-up"), NOW)
    lifted = {pid: 1 for pid, a in arms_by_participant(trial).items() if a == "letters"}
    _answer(trial, "follow-up", lifted, skip_every=5)
    add_cost(trial, "letters", "letterhead", 200.0, phase="start-up", now=CLOCK)
    [c] = run_analysis(trial, CLOCK).result["economics"]["per_point"]
    assert c["icer"] is not None  # the letters arm costs more and does more
    html = Path(write_report(trial, now=CLOCK)).read_text()
    uptake = html.split("<h2>Uptake, fidelity and cost</h2>")[1].split("<h2>")[0]
    value = html.split("<h2>Value for money</h2>")[1].split("<h3>")[0]
    shown = f"{c['icer']:,.2f}"
    assert f"£{shown}" in uptake
    assert f'<td class="num">{shown}' in value  # with its interval where it is defined
    assert "the same figure as in Value for money" in uptake
    assert "One costing and one effect serve the whole report" in value


def test_a_caseload_cost_without_an_association_stores_its_cost_source_and_note() -> None:
    from hearten.analysis.economics import _caseload
    from hearten.interventions.models import CostingBasis

    basis = CostingBasis(case_cost=4000.0, case_cost_source="a salary (test)")
    caseload = _caseload((), basis)
    assert caseload is not None
    assert json.dumps(caseload.to_json()) == json.dumps(
        {
            "case_cost": 4000.0,
            "source": "a salary (test)",
            "note": "the analysis has no caseload association (too few caseloads recorded)",
        }
    )

"""Uptake, economics, working conditions, moderators, families and coefficients are read
back typed and written back key for key, as every run so far stored them (issue 27, item 4)."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from hearten.analysis.adjusted_families import AdjustedFamily
from hearten.analysis.arm_effect import EffectOnTakers
from hearten.analysis.associations import StressorAssociation
from hearten.analysis.coefficients import Coefficient
from hearten.analysis.cost_effectiveness import CaseloadCost, CostComparison, Economics
from hearten.analysis.keyed import Keyed
from hearten.analysis.moderation import ModeratorEffect
from hearten.analysis.result import AnalysisResult
from hearten.analysis.run import run_analysis
from hearten.analysis.stored import latest_result
from hearten.analysis.uptake_figures import ArmCost, PerkShown, UptakeFigures
from hearten.interventions.uptake import PerkRun
from hearten.reports.render import write_report
from tests.analysis.test_economics import _costed
from tests.conftest import CLOCK

#: A comparison as runs stored it before the ICER's interval, the effect's interval and the
#: one-way sensitivity were kept.
OLDER_COMPARISON = {
    "arm": "letters", "delta_cost": 15.0, "cost_low": 14.0, "cost_high": 16.0,
    "delta_effect": 1.5, "effect_low": 0.2, "effect_high": 2.8, "correlation": 0.1,
    "icer": 10.0, "quadrant": "NE", "thresholds": [0, 50], "acceptability": [0.0, 0.9],
    "plane": [[15.1, 1.2], [14.9, 1.7]], "reps": 2, "seed": 3, "clusters": [4, 4],
}  # fmt: skip


def _same(kind: type[Keyed], stored: dict[str, Any]) -> Any:
    """``stored`` read as ``kind``, checked to write back to the same text."""
    typed = kind.from_json(stored)
    assert json.dumps(typed.to_json()) == json.dumps(stored)
    return typed


def test_economics_of_any_shape_reads_typed_and_writes_back_exactly() -> None:
    only_note = _same(Economics, {"note": "no index for 2019-20"})
    assert only_note.note == "no index for 2019-20"
    assert only_note.per_point == ()
    assert only_note.to_json() == {"note": "no index for 2019-20"}  # nothing else appears

    older = _same(Economics, {
        "price_year": "2025-26", "index_name": "PSS", "discount_rate": 0.035,
        "horizon_years": 1, "outside_horizon": [], "lines": [], "arms": [],
        "level": 0.95, "per_point": [OLDER_COMPARISON], "per_day_avoided": [],
        "caseload": {"case_cost": 4000.0, "source": "a post", "note": "no association"},
        "notes": ["control: too few clusters"],
    })  # fmt: skip
    [c] = older.per_point
    assert isinstance(c, CostComparison)
    assert (c.arm, c.delta_cost, c.icer) == ("letters", 15.0, 10.0)
    assert c.icer_low is None
    assert c.plane == ((15.1, 1.2), (14.9, 1.7))  # held as tuples; written back as lists
    assert c.sensitivity == ()
    assert isinstance(older.caseload, CaseloadCost)
    assert older.caseload.note == "no association"
    assert older.effect_basis is None
    assert older.notes == ("control: too few clusters",)


def test_uptake_reads_typed_and_keeps_what_this_version_does_not_know() -> None:
    stored = {"min_group": 5, "funnel": {"invited": "20"}, "letters": {},
              "letter_score": None, "perks": [{"name": "fruit", "where": "T1", "days": 3,
                                               "interruptions": 0}],
              "costs": [{"arm": "letters", "total": 300.0, "participants": 20,
                         "per_participant": 15.0, "by_phase": {"start-up": 200.0}}],
              "later": [1]}  # fmt: skip
    uptake = _same(UptakeFigures, stored)
    assert uptake.funnel == {"invited": "20"}
    assert uptake.perks[0].days == 3
    assert uptake.costs == (ArmCost("letters", 300.0, 20, 15.0, {"start-up": 200.0}),)
    assert uptake.costs[0].by_kind is None  # stored before costs were kept by kind
    assert uptake.beside("later") == (1,)  # held as a tuple; written back as a list
    assert UptakeFigures.from_json({}).min_group == 5  # the report's threshold when absent


def test_the_smaller_sections_read_typed_and_write_back_exactly() -> None:
    note = _same(ModeratorEffect, {"note": "moderator 'role' takes one value"})
    assert (note.note, note.moderator) == ("moderator 'role' takes one value", None)
    term = _same(ModeratorEffect, {
        "moderator": "caseload", "level": None, "arm": "letters", "estimate": 0.1,
        "std_error": 0.05, "df": 9.0, "p_value": 0.07, "conf_low": -0.01, "conf_high": 0.21,
        "adjusted_p": 0.07, "pre_registered": True,
    })  # fmt: skip
    assert term.pre_registered is True
    assert term.note is None
    family = _same(AdjustedFamily, {
        "name": "wellbeing", "method": "holm", "arm": "letters",
        "outcomes": ["primary", "six-months"], "p_values": [0.01, 0.04],
        "adjusted": [0.02, 0.04], "reps": None, "seed": None, "enumerated": None,
    })  # fmt: skip
    assert family.outcomes == ("primary", "six-months")
    assert family.adjusted == (0.02, 0.04)
    association = _same(StressorAssociation, {
        "stressor": "caseload", "n": 40, "sd": 3.0, "per_unit": -0.3, "std_error": 0.1,
        "df": 8.0, "p_value": 0.02, "conf_low": -0.5, "conf_high": -0.1, "per_sd": -0.9,
        "equivalent_change": None,
    })  # fmt: skip
    assert association.per_unit == -0.3
    row = _same(Coefficient, {"term": "(Intercept)", "estimate": 40.0, "std_error": 1.0,
                              "statistic": 40.0, "p_value": 0.0, "conf_low": 38.0,
                              "conf_high": 42.0, "df": 9.0})  # fmt: skip
    assert row.term == "(Intercept)"
    with pytest.raises(KeyError, match="the stored AdjustedFamily lacks arm"):
        AdjustedFamily.from_json({"name": "wellbeing", "method": "holm"})


def test_the_share_who_took_part_reads_by_arm() -> None:
    cace = _same(EffectOnTakers, {"definition": "letter-delivered", "effects": [],
                                  "took_part": {"letters": 0.8, "control": 0.0}})  # fmt: skip
    assert cace.took_part == {"letters": 0.8, "control": 0.0}
    assert _same(EffectOnTakers, {"definition": "any-module", "note": "no one took part"})


@pytest.mark.django_db
def test_a_costed_run_reads_back_typed_and_writes_the_same_json(trial: Any) -> None:
    _costed(trial)
    run = run_analysis(trial, CLOCK)
    run.refresh_from_db()  # as the database keeps it (PostgreSQL's jsonb has its own key order)
    stored = run.result
    typed = latest_result(trial)
    assert json.dumps(typed.to_json()) == json.dumps(stored)
    assert typed.uptake is not None
    assert [c.arm for c in typed.uptake.costs] == [c["arm"] for c in stored["uptake"]["costs"]]
    assert typed.economics is not None
    [c] = typed.economics.per_point
    assert c.delta_cost == stored["economics"]["per_point"][0]["delta_cost"]
    assert c.sensitivity[0].name == stored["economics"]["per_point"][0]["sensitivity"][0]["name"]
    assert typed.economics.effect_basis is not None
    assert typed.economics.effect_basis.covariates == ("baseline",)
    assert [r.term for r in typed.coefficients] == [r["term"] for r in stored["coefficients"]]
    assert all(isinstance(a, StressorAssociation) for a in typed.stressors)
    # the sections as stored, one by one
    for key in ("uptake", "economics", "coefficients", "stressors", "moderators", "families"):
        assert json.dumps(typed.to_json()[key]) == json.dumps(stored[key])


@pytest.mark.django_db
def test_a_run_stored_without_the_later_economics_keys_reads_and_renders(trial: Any) -> None:
    _costed(trial)
    run = run_analysis(trial, CLOCK)
    older = json.loads(json.dumps(run.result))
    e = older["economics"]
    del e["effect_basis"]
    for c in e["per_point"]:
        for key in ("icer_low", "icer_high", "effect_interval", "sensitivity"):
            del c[key]
    for c in older["uptake"]["costs"]:
        del c["by_kind"]
    typed = AnalysisResult.from_json(older)
    assert json.dumps(typed.to_json()["economics"]) == json.dumps(e)
    assert json.dumps(typed.to_json()["uptake"]) == json.dumps(older["uptake"])
    run.result = older
    run.save(update_fields=["result"])
    html = write_report(trial, now=CLOCK).read_text()
    assert "Cost per point of" in html
    assert "One-way sensitivity" in html  # the caption, with no rows to show


def test_reading_a_stored_run_imports_nothing_heavy() -> None:
    code = (
        "import sys\n"
        "import hearten.analysis.result, hearten.analysis.cost_effectiveness\n"
        "import hearten.analysis.uptake_figures, hearten.analysis.associations\n"
        "import hearten.analysis.moderation, hearten.analysis.adjusted_families\n"
        "import hearten.analysis.coefficients\n"
        "heavy = {'pandas', 'numpy', 'scipy', 'statsmodels', 'django'}\n"
        "print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] in heavy)))\n"
    )
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == ""


def test_a_new_runs_perk_is_made_from_the_uptake_pages_perk_in_its_stored_order() -> None:
    shown = PerkShown.of(PerkRun(name="coffee machine", where="N1", days=26, interruptions=1))
    assert json.dumps(shown.to_json()) == json.dumps(
        {"name": "coffee machine", "where": "N1", "days": 26, "interruptions": 1}
    )

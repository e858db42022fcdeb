"""Secondary outcomes and outcome families declared in the plan, adjusted for multiplicity."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from hearten.analysis.run import run_analysis
from hearten.errors import DesignError
from hearten.reports.render import write_report
from hearten.stats.multiplicity import adjust_p_values
from hearten.surveys.services import invite, plan_waves
from hearten.trials.allocation import arms_by_participant, randomise_trial
from hearten.trials.design import parse_design
from hearten.trials.lifecycle import create_trial
from hearten.trials.roster import import_roster
from tests.analysis.test_run import _answer
from tests.conftest import CLOCK, roster_text

#: The clock the services are given (a fixed one: nothing here depends on the day).
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)

pytestmark = pytest.mark.django_db

PLAN = """
[[waves]]
name = "six-months"
instrument = "swemwbs"

[analysis]
outcome_wave = "follow-up"
baseline_wave = "baseline"
seed = 8
reps = 499

[[analysis.secondary]]
name = "six-months"
wave = "six-months"
baseline_wave = "baseline"

[[analysis.families]]
name = "wellbeing"
outcomes = ["primary", "six-months"]
method = "{method}"
"""


def _design(design_file: Path, method: str) -> str:
    text = design_file.read_text()
    text = text[: text.index("[analysis]")]
    return text + PLAN.format(method=method)


@pytest.mark.parametrize("method", ["holm", "bh", "westfall-young"])
def test_a_family_of_outcomes_is_adjusted_as_planned(
    design_file: Path, tmp_path: Path, method: str
) -> None:
    trial = create_trial(parse_design(_design(design_file, method)), now=CLOCK)
    plan_waves(trial)
    roster = tmp_path / "roster.csv"
    roster.write_text(roster_text())
    import_roster(trial, roster, now=CLOCK)
    invite(trial.waves.get(name="baseline"), NOW)
    _answer(trial, "baseline", {})
    randomise_trial(trial, 2, now=CLOCK)
    letters = {pid: 1 for pid, arm in arms_by_participant(trial).items() if arm == "letters"}
    for wave in ("follow-up", "six-months"):
        invite(trial.waves.get(name=wave), NOW)
        _answer(trial, wave, letters, skip_every=6 if wave == "six-months" else 0)
    run = run_analysis(trial, CLOCK)
    secondary = run.result["secondary"][0]
    assert secondary["name"] == "six-months"
    assert secondary["n"] < run.result["model"]["n"]  # its own complete cases
    family = run.result["families"][0]
    assert (family["name"], family["method"], family["arm"]) == ("wellbeing", method, "letters")
    raw = family["p_values"]
    assert all(a >= p - 1e-12 for p, a in zip(raw, family["adjusted"], strict=True))
    if method != "westfall-young":
        assert raw == [run.result["effects"][0]["p_value"], secondary["effects"][0]["p_value"]]
        expected = adjust_p_values(["a", "b"], raw, method).adjusted  # type: ignore[arg-type]
        assert family["adjusted"] == pytest.approx(list(expected))
    else:
        assert family["seed"] == 8 or family["enumerated"]
    html = write_report(trial, now=CLOCK).read_text()
    assert "Secondary outcomes" in html
    assert "Several outcomes tested together" in html
    assert {
        "holm": "Holm",
        "bh": "Benjamini–Hochberg",
        "westfall-young": "Westfall–Young step-down",
    }[method] in html


def test_a_family_must_name_outcomes_the_plan_has(design_file: Path) -> None:
    text = _design(design_file, "holm").replace(
        'outcomes = ["primary", "six-months"]', 'outcomes = ["primary", "twelve-months"]'
    )
    with pytest.raises(DesignError, match=r"unknown outcome\(s\) twelve-months"):
        parse_design(text)


def test_a_mediator_is_reported_as_an_outcome_not_as_causal_mediation(
    design_file: Path, tmp_path: Path
) -> None:
    text = _design(design_file, "holm").replace(
        'baseline_wave = "baseline"\n\n[[analysis.families]]',
        'baseline_wave = "baseline"\nrole = "mediator"\n\n[[analysis.families]]',
    )
    trial = create_trial(parse_design(text), now=CLOCK)
    plan_waves(trial)
    roster = tmp_path / "roster.csv"
    roster.write_text(roster_text())
    import_roster(trial, roster, now=CLOCK)
    for wave in ("baseline",):
        invite(trial.waves.get(name=wave), NOW)
        _answer(trial, wave, {})
    randomise_trial(trial, 2, now=CLOCK)
    for wave in ("follow-up", "six-months"):
        invite(trial.waves.get(name=wave), NOW)
        _answer(trial, wave, {})
    run = run_analysis(trial, CLOCK)
    assert run.result["secondary"][0]["role"] == "mediator"
    html = write_report(trial, now=CLOCK).read_text()
    assert "Hypothesised mediators" in html
    assert "does not estimate causal mediation" in html
    assert "<h2>Secondary outcomes</h2>" not in html

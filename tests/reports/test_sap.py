"""Each plan version has its statistical analysis plan in the sections of Gamble et al.,
carrying that version's digest and every revision's reason."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hearten.analysis.plan import amend_plan, lock_plan
from hearten.reports.sap import sap_markdown, write_sap
from tests.analysis.test_plan import _changed
from tests.analysis.test_stepped_wedge import design_text, make_trial
from tests.conftest import CLOCK

pytestmark = pytest.mark.django_db

GAMBLE_SECTIONS = (
    "## 1. Administrative information",
    "## 2. Introduction",
    "## 3. Study methods",
    "## 4. Statistical principles",
    "## 5. Trial population",
    "## 6. Analysis",
)


def test_the_sap_has_gambles_six_sections_and_the_versions_digest(trial: Any) -> None:
    version = lock_plan(trial, now=CLOCK)
    text = sap_markdown(trial, version)
    positions = [text.index(s) for s in GAMBLE_SECTIONS]
    assert positions == sorted(positions)
    assert version.sha256 in text
    assert "alpha 0.05" in text
    assert "**To write**: who wrote the plan" in text


def test_an_amendment_gets_its_own_sap_listing_the_revision(trial: Any) -> None:
    lock_plan(trial, now=CLOCK)
    second = amend_plan(
        trial, _changed(trial, alpha=0.1), "a smaller trial than planned", now=CLOCK
    )
    assert second is not None
    md, pdf = write_sap(trial, second)
    assert md.name == "statistical-analysis-plan-v2.md"
    text = md.read_text()
    assert "Version 2" in text
    assert "a smaller trial than planned" in text
    assert second.sha256 in text
    assert pdf.read_bytes().startswith(b"%PDF")


def test_a_parallel_trials_sap_keeps_its_parallel_lines(trial: Any) -> None:
    """Issue 25 derived the stepped-wedge lines from the design; a parallel trial's lines are
    exactly what they were (checked byte for byte against the previous module when changed)."""
    lines = sap_markdown(trial, lock_plan(trial, now=CLOCK)).split("\n")
    for line in (
        "**Trial design.** Parallel-group randomised trial, cluster-randomised by team, "
        "allocation 1:1.",
        "**Analysis populations.** Intention to treat: everyone randomised with an outcome, in "
        "the arm they were randomised to (late joiners by their own rule).",
        "**Withdrawal and follow-up.** Withdrawals stop surveys and interventions; the person "
        "stays in their arm. The CONSORT flow diagram reports every stage by arm.",
    ):
        assert line in lines, line
    assert (
        "**Missing data.** complete cases (no imputation); Lee bounds on the primary outcome as "
        "a sensitivity analysis."
    ) in lines
    assert any(x.startswith("**Additional analyses.** Moderators (exploratory): ") for x in lines)
    methods = next(x for x in lines if x.startswith("**Analysis methods.**"))
    assert methods.startswith("**Analysis methods.** OLS of the outcome on arm indicators, ")
    assert methods.endswith("Effect size: Hedges' g (What Works Clearinghouse cluster adjustment).")


def test_a_stepped_wedge_sap_states_its_design_model_and_late_joiners(
    write_roster: Callable[[str], Path],
) -> None:
    """Issue 25: the SAP of a stepped wedge says what its stored design and plan say (the
    sequences, periods, transition and sampling; the planned mixed model in the
    pre-registration's words; late joiners as allocate_joiners treats them), not the
    parallel trial's sentences."""
    from hearten.reports.stepped_wedge import planned_model_words
    from hearten.trials.design import Design

    options = (
        'sampling = "closed-cohort"\niac = 0.3\ncac = 0.8\n'
        'random_effects = "cluster-period"\nexposure_time = true\n'
    )
    t = make_trial(write_roster, design_text(transition=1, options=options))
    version = lock_plan(t, now=CLOCK)
    text = sap_markdown(t, version)
    for parallel in ("Parallel-group", "OLS of the outcome", "by their own rule", "by arm."):
        assert parallel not in text, parallel
    lines = text.split("\n")
    assert (
        "**Trial design.** Stepped-wedge cluster-randomised trial: teams randomised to 4 "
        "sequences, sequence k starting the change at period k, so every team has it by the "
        "end; 6 periods, the first before anyone starts, then 1 transition period(s) after each "
        "start, left out of the analysis; measured: the same people every period (closed "
        "cohort)."
    ) in lines
    model = planned_model_words(Design.model_validate(version.design))
    assert f"**Analysis methods.** {model}" in lines
    for words in (
        "random team intercepts and random team-by-period intercepts",
        "fixed effect for each period",
        "CR2 standard errors by team",
        "no re-drawn sequences (with transition periods",  # analyse_stepped_wedge runs none
        "exposure time",
        "(p0, p1, p2, p3, p4, p5)",
    ):
        assert words in model, words
    assert (
        "**Analysis populations.** Intention to treat: everyone in a randomised team with an "
        "outcome, each period in the condition of their team's sequence in the schedule as "
        "drawn (late joiners: new people in a randomised team share its sequence; a team added "
        "after randomisation is not allocated (the roll-out's schedule is fixed) and is not "
        "analysed)."
    ) in lines
    assert "by sequence and period." in text
    assert "**Additional analyses.** the effect by time since the change (exposure time)." in lines
    assert "Baseline score, FTE, caseload and years in post by arm" not in text
    # analyse_stepped_wedge runs no Lee bounds (on by default in the plan): the SAP says so
    assert "Lee bounds on the primary outcome" not in text
    assert (
        "**Missing data.** every answer given in a period wave is analysed as it is (the mixed "
        "model needs no complete set of periods per person), with no imputation or weighting; "
        "the plan's Lee bounds are not run for a stepped wedge."
    ) in lines


def test_a_cross_sectional_stepped_wedge_sap_says_so_and_cautions_on_team_intercepts(
    write_roster: Callable[[str], Path],
) -> None:
    t = make_trial(write_roster, design_text(options="cac = 0.8\n"))
    text = sap_markdown(t, lock_plan(t, now=CLOCK))
    assert (
        "5 periods, the first before anyone starts; measured: whoever is in the team each "
        "period (cross-sectional)."
    ) in text
    assert "random team intercepts (Hussey and Hughes 2007)" in text
    assert "randomisation inference re-drawing which teams start when" in text
    assert "exposure time" not in text
    assert "**Additional analyses.** none." in text.split("\n")
    assert "Caution: the design assumes a team autocorrelation of 0.8" in text

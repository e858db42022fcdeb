"""The reporting pack answers every CONSORT 2025 item from the stored trial or says it is
left to write, and lists the registry items Hearten cannot fill."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from hearten.analysis.run import run_analysis
from hearten.reports.consort import CONSORT_2025, WHO_TRDS, who_registration
from hearten.reports.standards import standards_markdown, write_standards
from hearten.trials.models import Participant
from tests.analysis.test_plan import _ready
from tests.conftest import CLOCK

#: The clock the services are given (a fixed one: nothing here depends on the day).
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)

pytestmark = pytest.mark.django_db


def _rows(text: str, heading: str) -> list[list[str]]:
    section = text.split(heading, 1)[1].split("\n## ", 1)[0]
    return [
        [c.strip() for c in line.strip("|").split("|")]
        for line in section.splitlines()
        if line.startswith("| ") and not line.startswith("| ---")
    ][1:]


def test_every_consort_item_is_answered_or_left_to_write(trial: Any) -> None:
    _ready(trial)
    run_analysis(trial, CLOCK)
    text = standards_markdown(trial)
    rows = _rows(text, "## 1. CONSORT 2025 checklist")
    assert [r[0] for r in rows] == [n for n, _, _ in CONSORT_2025]
    assert all(r[3] for r in rows)
    answers = {r[0]: r[3] for r in rows}
    assert "allocation ratio 1:1" in answers["9"]
    assert "teams randomised" in answers["9"]
    assert answers["5a"].startswith("**To write**")
    assert "Cluster trials: the observed ICC" in text  # the cluster extension's note on 26


def test_consent_timing_is_counted_from_the_stored_times(trial: Any) -> None:
    _ready(trial)
    run_analysis(trial, CLOCK)
    randomised_at = trial.allocation.created_at
    people = Participant.objects.filter(trial=trial)
    before = sum(1 for p in people if p.consent_at and p.consent_at < randomised_at
                 and p.consent == "consented")  # fmt: skip
    assert f"{before} consented before randomisation" in standards_markdown(trial)


def test_the_registry_export_lists_what_is_missing(trial: Any) -> None:
    _ready(trial)
    run_analysis(trial, CLOCK)
    text = standards_markdown(trial)
    rows = _rows(text, "## 6. WHO Trial Registration Data Set")
    assert [int(r[0]) for r in rows] == [n for n, _ in WHO_TRDS]
    values = {int(r[0]): r[2] for r in rows}
    assert values[17] == "40 randomised in 8 teams"
    assert values[1] == "**To write**"
    assert "1. Primary registry and trial identifying number" in text.split("Missing")[1]


def test_the_pack_is_a_tagged_pdf_with_table_headers(trial: Any) -> None:
    from tests.reports.test_tagged_pdf import structure

    _ready(trial)
    run_analysis(trial, CLOCK)
    md, pdf = write_standards(trial)
    assert md.read_text().startswith("# ")
    s = structure(pdf.read_bytes())
    assert s["ua"] == "1"
    assert s["tags"].count("/Table") >= 4
    assert "/TH" in s["tags"]


def test_the_observed_icc_is_the_one_the_analysis_stored(trial: Any) -> None:
    _ready(trial)
    run = run_analysis(trial, CLOCK)
    icc = run.result["observed_icc"]
    assert (
        f"{icc['icc']:.3f} (95% CI {icc['conf_low']:.3f} to {icc['conf_high']:.3f}; "
        f"{icc['teams']} teams" in standards_markdown(trial)
    )


def test_the_registry_export_takes_the_sponsor_and_public_contact_from_the_design(
    trial: Any,
) -> None:
    _ready(trial)
    run_analysis(trial, CLOCK)
    trial.design["participants"] = {
        "title": "Feeling valued at work",
        "team": "Wellbeing Evaluation Unit",
        "email": "study@example.org",
    }
    trial.save(update_fields=["design"])
    values = {int(r[0]): r[2] for r in _rows(standards_markdown(trial), "## 6. WHO Trial")}
    assert values[5] == "Wellbeing Evaluation Unit"
    assert values[7] == "Wellbeing Evaluation Unit: study@example.org"
    assert values[9] == "Feeling valued at work"


def test_the_harms_section_counts_the_log_by_arm(trial: Any) -> None:
    from hearten.reports.render import write_report
    from hearten.trials.harms import log_harm

    _ready(trial)
    run_analysis(trial, CLOCK)
    assert "has no entries" in standards_markdown(trial)
    log_harm(
        trial,
        "Anonymous worry about who sees answers",
        kind="concern",
        source="participant",
        now=NOW,
    )
    assert "no participant named: 1 concern (0 serious, 0 people)" in standards_markdown(trial)
    html = write_report(trial, now=CLOCK).read_text(encoding="utf-8")
    assert "Harms and concerns" in html
    assert "concern raised by a participant" in html


def test_the_evaluation_registry_fields_come_from_the_design_and_list_what_is_missing(
    trial: Any,
) -> None:
    from hearten.interventions.costs import add_cost

    _ready(trial)
    add_cost(trial, "letters", "letterhead", 200.0, phase="start-up", now=CLOCK)
    run = run_analysis(trial, CLOCK)
    trial.design["participants"] = {
        "title": "Feeling valued at work",
        "team": "Wellbeing Evaluation Unit",
        "councils": ["Northshire Council", "Southby Council"],
    }
    trial.save(update_fields=["design"])
    text = standards_markdown(trial)
    values = dict((r[0], r[1]) for r in _rows(text, "## 7. UK Evaluation Registry")[:13])
    assert values["Title"] == "Feeling valued at work"
    assert values["Lead department"].startswith("Wellbeing Evaluation Unit")
    assert "Northshire Council; Southby Council" in values["Other departments"]
    assert values["Status"].startswith("An ongoing evaluation (analysed")
    types = values["Evaluation design types"]
    assert "Impact evaluation > Randomised control trial (RCT) > Cluster RCT" in types
    assert "Value for money evaluation > Cost-effectiveness analysis" in types
    assert "40 people in 8 teams randomised" in values["Brief description"]
    assert values["Grant number"] == "**To write**"
    # dates derived from what was stored
    first = min(p.consent_at for p in Participant.objects.filter(trial=trial, consent="consented"))
    assert f"| First participant recruited | actual | {first:%B %Y} |" in text
    assert f"{run.created_at:%B %Y} (this analysis run" in text
    missing = text.split("## 7. UK Evaluation Registry")[1].split("Missing, to add")[1]
    for name in ("Grant number", "Policy areas", "Link to the evaluation plan",
                 "Publication of final results date", "Intervention end date;"):  # fmt: skip
        assert name in missing
    assert "date date" not in missing
    assert "Title" not in missing.split("\n")[0]


def test_the_who_table_fills_what_it_is_given_and_lists_the_rest() -> None:
    lines, missing = who_registration({5: "Team | A\nnorth", 12: "", 9: "Title"}, "**Blank**")
    rows = {int(r.split(" | ")[0][2:]): r for r in lines if r[2:3].isdigit()}
    assert list(rows) == [n for n, _ in WHO_TRDS]
    assert rows[5] == "| 5 | Primary sponsor | Team / A north |"
    assert rows[12].endswith("| **Blank** |")  # given but empty: blank, not missing
    assert rows[1].endswith("| **Blank** |")
    assert missing == [f"{n}. {item}" for n, item in WHO_TRDS if n not in (5, 9, 12)]
    assert lines[-2] == "Missing, to add before registering: " + "; ".join(missing) + "."

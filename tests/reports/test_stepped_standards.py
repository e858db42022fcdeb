"""The reporting pack of a stepped-wedge trial (issue 25): the CONSORT stepped-wedge extension
item by item, each answer derived from the database and the stored run, or marked not reported
with what is missing."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hearten.analysis.run import run_analysis
from hearten.analysis.stepped_result import SteppedResult
from hearten.reports.standards import standards_markdown, write_standards
from hearten.reports.stepped_consort import NOT_REPORTED, SW_CONSORT, correlations
from hearten.trials.rollout import change_schedule
from tests.analysis.test_stepped_wedge import (
    HR_OPTIONS,
    answer_every_period,
    design_text,
    make_trial,
)
from tests.conftest import CLOCK

pytestmark = pytest.mark.django_db


def _items(text: str) -> dict[str, str]:
    """The checklist's answers by item number."""
    start = text.index("## 1. CONSORT extension")
    rows = text[start : text.index("## 2.")].splitlines()
    return {
        r.split(" | ")[0].strip("| "): r.split(" | ")[3].rstrip(" |")
        for r in rows[4:]
        if r.startswith("| ")
    }


@pytest.fixture
def stepped(write_roster: Callable[[str], Path], db: None) -> Any:
    t = make_trial(write_roster, design_text(options=HR_OPTIONS))
    answer_every_period(t, effect=1, skip_every=4)
    return t


def test_every_extension_item_is_answered_from_the_data_or_not_reported(stepped: Any) -> None:
    run = run_analysis(stepped, CLOCK)
    r = run.result
    text = standards_markdown(stepped)
    items = _items(text)
    assert list(items) == [n for n, _, _ in SW_CONSORT]
    # nothing filled from a template: every answer is data or says it is not reported
    assert all(a for a in items.values())
    left = [n for n, a in items.items() if a.startswith(NOT_REPORTED)]
    assert f"Not reported: items {', '.join(left)};" in text
    assert {"1a", "2a", "23", "25"} <= set(left)
    assert "CONSORT 2025 checklist" not in text  # not the parallel pack
    # 3a: the structure, from the drawn schedule and the design's calendar
    per_seq = Counter(x["sequence"] for x in r["schedule"]["rows"])
    assert per_seq == {1: 2, 2: 2, 3: 2, 4: 2}
    assert (
        "Teams randomised to 4 sequences (sequence 1: 2 teams; sequence 2: 2 teams" in items["3a"]
    )
    assert "5 periods, the first before any team starts" in items["3a"]
    assert "period 1 2025-08-04 to 2025-10-05" in items["3a"]
    assert "cross-sectional" in items["3a"]
    # 13a and 16: the counts of the stored flow and model
    people = {f["sequence"]: f["people"] for f in r["flow"] if f["period"] == 0}
    for s in per_seq:
        assert (
            f"sequence {s}: 2 teams randomised, 2 started as scheduled, {people[s]} people"
            in (items["13a"])
        )
    m = r["model"]
    assert items["16"].startswith(f"{m['n']} answers from 8 teams over 5 periods")
    # 13b: the unanswered invitations of each sequence, from the stored flow
    gaps = {s: sum(f["invited"] - f["answered"] for f in r["flow"] if f["sequence"] == s)
            for s in per_seq}  # fmt: skip
    assert all(f"sequence {s}: {g} invitations unanswered" in items["13b"] for s, g in gaps.items())
    # 17a: the effect and the correlations the fitted model implies
    e = r["effects"][0]
    assert f"effect {e['estimate']:.3f}" in items["17a"]
    icc = (m["tau2"]) / (m["tau2"] + m["sigma2"])
    assert correlations(SteppedResult.from_json(r))["icc"] == pytest.approx(icc)
    assert f"within-period ICC {icc:.3f}" in items["17a"]
    assert "period (time) effects" in items["17a"]
    # 8a: the allocation's own seed
    assert f"seed {r['allocation']['seed']} (no seed commitment was recorded" in items["8a"]


def test_a_late_start_and_withdrawals_are_counted_by_sequence(stepped: Any) -> None:
    from django.utils import timezone

    from hearten.trials.models import Participant
    from hearten.trials.people import withdraw

    row = next(
        x for x in run_analysis(stepped, CLOCK).result["schedule"]["rows"] if x["sequence"] == 2
    )
    change_schedule(stepped, row["unit"], 3, "the manager left in March", now=CLOCK)
    change_schedule(stepped, row["unit"], 4, "the new manager asked for more time", now=CLOCK)
    person = Participant.objects.filter(trial=stepped, team__code=row["unit"]).first()
    assert person is not None
    withdraw(stepped, person.pseudonym, "left-employer", now=timezone.now())
    run_analysis(stepped, CLOCK)
    items = _items(standards_markdown(stepped))
    assert f"{row['unit']} from period 2 to 3" in items["3b"]
    assert f"{row['unit']} from period 3 to 4" in items["3b"]
    assert "the manager left in March" in items["3b"]
    assert "sequence 2: 2 teams randomised, 1 started as scheduled" in items["13a"]
    assert "1 withdrew (1 left the employer)" in items["13b"]


def test_the_caution_on_the_model_reaches_the_pack(write_roster: Callable[[str], Path]) -> None:
    t = make_trial(write_roster, design_text(options="cac = 0.7\n"))
    answer_every_period(t, effect=1)
    run_analysis(t, CLOCK)
    text = standards_markdown(t)
    items = _items(text)
    assert "Caution: the design assumes a team autocorrelation of 0.7" in items["12a"]
    assert "no stepped_wedge.period_starts" in items["3a"]
    assumed = "Assumptions stored in the design: ICC 0.05, team autocorrelation 0.7"
    assert items["7a"].startswith(assumed)
    assert "Not reported**: the calculation" in items["7a"]  # the plan was never locked
    assert "Not reported**: the calendar of the periods" in items["14a"]
    assert "| 0 | not given | p0 |" in text


def test_the_pack_is_written_through_the_command(hearten: Callable[..., Any], stepped: Any) -> None:
    run_analysis(stepped, CLOCK)
    r = hearten("trial", "standards", stepped.slug)
    assert r.code == 0, r.err
    assert "Reporting pack:" in r.out
    md, pdf = write_standards(stepped)
    assert md.read_text().startswith("# Protected caseloads (stepped wedge): reporting pack")
    assert pdf.read_bytes().startswith(b"%PDF")


def test_the_registry_items_come_from_the_schedule_and_the_run(stepped: Any) -> None:
    r = run_analysis(stepped, CLOCK).result
    text = standards_markdown(stepped)
    start = text.index("## 6. WHO Trial Registration Data Set")
    end = text.index("## 7. UK Evaluation Registry")
    rows = [x.split(" | ") for x in text[start:end].splitlines() if x.startswith("| ")][2:]
    values = {int(x[0].strip("| ")): x[2].rstrip(" |") for x in rows}
    assert len(values) == 24
    people = sum(f["people"] for f in r["flow"] if f["period"] == 0)
    assert values[17] == f"{people} people in 8 teams"
    assert values[15] == (
        "interventional; randomised, stepped-wedge, teams randomised to 4 sequences over 5 "
        "periods, cross-sectional"
    )
    assert values[19] == "swemwbs metric in each period (p0, p1, p2, p3, p4)"
    assert values[16].startswith(r["allocation"]["randomised_at"][:10])
    assert values[1] == NOT_REPORTED
    assert "Missing, to add before registering: 1. Primary registry" in text


def test_the_evaluation_registry_describes_the_roll_out(
    write_roster: Callable[[str], Path],
) -> None:
    from django.utils import timezone

    before = timezone.make_aware(timezone.datetime(2025, 5, 19))
    t = make_trial(write_roster, design_text(options=HR_OPTIONS), before)
    answer_every_period(t, effect=1)
    r = run_analysis(t, CLOCK).result
    text = standards_markdown(t)
    uk = text[text.index("## 7. UK Evaluation Registry") :]
    people = sum(f["people"] for f in r["flow"] if f["period"] == 0)
    assert (
        f"A stepped-wedge randomised trial of Protected caseload model against Caseloads as "
        f"usual for staff wellbeing: {people} people in 8 teams randomised to the order in "
        "which they start (4 sequences)"
    ) in uk
    assert "Impact evaluation > Randomised control trial (RCT) > Stepped wedge RCT" in uk
    # the roll-out began with period 1 of the design's calendar (4 August 2025)
    assert "| Intervention start date | actual | August 2025 |" in uk

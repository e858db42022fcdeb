"""A stepped-wedge trial's process part: a team's people are asked the control arm's questions
(usual practice) in the periods before their team starts, and the change's after; the report
says what deliverers and teams before the change said, with small counts suppressed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from hearten.analysis.run import run_analysis
from hearten.surveys.models import Invitation, Response
from hearten.surveys.services import invite, record_consent, save_page
from hearten.trials.rollout import change_schedule, trial_schedule
from tests.analysis.test_stepped_wedge import (
    PERIODS,
    answer_every_period,
    design_text,
    make_trial,
)
from tests.conftest import CLOCK

#: The clock the services are given (a fixed one: nothing here depends on the day).
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)

pytestmark = pytest.mark.django_db

QUESTIONS = """
[[questions]]
name = "your-views"
heading = "Your views"

[[questions.items]]
key = "valued"
text = "I feel valued by my employer"
options = ["Disagree", "Neither", "Agree"]
required = true

[[questions.items]]
key = "usual"
text = "In the last three months, has your team had a limit on how many children each worker holds?"
options = ["Yes", "No", "Not sure"]
arms = ["control"]

[[questions.items]]
key = "kept"
text = "In the last three months, was your caseload kept within the limit your team agreed?"
options = ["Always", "Mostly", "Sometimes", "Never"]
arms = ["protected"]
"""


def voices_trial(write_roster: Callable[[str], Path]) -> Any:
    text = design_text().replace(
        'instrument = "swemwbs"\n', 'instrument = "swemwbs"\nquestions = ["your-views"]\n'
    )
    return make_trial(write_roster, text + QUESTIONS)


def test_people_are_asked_the_control_questions_until_their_team_starts(
    write_roster: Callable[[str], Path], db: None
) -> None:
    from hearten.surveys.items import page_for
    from hearten.surveys.visits import visit

    t = voices_trial(write_roster)
    moved = trial_schedule(t).rows[0]
    change_schedule(t, moved.unit, 4, "the manager left", now=CLOCK)  # asked as it was carried out
    start = {r.unit: r.start for r in trial_schedule(t).rows}
    seen = {"control": 0, "change": 0}
    for period, wave in enumerate(PERIODS):
        invite(t.waves.get(name=wave), NOW)
        for inv in Invitation.objects.filter(wave__trial=t, wave__name=wave).select_related(
            "participant__team"
        ):
            record_consent(inv, True, now=NOW)
            v = visit(inv.token)
            assert v is not None
            keys = {q.key for q in page_for(v, "your-views").items}  # type: ignore[union-attr]
            before = period < start[inv.participant.team.code]
            assert keys == ({"valued", "usual"} if before else {"valued", "kept"})
            seen["control" if before else "change"] += 1
            # an item sent for the other condition is dropped, as a tampered form would be
            save_page(inv, "your-views", {"valued": 3, "usual": 1, "kept": 2}, now=NOW)
            stored = Response.objects.get(invitation=inv, instrument="your-views").answers
            assert ("usual" in stored, "kept" in stored) == (before, not before)
    # five people a team, each in control for as many periods as its start
    assert seen["control"] == 5 * sum(start.values())
    assert seen["change"] == 5 * 8 * len(PERIODS) - seen["control"]


def test_the_report_says_what_teams_before_the_change_said_with_small_counts_hidden(
    write_roster: Callable[[str], Path], db: None
) -> None:
    from hearten.process.voices import voices
    from hearten.reports.render import write_report

    t = voices_trial(write_roster)
    answer_every_period(t, effect=1)
    start = {r.unit: r.start for r in trial_schedule(t).rows}
    for period, wave in enumerate(PERIODS):
        invitations = Invitation.objects.filter(wave__trial=t, wave__name=wave)
        asked = 0
        for inv in invitations.select_related("participant__team").order_by("id"):
            asked += period < start[inv.participant.team.code]
            # "Yes" from three of the control people only: below the minimum group of five
            save_page(
                inv,
                "your-views",
                {"valued": 2, "usual": 1 if asked <= 3 else 2, "kept": 1},
                now=NOW,
            )
    found = {(q.wave, q.question[:30]): q for q in voices(t).questions}
    first = found[("p1", "In the last three months, has ")]
    control_people = sum(1 for u, s in start.items() if s > 1) * 5
    assert first.arms == ("Caseloads as usual",)
    assert first.answered == control_people
    assert [x.count for x in first.shares] == [None, None, 0]  # 3 hidden, and the next
    assert ("p4", "In the last three months, has ") not in found or found[
        ("p4", "In the last three months, has ")
    ].answered == 0
    run_analysis(t, CLOCK)
    html = write_report(t, now=CLOCK).read_text()
    assert "What deliverers said, and teams before the change" in html
    assert "only of people whose team was then in the condition Caseloads as usual" in html
    assert "not shown" in html  # the few "Yes" answers, and one more so they cannot be derived
    # a wave in which nobody was in the condition asked is left out: no team is in control
    # at p4, none has the change at p0
    assert html.count("has your team had a limit") == len(PERIODS) - 1
    assert html.count("was your caseload kept within") == len(PERIODS) - 1

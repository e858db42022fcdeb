"""A stepped-wedge trial's schedule, and late changes to it recorded as deviations."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hearten.errors import DesignError
from hearten.trials.allocation import randomise_trial
from hearten.trials.audit import verify_chain
from hearten.trials.rollout import change_schedule, deviations, trial_schedule
from tests.conftest import CLOCK

pytestmark = pytest.mark.django_db

STEPPED = '\n[randomisation]\nscheme = "stepped-wedge"\n\n[stepped_wedge]\nsteps = 4\n'


@pytest.fixture
def stepped(design_file: Path, write_roster: Callable[[str], Path]) -> Any:
    from hearten.surveys.services import plan_waves
    from hearten.trials.design import parse_design
    from hearten.trials.lifecycle import create_trial
    from hearten.trials.roster import import_roster
    from tests.conftest import roster_text

    t = create_trial(parse_design(design_file.read_text() + STEPPED), now=CLOCK)
    plan_waves(t)
    import_roster(t, write_roster(roster_text()), now=CLOCK)
    randomise_trial(t, 31, now=CLOCK)
    return t


def test_the_schedule_starts_two_teams_a_period(stepped: Any) -> None:
    plan = trial_schedule(stepped)
    assert plan.periods == 5
    assert plan.clusters_starting() == {1: 2, 2: 2, 3: 2, 4: 2}
    assert all(r.conditions[0] == "control" for r in plan.rows)
    per_site = Counter((r.stratum, r.start) for r in plan.rows)
    assert set(per_site.values()) == {1}


def test_a_late_change_is_a_deviation_and_the_draw_is_kept(stepped: Any) -> None:
    first = trial_schedule(stepped).rows[0]
    d = change_schedule(stepped, first.unit, 4, "the manager left; the team starts last", now=CLOCK)
    assert (d.unit, d.was, d.moved_to) == (first.unit, 1, 4)
    moved = {r.unit: r.start for r in trial_schedule(stepped).rows}
    assert moved[first.unit] == 4
    drawn = {r.unit: r.start for r in trial_schedule(stepped, as_drawn=True).rows}
    assert drawn[first.unit] == 1
    assert [x.reason for x in deviations(stepped)] == ["the manager left; the team starts last"]
    assert verify_chain() == []
    from hearten.trials.verify import verify_trial

    assert all(c.ok for c in verify_trial(stepped))  # the draw still re-derives
    with pytest.raises(DesignError, match="already starts at period 4"):
        change_schedule(stepped, first.unit, 4, "again", now=CLOCK)
    with pytest.raises(DesignError, match="say why"):
        change_schedule(stepped, first.unit, 2, " ", now=CLOCK)
    with pytest.raises(DesignError, match="from 1 to 4"):
        change_schedule(stepped, first.unit, 5, "too late", now=CLOCK)


def test_a_parallel_trial_has_no_schedule(trial: Any) -> None:
    with pytest.raises(DesignError, match="not a stepped-wedge trial"):
        trial_schedule(trial)


def test_the_schedule_commands(hearten: Callable[..., Any], stepped: Any, tmp_path: Path) -> None:
    unit = trial_schedule(stepped).rows[-1].unit
    r = hearten(
        "trial", "reschedule", stepped.slug, unit, "--start", "2", "--reason", "ready early"
    )
    assert r.code == 0, r.err
    assert "recorded in the audit log as a deviation" in r.out
    figure = tmp_path / "staircase.svg"
    r = hearten("trial", "schedule", stepped.slug, "--figure", str(figure))
    assert r.code == 0, r.err
    assert "Deviation:" in r.out
    assert "ready early" in r.out
    assert figure.read_text().lstrip().startswith("<")
    r = hearten("trial", "schedule", stepped.slug, "--json")
    data = json.loads(r.out)
    assert data["periods"] == 5
    assert data["deviations"][0]["moved_to"] == 2


@pytest.mark.parametrize(
    ("name", "message"),
    [("staircase.pdf", "name a .svg or .png file"), ("missing/staircase.svg", "does not exist")],
)
def test_a_figure_file_that_cannot_be_written_is_one_line(
    hearten: Callable[..., Any], stepped: Any, tmp_path: Path, name: str, message: str
) -> None:
    r = hearten("trial", "schedule", stepped.slug, "--figure", str(tmp_path / name))
    assert r.code == 2
    assert message in " ".join(r.err.split())
    assert "Traceback" not in r.err
    assert not (tmp_path / name).exists()

"""Response rates as a site coordinator sees them: the review's attack (an arm's total minus
the arm's shown teams, known from delivery) recovers no hidden team, whatever the draw."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest

from hearten.stats.disclosure import Cell
from hearten.surveys.models import Invitation
from hearten.surveys.monitoring import monitor
from hearten.surveys.services import get_wave, invite, plan_waves, record_consent, save_page
from hearten.trials.allocation import arms_by_participant, randomise_trial
from hearten.trials.design import load_design
from hearten.trials.lifecycle import create_trial
from hearten.trials.models import Site
from hearten.trials.roster import import_roster
from tests.conftest import ROSTER_HEADER

pytestmark = pytest.mark.django_db
ANSWERS = {f"swemwbs_{i}": 3 for i in range(1, 8)}
#: The review's site North: team sizes, and how many answered (nobody in NA).
NORTH = {"NA": (3, 0), "NB": (6, 5), "NC": (7, 6), "ND": (8, 7), "NE": (9, 8), "NF": (10, 9)}


def _review_trial(design_file: Path, write_roster: Any, seed: int) -> Any:
    rows, n = [ROSTER_HEADER.strip()], 0
    teams = [("North", t, size) for t, (size, _) in NORTH.items()]
    teams += [("South", f"S{i}", 6 + i) for i in range(4)]
    for site, team, size in teams:
        for _ in range(size):
            n += 1
            rows.append(f"P{n:04d},{site},{team},Social worker,1.0,2020-01-15,10,p{n}@example.org")
    trial = create_trial(load_design(design_file))
    plan_waves(trial)
    import_roster(trial, write_roster("\n".join(rows) + "\n"))
    invite(get_wave(trial, "baseline"))
    done = {t: 0 for t in NORTH}
    for inv in Invitation.objects.select_related("participant__team").order_by("id"):
        team = inv.participant.team.code
        if (team in NORTH and done[team] < NORTH[team][1]) or (team.startswith("S") and inv.id % 2):
            record_consent(inv, True)
            save_page(inv, "swemwbs", ANSWERS)
            done[team] = done.get(team, 0) + 1
    randomise_trial(trial, seed)
    return trial


def _values(cells: list[Cell]) -> dict[str, int | None]:
    return {c.key: c.answered for c in cells}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_no_hidden_team_can_be_solved_from_the_arm_and_site_totals(
    design_file: Path, write_roster: Any, seed: int
) -> None:
    trial = _review_trial(design_file, write_roster, seed)
    north = Site.objects.get(trial=trial, code="North")
    m = monitor(get_wave(trial, "baseline"), show_arms=True, within={north.id})
    assert m.arms is not None
    teams, arms = _values(m.teams), _values(m.arms)
    assert teams["NA"] is None  # 3 people: fewer than the minimum
    arm_of_team = {
        p.team.code: arms_by_participant(trial)[p.id]
        for p in trial.participants.select_related("team").filter(site=north)
    }
    # The attacker knows every team's size and arm (delivery), and sees every shown number.
    hidden = [t for t, v in teams.items() if v is None]
    shown = {t: v for t, v in teams.items() if v is not None}
    totals: list[tuple[set[str], int]] = []
    if m.overall.answered is not None:
        totals.append((set(NORTH), m.overall.answered))
    totals += [(set(NORTH), v) for v in _values(m.sites).values() if v is not None]
    totals += [({t for t, a in arm_of_team.items() if a == arm}, v)
               for arm, v in arms.items() if v is not None]  # fmt: skip
    possible: dict[str, set[int]] = {t: set() for t in hidden}
    for guess in itertools.product(*(range(NORTH[t][0] + 1) for t in hidden)):
        value = dict(zip(hidden, guess, strict=True)) | shown
        if all(sum(value[t] for t in members) == total for members, total in totals):
            for t, g in zip(hidden, guess, strict=True):
                possible[t].add(g)
    for t in hidden:
        assert NORTH[t][1] in possible[t]  # the truth is consistent
        assert len(possible[t]) > 1, f"team {t} can be worked out as {possible[t]}"
    for c in (*m.teams, *m.sites, *m.arms, m.overall):  # no 0% or 100% is shown
        assert c.answered is None or 0 < c.answered < (c.people or 0)

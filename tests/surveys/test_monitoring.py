"""Response rates as a site coordinator sees them: the review's attack (an arm's total minus
the arm's shown teams, known from delivery) recovers no hidden team, whatever the draw."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from hearten.stats.disclosure import Cell
from hearten.surveys.models import Invitation
from hearten.surveys.monitoring import monitor
from hearten.surveys.services import get_wave, invite, plan_waves, record_consent, save_page
from hearten.trials.allocation import arms_by_participant, randomise_trial
from hearten.trials.design import load_design
from hearten.trials.lifecycle import create_trial
from hearten.trials.models import Site
from hearten.trials.people import add_role, open_delivery
from hearten.trials.roster import import_roster
from tests.conftest import CLOCK, ROSTER_HEADER, sign_in

#: The clock the services are given (a fixed one: nothing here depends on the day).
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)

pytestmark = pytest.mark.django_db
ANSWERS = {f"swemwbs_{i}": 3 for i in range(1, 8)}
#: The review's site North: team sizes, and how many answered (nobody in NA); in the review
#: every other team answered in full, here one short of it, so that the 0%/100% rule alone
#: does not hide them and the audit is what protects NA.
NORTH = {"NA": (3, 0), "NB": (6, 5), "NC": (7, 6), "ND": (8, 7), "NE": (9, 8), "NF": (10, 9)}
REVIEW = {"NA": (3, 0), "NB": (6, 6), "NC": (7, 7), "ND": (8, 8), "NE": (9, 9), "NF": (10, 10)}
PASSWORD = "a long passphrase 1"


def _review_trial(
    design_file: Path, write_roster: Any, seed: int, north: dict[str, tuple[int, int]] = NORTH
) -> Any:
    rows, n = [ROSTER_HEADER.strip()], 0
    teams = [("North", t, size) for t, (size, _) in north.items()]
    teams += [("South", f"S{i}", 6 + i) for i in range(4)]
    for site, team, size in teams:
        for _ in range(size):
            n += 1
            rows.append(f"P{n:04d},{site},{team},Social worker,1.0,2020-01-15,10,p{n}@example.org")
    trial = create_trial(load_design(design_file), now=CLOCK)
    plan_waves(trial)
    import_roster(trial, write_roster("\n".join(rows) + "\n"), now=CLOCK)
    invite(get_wave(trial, "baseline"), NOW)
    done = {t: 0 for t in north}
    for inv in Invitation.objects.select_related("participant__team").order_by("id"):
        team = inv.participant.team.code
        if (team in north and done[team] < north[team][1]) or (team.startswith("S") and inv.id % 2):
            record_consent(inv, True, now=NOW)
            save_page(inv, "swemwbs", ANSWERS, now=NOW)
            done[team] = done.get(team, 0) + 1
    randomise_trial(trial, seed, now=CLOCK)
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
    _attack(arm_of_team, NORTH, teams, [m.overall.answered, *_values(m.sites).values()], arms)
    for c in (*m.teams, *m.sites, *m.arms, m.overall):  # no 0% or 100% is shown
        assert c.answered is None or 0 < c.answered < (c.people or 0)


def _attack(
    arm_of_team: dict[str, str],
    north: dict[str, tuple[int, int]],
    teams: dict[str, int | None],
    site_totals: list[int | None],
    arms: dict[str, int | None],
) -> None:
    """The review's attacker: knowing every team's size and arm (delivery) and every number
    shown, list each hidden team's possible answered counts; none may be down to one."""
    hidden = [t for t, v in teams.items() if v is None]
    shown = {t: v for t, v in teams.items() if v is not None}
    totals = [(set(north), v) for v in site_totals if v is not None]
    totals += [({t for t, a in arm_of_team.items() if a == arm}, v)
               for arm, v in arms.items() if v is not None]  # fmt: skip
    possible: dict[str, set[int]] = {t: set() for t in hidden}
    for guess in itertools.product(*(range(north[t][0] + 1) for t in hidden)):
        value = dict(zip(hidden, guess, strict=True)) | shown
        if all(sum(value[t] for t in members) == total for members, total in totals):
            for t, g in zip(hidden, guess, strict=True):
                possible[t].add(g)
    for t in hidden:
        assert north[t][1] in possible[t]  # the truth is consistent
        assert len(possible[t]) > 1, f"team {t} can be worked out as {possible[t]}"


def test_the_reviews_coordinator_page_gives_no_hidden_team_away(
    design_file: Path, write_roster: Any, client: Client
) -> None:
    trial = _review_trial(design_file, write_roster, 1, REVIEW)
    add_role(trial, "northcoord", "coordinator", [], PASSWORD, ["North"], now=CLOCK)
    open_delivery(trial, now=CLOCK)
    sign_in(client, "northcoord", PASSWORD)
    page = client.get(f"/trials/{trial.slug}/responses/").content.decode()
    rows = dict(re.findall(r'<th scope="row"[^>]*>([^<]+)</th>\s*(.*?)</tr>', page, re.S))
    answered = {
        label.split(" / ")[-1]: (
            None if "hidden" in cells else int(re.findall(r">(\d+)<", cells)[1])
        )
        for label, cells in rows.items()
    }
    assert "By arm" in page
    assert answered["NA"] is None
    north = Site.objects.get(trial=trial, code="North")
    arm_of_team = {
        p.team.code: arms_by_participant(trial)[p.id]
        for p in trial.participants.select_related("team").filter(site=north)
    }
    label = {a.name: a.label or a.name for a in trial.arms.all()}  # labels, as the page shows
    arms = {a: answered[label[a]] for a in set(arm_of_team.values())}
    overall = re.search(r"(\d+) of (\d+) people have answered", page)
    totals = [answered["North"], int(overall.group(1)) if overall else None]
    _attack(arm_of_team, REVIEW, {t: answered[t] for t in REVIEW}, totals, arms)
    assert "100%" not in page
    assert ">0%<" not in page


def test_hidden_teams_sort_last_and_are_never_marked_low() -> None:
    from hearten.stats.disclosure import Cell
    from hearten.surveys.monitoring import Monitor, Order, team_rows

    def cell(team: str, people: int | None, answered: int | None) -> Cell:
        rate = answered / people if people and answered is not None else None
        hidden = None if people else "too few people"
        return Cell(team, "S", people, answered, rate, hidden)

    m = Monitor("baseline", 5, cell("all", 30, 15), [], [
        cell("A", 10, 9), cell("B", None, None), cell("C", 10, 2), cell("D", 10, 5),
    ], None)  # fmt: skip
    names = {("S", "A"): ("Site", "Alpha")}
    lowest = team_rows(m, names, 0.7, Order.LOWEST)
    assert [r.team for r in lowest] == ["C", "D", "Alpha", "B"]
    assert [r.low for r in lowest] == [True, True, False, False]
    assert [r.team for r in team_rows(m, names, 0.7, Order.HIGHEST)] == ["Alpha", "D", "C", "B"]
    assert [r.team for r in team_rows(m, names, 0.7, low_only=True)] == ["C", "D"]
    assert team_rows(m, names, 0.7, site="elsewhere") == []

"""Perks: only for intervention units, exposure by days less interruptions; costs per arm."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from hearten.errors import DataError, NotFound
from hearten.interventions.costs import add_cost, cost_per_participant
from hearten.interventions.perks import add_perk, exposure_days, interrupt
from hearten.trials.allocation import arms_by_participant, randomise_trial
from hearten.trials.models import Participant
from tests.conftest import CLOCK

pytestmark = pytest.mark.django_db


def _team(trial: Any, arm: str) -> str:
    arms = arms_by_participant(trial)
    people = Participant.objects.filter(trial=trial).select_related("team").order_by("id")
    return next(p.team.code for p in people if arms[p.id] == arm)


def test_exposure_counts_days_in_the_window_less_interruptions(trial: Any) -> None:
    randomise_trial(trial, 3, now=CLOCK)
    team = _team(trial, "letters")
    perk = add_perk(
        trial, "coffee machine", date(2026, 1, 1), date(2026, 1, 31), team=team, now=CLOCK
    )
    interrupt(trial, perk.pk, date(2026, 1, 10), date(2026, 1, 14), "machine broken", now=CLOCK)
    days = exposure_days(trial, date(2026, 1, 5), date(2026, 3, 1))
    exposed = {p.id for p in Participant.objects.filter(trial=trial, team__code=team)}
    # 5–31 January is 27 days; less 10–14 January (5) leaves 22.
    assert {days[pid] for pid in exposed} == {22}
    assert all(days[pid] == 0 for pid in days if pid not in exposed)


def test_perks_only_for_intervention_units_and_checked(trial: Any) -> None:
    randomise_trial(trial, 3, now=CLOCK)
    with pytest.raises(DataError, match="not in an intervention arm"):
        add_perk(
            trial,
            "coffee",
            date(2026, 1, 1),
            date(2026, 1, 2),
            team=_team(trial, "control"),
            now=CLOCK,
        )
    with pytest.raises(NotFound, match="no team 'XX'"):
        add_perk(trial, "coffee", date(2026, 1, 1), date(2026, 1, 2), team="XX", now=CLOCK)
    with pytest.raises(DataError, match="ends"):
        add_perk(
            trial,
            "coffee",
            date(2026, 1, 2),
            date(2026, 1, 1),
            team=_team(trial, "letters"),
            now=CLOCK,
        )
    perk = add_perk(
        trial, "coffee", date(2026, 1, 1), date(2026, 1, 9), team=_team(trial, "letters"), now=CLOCK
    )
    with pytest.raises(DataError, match="within the perk's days"):
        interrupt(trial, perk.pk, date(2026, 1, 5), date(2026, 1, 20), "closed", now=CLOCK)


def test_cost_per_participant_includes_staff_time_and_perks(trial: Any) -> None:
    randomise_trial(trial, 3, now=CLOCK)
    add_cost(trial, "letters", "printing and postage", 20.0, now=CLOCK)
    add_cost(trial, "letters", "managers writing", 0, minutes=20 * 15, hourly_rate=40.0, now=CLOCK)
    add_perk(
        trial,
        "tea",
        date(2026, 1, 1),
        date(2026, 1, 9),
        team=_team(trial, "letters"),
        cost=30,
        now=CLOCK,
    )
    costs = {c.arm: c for c in cost_per_participant(trial)}
    assert costs["letters"].total == pytest.approx(20 + 200 + 30)
    assert costs["letters"].participants == 20
    assert costs["letters"].per_participant == pytest.approx(12.5)
    assert costs["control"].total == 0
    with pytest.raises(DataError, match="hourly rate"):
        add_cost(trial, "letters", "time", 0, minutes=10, now=CLOCK)
    with pytest.raises(DataError, match="no arm"):
        add_cost(trial, "goals", "x", 1, now=CLOCK)

"""Randomising a stored trial: once, within strata, recorded, audited."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from typing import Any

import pytest
from django.db import IntegrityError

from hearten.errors import DesignError, StateError
from hearten.trials.allocation import arms_by_participant, randomise_trial
from hearten.trials.audit import verify_chain
from hearten.trials.lifecycle import discard_trial
from hearten.trials.models import AllocatedUnit, Allocation, AuditEvent, Participant
from tests.conftest import CLOCK, append_only_lifted

pytestmark = pytest.mark.django_db


def test_teams_are_randomised_within_sites_and_the_draw_is_recorded(trial: Any) -> None:
    summary = randomise_trial(trial, 2024, now=CLOCK)
    assert summary.units_by_arm == {"control": 4, "letters": 4}
    a = trial.allocation
    assert (a.seed, a.scheme, a.unit) == (2024, "blocked-cluster", "team")
    units = list(AllocatedUnit.objects.filter(allocation=a))
    assert {u.probability for u in units} == {0.5}
    per_site = Counter((u.stratum, u.arm.name) for u in units)
    assert per_site == {
        ("Dudley", "control"): 2,
        ("Dudley", "letters"): 2,
        ("Shropshire", "control"): 2,
        ("Shropshire", "letters"): 2,
    }
    trial.refresh_from_db()
    assert trial.status == "randomised"


def test_everyone_in_a_team_shares_its_arm(trial: Any) -> None:
    randomise_trial(trial, 5, now=CLOCK)
    arms = arms_by_participant(trial)
    by_team: dict[str, set[str]] = {}
    for p in Participant.objects.filter(trial=trial).select_related("team"):
        by_team.setdefault(p.team.code, set()).add(arms[p.id])
    assert all(len(s) == 1 for s in by_team.values())


def test_it_refuses_to_randomise_twice(trial: Any) -> None:
    randomise_trial(trial, 1, now=CLOCK)
    with pytest.raises(StateError, match="with seed 1; an allocation is never re-drawn"):
        randomise_trial(trial, 2, now=CLOCK)
    assert AllocatedUnit.objects.filter(allocation__trial=trial).count() == 8


def test_losing_the_race_to_another_randomisation_says_so(
    trial: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import hearten.trials.allocation as allocation

    real_draw = allocation.draw

    def draw_after_a_rival(design: Any, snapshot: Any, seed: int) -> Any:
        # another process randomises between this call's check and its write
        monkeypatch.setattr(allocation, "draw", real_draw)
        randomise_trial(trial, 7, now=CLOCK)
        return real_draw(design, snapshot, seed)

    monkeypatch.setattr(allocation, "draw", draw_after_a_rival)
    with pytest.raises(StateError, match="was randomised by someone else just now"):
        randomise_trial(trial, 8, now=CLOCK)
    assert Allocation.objects.get(trial=trial).seed == 7
    assert AllocatedUnit.objects.filter(allocation__trial=trial).count() == 8


def test_any_other_integrity_error_of_the_write_propagates_as_it_is(
    trial: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import hearten.trials.allocation as allocation

    real_draw = allocation.draw

    def one_unit_drawn_twice(design: Any, snapshot: Any, seed: int) -> Any:
        drawn, details = real_draw(design, snapshot, seed)
        return replace(drawn, units=(drawn.units[0],) * len(drawn.units)), details

    monkeypatch.setattr(allocation, "draw", one_unit_drawn_twice)
    with pytest.raises(IntegrityError):  # the units' own constraint: one row per unit
        randomise_trial(trial, 3, now=CLOCK)
    assert not Allocation.objects.filter(trial=trial).exists()


def test_the_same_seed_reproduces_the_allocation_in_another_trial(
    trial: Any, design_file: Any
) -> None:
    randomise_trial(trial, 99, now=CLOCK)
    first = dict(trial.allocation.units.values_list("unit_key", "arm__name"))
    discard_trial(trial, "the test draws the same seed in another trial", now=CLOCK)
    from tests.conftest import roster_text

    other = _fresh(design_file, roster_text())
    randomise_trial(other, 99, now=CLOCK)
    assert dict(other.allocation.units.values_list("unit_key", "arm__name")) == first


def _fresh(design_file: Any, roster: str) -> Any:
    import tempfile
    from pathlib import Path

    from hearten.trials.design import load_design
    from hearten.trials.lifecycle import create_trial
    from hearten.trials.roster import import_roster

    t = create_trial(load_design(design_file), now=CLOCK)
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "r.csv"
        path.write_text(roster)
        import_roster(t, path, now=CLOCK)
    return t


def test_a_stratum_with_fewer_units_than_arms_is_refused(design_file: Any) -> None:
    from tests.conftest import ROSTER_HEADER

    t = _fresh(
        design_file,
        ROSTER_HEADER + "S1,Dudley,D-1,SW,1,2020-01-01,,\n"
        "S2,Shropshire,S-1,SW,1,2020-01-01,,\nS3,Shropshire,S-2,SW,1,2020-01-01,,\n",
    )
    with pytest.raises(DesignError, match=r"fewer teams than the 2 arms: Dudley \(1\)"):
        randomise_trial(t, 1, now=CLOCK)


def test_the_audit_chain_records_randomisation_and_detects_tampering(trial: Any) -> None:
    randomise_trial(trial, 3, now=CLOCK)
    assert verify_chain() == []
    event = AuditEvent.objects.get(action="randomised")
    assert event.detail["seed"] == 3
    with append_only_lifted():
        AuditEvent.objects.filter(pk=event.pk).update(detail={**event.detail, "seed": 4})
    assert verify_chain() == [f"event {event.pk} (randomised) does not match the chain"]


STEPPED = """
[randomisation]
scheme = "stepped-wedge"

[stepped_wedge]
steps = 4
"""


def test_a_stepped_wedge_trial_randomises_teams_to_sequences_and_verifies(
    design_file: Any, write_roster: Any
) -> None:
    from hearten.surveys.services import plan_waves
    from hearten.trials.design import parse_design
    from hearten.trials.lifecycle import create_trial
    from hearten.trials.roster import import_roster
    from hearten.trials.verify import verify_trial
    from tests.conftest import roster_text

    text = design_file.read_text().replace('slug = "', 'slug = "sw-', 1) + STEPPED
    t = create_trial(parse_design(text), now=CLOCK)
    plan_waves(t)
    import_roster(t, write_roster(roster_text()), now=CLOCK)
    summary = randomise_trial(t, 2026, now=CLOCK)
    assert summary.scheme == "stepped-wedge"
    units = list(AllocatedUnit.objects.filter(allocation=t.allocation))
    assert {u.arm.name for u in units} == {"letters"}  # every team gets the change in turn
    per_site = Counter((u.stratum, u.factors["sequence"]) for u in units)
    assert set(per_site.values()) == {1}
    assert len(per_site) == 8
    assert t.allocation.parameters["steps"] == 4
    checks = verify_trial(t)
    assert all(c.ok for c in checks), [c for c in checks if not c.ok]
    from hearten.analysis.run import run_analysis

    # The stepped-wedge analysis needs the wave that measures each period; without them it
    # says so in one line rather than running the parallel-trial contrast on arms every team
    # crosses.
    with pytest.raises(DesignError, match=r"stepped_wedge\.period_waves"):
        run_analysis(t, CLOCK)

"""``docs/how-to/cost-a-trial.md``: its ``hearten costs`` commands, run in order as written
on a trial with a letters arm, leave a costing that ``hearten costs show`` can price (every
price year of the unit-cost table is on the index of the basis in force)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CLOCK
from tests.docs.test_tutorial import steps

HOW_TO = Path(__file__).resolve().parents[2] / "docs" / "how-to" / "cost-a-trial.md"
PASSWORD = "a long passphrase 1"

pytestmark = pytest.mark.django_db


def commands() -> list[list[str]]:
    """The how-to's ``hearten costs`` commands (continuation lines joined), as arguments."""
    import shlex

    markdown = HOW_TO.read_text(encoding="utf-8").replace("\\\n", " ")
    return [
        shlex.split(line)[1:]
        for kind, line in steps(markdown)
        if kind == "sh" and line.startswith("hearten costs ")
    ]


def test_the_how_to_gives_both_bases_and_every_step() -> None:
    found = [c[:2] for c in commands()]
    assert found.count(["costs", "basis"]) == 3
    assert ["costs", "rate"] in found
    assert ["costs", "add"] in found
    assert found[-1] == ["costs", "basis"]  # step 4 sets the case cost on the same index


def test_the_how_to_costs_a_trial_as_written(hearten: Callable[..., Any], trial: Any) -> None:
    from hearten.trials.allocation import arms_by_participant, randomise_trial
    from hearten.trials.models import Participant
    from hearten.trials.people import add_role

    randomise_trial(trial, 5, now=CLOCK)
    arms = arms_by_participant(trial)
    people = Participant.objects.filter(trial=trial).select_related("team").order_by("id")
    team = next(p.team.code for p in people if arms[p.id] == "letters")
    add_role(trial, "manager", "letter-writer", [team], PASSWORD, now=CLOCK)
    for args in commands():
        args = [trial.slug if a == "letters-2026" else a for a in args]
        r = hearten(*args)
        if args[1] == "show":
            continue  # shown again below, once a letter writer has answered
        assert r.code == 0, f"{' '.join(args)}: {r.err}{r.out}"
    r = hearten("ipe", "deliverer", trial.slug, "manager", "--minutes-per-letter", "12")
    assert r.code == 0, r.err
    r = hearten("costs", "show", trial.slug)
    assert r.code == 0, r.err + r.out
    # three hours at the council's £41.20 (2023-24) moved to 2025-26 on the example index:
    # 123.60 × 100 / 95 = 130.105
    assert "£130.11" in r.out, r.out
    assert "letter template" in r.out
    assert "printing and postage" in r.out
    assert "the mean of 1 letter writer's answers" in r.out

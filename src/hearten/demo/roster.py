"""The demo's simulated staff written as a roster file (personal data: mode 0600)."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import numpy as np

from hearten.demo.simulate import Person
from hearten.files import open_private
from hearten.trials.roster import new_pseudonym


def seeded_pseudonyms(seed: int) -> Callable[[], str]:
    """The demo's pseudonyms, drawn from a recorded seed so that a build can be repeated
    exactly: an individually randomised trial sorts its people by pseudonym before the
    draw, so fresh random pseudonyms would give its seed another allocation on every build.
    A real roster's pseudonyms come from the system's secure random source."""
    rng = np.random.default_rng(seed)
    return lambda: new_pseudonym(lambda letters: letters[int(rng.integers(len(letters)))])


def write_roster(people: list[Person], path: Path, offices: dict[str, str] | None = None) -> None:
    with open_private(path) as f:
        w = csv.writer(f)
        header = ["staff_id", "site", "team", "role", "fte", "start_date", "caseload", "email"]
        header += ["name", "preferred_name", "site_name", "team_name"]
        w.writerow(header + (["office"] if offices else []))
        for p in people:
            w.writerow(
                [
                    p.staff_id,
                    p.site,
                    p.team,
                    p.role,
                    f"{p.fte:.2f}",
                    p.start_date.isoformat(),
                    p.caseload,
                    f"{p.staff_id.lower()}@example.org",
                    p.name,
                    p.preferred_name,
                    p.site_name,
                    p.team_name,
                    *([offices[p.team]] if offices else []),
                ]
            )

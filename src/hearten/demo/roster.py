"""The demo's simulated staff written as a roster file (personal data: mode 0600)."""

from __future__ import annotations

import csv
from pathlib import Path

from hearten.demo.simulate import Person
from hearten.files import open_private


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

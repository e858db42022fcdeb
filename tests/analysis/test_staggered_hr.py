"""The observational staggered comparison on a trial's HR records: the team-month panel by
hand, the command end to end, and the page's wording (never a trial)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from hearten.analysis.staggered import HrOutcome
from hearten.analysis.staggered_hr import team_month_panel
from hearten.hr.imports import import_hr
from hearten.trials.models import AuditEvent
from tests.conftest import CLOCK

pytestmark = pytest.mark.django_db

EXACT = 1e-9
"""Sums and ratios of a few whole numbers."""

NOISE = 2.0
"""Each person's monthly spell is 3-5 days at random: with eight teams the estimate of a
-6.7 effect lands within 2 of it (it was -6.7 with the seeded data)."""

TEAMS = ["DU-0", "DU-1", "DU-2", "DU-3", "SH-0", "SH-1", "SH-2", "SH-3"]
ADOPTED = {"DU-0": "2026-03", "DU-1": "2026-03", "SH-0": "2026-05", "SH-1": "2026-05"}
MONTHS = [date(2026, m, 1) for m in range(1, 8)]


def _absence_file(tmp_path: Path) -> Path:
    """Every person has one spell a month; teams that adopted have two days fewer after."""
    rng = np.random.default_rng(25)
    lines = ["staff_id,start,end"]
    for n in range(1, 41):
        team = TEAMS[(n - 1) // 5]
        for month in MONTHS:
            days = 3 + int(rng.integers(0, 3))
            adopted = ADOPTED.get(team)
            if adopted and month.strftime("%Y-%m") >= adopted:
                days -= 2
            start = month.replace(day=3)
            end = month.replace(day=2 + days)
            lines.append(f"S{n:04d},{start},{end}")
    path = tmp_path / "absence.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def _adoption_file(tmp_path: Path, extra: str = "") -> Path:
    path = tmp_path / "adoption.csv"
    path.write_text(
        "team,adopted\n" + "".join(f"{t},{ADOPTED.get(t, '')}\n" for t in TEAMS) + extra
    )
    return path


@pytest.fixture
def with_absence(trial: Any, tmp_path: Path) -> Any:
    import_hr(trial, "absence", _absence_file(tmp_path), {}, now=CLOCK)
    return trial


def test_the_absence_rate_is_days_absent_per_hundred_fte_days_by_team_and_month(
    with_absence: Any, tmp_path: Path
) -> None:
    panel = team_month_panel(with_absence, HrOutcome.ABSENCE_RATE, MONTHS)
    assert len(panel) == 8 * 7
    lines = _absence_file(tmp_path).read_text().splitlines()[1:]
    days = 0
    for line in lines:
        staff, start, end = line.split(",")
        if int(staff[1:]) <= 5 and start.startswith("2026-02"):
            days += (date.fromisoformat(end) - date.fromisoformat(start)).days + 1
    row = panel[(panel["team"] == "DU-0") & (panel["month"] == 2)].iloc[0]
    assert row["y"] == pytest.approx(100 * days / (5 * 28), abs=EXACT)  # 5 full-time, 28 days
    assert row["people"] == 5


def test_the_command_writes_an_observational_page_and_audits_it(
    hearten: Callable[..., Any], with_absence: Any, tmp_path: Path, hearten_home: Path
) -> None:
    r = hearten(
        "trial", "staggered", with_absence.slug, "--outcome", "absence-rate",
        "--adoption", str(_adoption_file(tmp_path)), "--from", "2026-01", "--to", "2026-07",
        "--change", "protected caseloads", "--seed", "11", "--draws", "199",
    )  # fmt: skip
    assert r.code == 0, r.err
    assert "Observational comparison" in r.out
    assert "Only 8 clusters" in r.out
    effect = float(re.search(r"weighted by teams\): (-?\d+\.\d+)", r.out).group(1))  # type: ignore[union-attr]
    # Two days fewer a month, 28-31 days long, as a rate per 100 FTE-days.
    assert effect == pytest.approx(-200 / 30, abs=NOISE)
    page = hearten_home / "reports" / with_absence.slug / "staggered-absence-rate.html"
    html = page.read_text()
    heading = re.search(r"<h1>(.*?)</h1>", html).group(1)  # type: ignore[union-attr]
    assert heading.startswith("Observational comparison")
    first = re.search(r'<div class="summary">\s*<p>(.*?)</p>', html, re.S).group(1)  # type: ignore[union-attr]
    assert first.startswith("This is an observational comparison")
    assert re.search(r"Averaged over the 3 months before adoption, the difference is -?\d", html)
    assert "Mean difference over the 3 event times before adoption" in r.out
    text = re.sub(r"<[^>]+>", " ", html).lower()
    assert "trial" not in text
    assert "randomi" not in text
    assert 'role="img" aria-label="Event study of sickness absence days' in html
    pdf = page.with_suffix(".pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    event = AuditEvent.objects.filter(action="exported").latest("id")
    assert event.detail["what"] == "observational staggered comparison"
    assert event.detail["seed"] == 11
    assert event.detail["pdf_sha256"] == hashlib.sha256(pdf).hexdigest()


def test_the_same_seed_gives_the_same_page(
    hearten: Callable[..., Any], with_absence: Any, tmp_path: Path, hearten_home: Path
) -> None:
    args = (
        "trial", "staggered", with_absence.slug, "--outcome", "absence-rate", "--adoption",
        str(_adoption_file(tmp_path)), "--from", "2026-01", "--to", "2026-07", "--seed", "5",
        "--draws", "99", "--json",
    )  # fmt: skip
    first, second = hearten(*args), hearten(*args)
    assert first.code == 0, first.err
    assert first.out == second.out


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("XX-9,2026-03\n", "names team(s) not in trial"),
        ("DU-0,2026-04\n", "team DU-0 appears twice"),
    ],
)
def test_a_bad_adoption_file_is_one_line_that_says_what_to_fix(
    hearten: Callable[..., Any], with_absence: Any, tmp_path: Path, extra: str, message: str
) -> None:
    r = hearten(
        "trial", "staggered", with_absence.slug, "--outcome", "absence-rate",
        "--adoption", str(_adoption_file(tmp_path, extra)), "--from", "2026-01", "--to",
        "2026-07",
    )  # fmt: skip
    assert r.code == 2
    assert message in r.err
    assert "Traceback" not in r.err


def test_an_unknown_outcome_lists_the_choices(
    hearten: Callable[..., Any], with_absence: Any, tmp_path: Path
) -> None:
    r = hearten(
        "trial", "staggered", with_absence.slug, "--outcome", "sickness",
        "--adoption", str(_adoption_file(tmp_path)), "--from", "2026-01", "--to", "2026-07",
    )  # fmt: skip
    assert r.code == 2
    assert "choose one of absence-rate, leaving, caseload" in r.err


def test_caseload_and_leaving_panels_come_from_the_roster_and_leavers(with_absence: Any) -> None:
    caseload = team_month_panel(with_absence, HrOutcome.CASELOAD, MONTHS[:2])
    # The roster's caseloads are 10 + n % 15 for person n; DU-0 is persons 1 to 5.
    assert caseload.loc[caseload["team"] == "DU-0", "y"].iloc[0] == pytest.approx(13.0)
    leaving = team_month_panel(with_absence, HrOutcome.LEAVING, MONTHS[:2])
    assert (leaving["y"] == 0).all()

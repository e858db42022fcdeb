"""`hearten demo` from a fresh HEARTEN_HOME, through the installed entry point, twice."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest


def hearten_command() -> list[str]:
    exe = shutil.which("hearten", path=str(Path(sys.executable).parent))
    assert exe, "the hearten entry point is installed with the package"
    return [exe]


def fresh_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(HEARTEN_HOME=str(home), COLUMNS="200")
    return env


def _latest_estimate(db: sqlite3.Connection) -> float:
    (result,) = db.execute(
        "SELECT result FROM analysis_analysisrun ORDER BY id DESC LIMIT 1"
    ).fetchone()
    return float(json.loads(result)["effects"][0]["estimate"])


def test_the_demo_builds_analyses_reports_and_can_run_again(tmp_path: Path) -> None:
    home = tmp_path / "home"
    first = subprocess.run(
        [*hearten_command(), "demo"],
        env=fresh_env(home),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert first.returncode == 0, first.stderr
    report = home / "reports" / "demo-letters" / "report.html"
    assert f"Report: {report}" in first.stdout.replace("\n", "")
    assert "hearten serve" in first.stdout
    assert re.search(r"as evaluator with password \S+", first.stdout.replace("\n", " "))
    assert len(re.findall(r"http://127\.0\.0\.1:8000/s/[\w-]+/", first.stdout)) == 3
    html = report.read_text()
    assert "Participant flow" in html
    assert "<svg" in html

    db = sqlite3.connect(home / "hearten.sqlite3")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    first_estimate = _latest_estimate(db)
    people = db.execute("SELECT COUNT(*) FROM trials_participant").fetchone()[0]
    teams = db.execute("SELECT COUNT(*) FROM trials_team").fetchone()[0]
    sites = db.execute("SELECT COUNT(*) FROM trials_site").fetchone()[0]
    db.close()
    assert sites == 4
    assert teams == 80
    assert 850 <= people <= 1000

    second = subprocess.run(
        [*hearten_command(), "demo"],
        env=fresh_env(home),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert second.returncode == 0, second.stderr
    db = sqlite3.connect(home / "hearten.sqlite3")
    assert db.execute("SELECT COUNT(*) FROM trials_trial").fetchone()[0] == 1
    # The same seed gives the same demo; rows are ordered by (random) pseudonym, so sums run
    # in another order and may differ in the last bits.
    assert _latest_estimate(db) == pytest.approx(first_estimate, rel=1e-12)
    assert db.execute("SELECT COUNT(*) FROM trials_participant").fetchone()[0] == people
    db.close()


def test_commands_refuse_a_database_that_needs_upgrading(tmp_path: Path) -> None:
    result = subprocess.run(
        [*hearten_command(), "trial", "list"],
        env=fresh_env(tmp_path / "home"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "run `hearten db upgrade` first" in result.stderr
    upgrade = subprocess.run(
        [*hearten_command(), "db", "upgrade"],
        env=fresh_env(tmp_path / "home"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert upgrade.returncode == 0, upgrade.stderr
    assert "is up to date" in upgrade.stdout

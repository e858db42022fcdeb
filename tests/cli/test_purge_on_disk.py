"""A purge leaves no deleted bytes in the SQLite file or its write-ahead log (issue 28, item 4).

Run through the installed command in a fresh HEARTEN_HOME, as an operator would, while another
connection holds the database open (as `hearten serve` does), so the write-ahead log is not
simply deleted when the purging process exits."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import roster_text

FIXTURES = Path(__file__).parents[1] / "fixtures"


def _raw(home: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(home.glob("hearten.sqlite3*")))


@pytest.mark.long
@pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="the SQLite file itself")
def test_a_purge_leaves_no_address_or_staff_number_in_the_database_files(tmp_path: Path) -> None:
    exe = shutil.which("hearten", path=str(Path(sys.executable).parent))
    assert exe
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(HEARTEN_HOME=str(home), COLUMNS="200")

    def hearten(*args: str) -> str:
        done = subprocess.run([exe, *args], env=env, capture_output=True, text=True,
                              timeout=300, check=False)  # fmt: skip
        assert done.returncode == 0, done.stderr
        return done.stdout

    design = tmp_path / "design.toml"
    design.write_text(
        (FIXTURES / "design.toml").read_text() + '\n[privacy]\nretain_until = "2020-01-01"\n'
    )
    roster = tmp_path / "roster.csv"
    roster.write_text(roster_text())
    hearten("db", "upgrade")
    held = sqlite3.connect(home / "hearten.sqlite3")  # another process's connection
    try:
        held.execute("SELECT count(*) FROM sqlite_master").fetchone()
        hearten("trial", "create", str(design))
        hearten("roster", "import", "letters-test", str(roster))
        hearten("trial", "randomise", "letters-test", "--seed", "3")
        hearten("trial", "invite", "letters-test", "baseline")
        assert b"s17@example.org" in _raw(home)  # the test can see an address when it is there
        out = hearten("trial", "purge", "letters-test")
        raw = _raw(home)
        for n in range(1, 41):
            assert f"s{n}@example.org".encode() not in raw
            assert f"S{n:04d}".encode() not in raw
        assert "SQLite VACUUM" in out
        assert not (home / "exports" / "letters-test" / "baseline-links.csv").exists()
        assert held.execute("SELECT count(*) FROM trials_identitykey").fetchone() == (0,)
    finally:
        held.close()

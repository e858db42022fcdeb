"""Files that hold personal data are readable by their owner alone, whatever the umask."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from hearten.files import create_private, keep_private, open_private, private_folder, write_atomic


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(params=[0o022, 0o000], ids=["umask-022", "umask-000"])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    before = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(before)


def test_each_way_of_writing_makes_0600_files_in_0700_folders(umask: int, tmp_path: Path) -> None:
    folder = private_folder(tmp_path / "a" / "b")
    assert mode(tmp_path / "a") == 0o700
    assert mode(folder) == 0o700
    write_atomic(folder / "report.html", "<p>answers</p>")
    with open_private(folder / "links.csv") as f:
        f.write("pseudonym,link\n")
    create_private(folder / "export.csv").write_text("answers\n")
    for name in ("report.html", "links.csv", "export.csv"):
        assert mode(folder / name) == 0o600, name


def test_an_existing_file_is_made_private_without_losing_what_it_holds(tmp_path: Path) -> None:
    old = tmp_path / "hearten.sqlite3"
    old.write_text("kept")
    old.chmod(0o644)
    keep_private(old)
    assert mode(old) == 0o600
    assert old.read_text() == "kept"


def test_sqlite_gives_its_wal_and_shm_files_the_databases_mode(umask: int, tmp_path: Path) -> None:
    path = keep_private(tmp_path / "hearten.sqlite3")
    db = sqlite3.connect(path)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE t (answer TEXT)")
        db.execute("INSERT INTO t VALUES ('personal')")
        db.commit()
        for suffix in ("", "-wal", "-shm"):
            assert mode(path.with_name(path.name + suffix)) == 0o600, suffix
    finally:
        db.close()


@pytest.mark.django_db
def test_links_and_exports_are_private(
    umask: int,
    hearten: Callable[..., Any],
    trial: Any,
    hearten_home: Path,
) -> None:
    assert hearten("trial", "invite", trial.slug, "baseline").code == 0
    assert hearten("trial", "export", trial.slug).code == 0
    folder = hearten_home / "exports" / trial.slug
    assert mode(hearten_home / "exports") == 0o700
    assert mode(folder) == 0o700
    written = sorted(p.name for p in folder.iterdir())
    assert "baseline-links.csv" in written
    assert "responses_long.csv" in written
    for path in folder.iterdir():
        assert mode(path) == 0o600, path.name


@pytest.mark.long
def test_the_database_its_home_and_backups_are_private(tmp_path: Path) -> None:
    from tests.cli.test_demo import fresh_env, hearten_command

    home = tmp_path / "home"
    env = fresh_env(home)
    before = os.umask(0o022)
    try:
        for args in (["db", "upgrade"], ["backup"]):
            done = subprocess.run([*hearten_command(), *args], env=env, capture_output=True,
                                  text=True, timeout=300)  # fmt: skip
            assert done.returncode == 0, done.stderr
    finally:
        os.umask(before)
    assert mode(home) == 0o700
    assert mode(home / "hearten.sqlite3") == 0o600
    assert mode(home / "backups") == 0o700
    (backup,) = (home / "backups").iterdir()
    assert mode(backup) == 0o600

"""`hearten backup` and `hearten restore`: a round trip on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hearten.trials.models import AuditEvent, Trial

pytestmark = pytest.mark.usefixtures("audit_flushable")


def test_a_backup_restores_exactly_what_was_there(
    hearten: Callable[..., Any], design_file: Path, tmp_path: Path, hearten_home: Path
) -> None:
    assert hearten("trial", "create", str(design_file)).code == 0
    events = AuditEvent.objects.count()
    target = tmp_path / "hearten.backup"
    r = hearten("backup", str(target))
    assert r.code == 0, r.err
    assert target.stat().st_size > 0
    assert not target.with_name(target.name + ".partial").exists()
    r = hearten("backup", str(target))
    assert r.code == 2
    assert "exists already" in r.err
    other = tmp_path / "other.toml"
    other.write_text(design_file.read_text().replace("letters-test", "later-trial"))
    assert hearten("trial", "create", str(other)).code == 0
    assert Trial.objects.count() == 2
    r = hearten("restore", str(target), "--yes")
    assert r.code == 0, r.err
    assert list(Trial.objects.values_list("slug", flat=True)) == ["letters-test"]
    assert AuditEvent.objects.count() == events
    r = hearten("audit", "verify")
    assert r.code == 0, r.out + r.err


def test_a_default_backup_goes_under_hearten_home(
    hearten: Callable[..., Any], hearten_home: Path
) -> None:
    r = hearten("backup")
    assert r.code == 0, r.err
    (made,) = (hearten_home / "backups").iterdir()
    assert made.name.startswith("hearten-")


def test_restoring_something_else_is_refused(hearten: Callable[..., Any], tmp_path: Path) -> None:
    from django.db import connection

    r = hearten("restore", str(tmp_path / "missing.backup"), "--yes")
    assert r.code == 2
    assert "no backup file" in r.err
    junk = tmp_path / "junk.backup"
    junk.write_text("not a database")
    r = hearten("restore", str(junk), "--yes")
    assert r.code == 2
    assert ("not a Hearten SQLite backup" if connection.vendor == "sqlite" else "pg_restore") in (
        r.err
    )


def test_a_database_that_is_not_heartens_changes_nothing(
    hearten: Callable[..., Any], design_file: Path, tmp_path: Path, hearten_home: Path
) -> None:
    import sqlite3

    assert hearten("trial", "create", str(design_file)).code == 0
    foreign = tmp_path / "foreign.backup"
    with sqlite3.connect(foreign) as db:
        db.execute("CREATE TABLE x (a)")
        db.execute("INSERT INTO x VALUES (1)")
    db.close()
    r = hearten("restore", str(foreign), "--yes")
    assert r.code == 2
    assert "not a Hearten" in r.err
    assert list(Trial.objects.values_list("slug", flat=True)) == ["letters-test"]
    assert not (hearten_home / "backups").exists()  # refused before anything was touched


def test_a_backup_from_a_newer_version_is_refused(
    hearten: Callable[..., Any], tmp_path: Path
) -> None:
    import sqlite3

    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("the backup is edited with sqlite3")
    target = tmp_path / "hearten.backup"
    assert hearten("backup", str(target)).code == 0
    with sqlite3.connect(target) as db:
        db.execute("INSERT INTO django_migrations (app, name, applied) "
                   "VALUES ('trials', '9999_from_the_future', '2030-01-01')")  # fmt: skip
    db.close()
    r = hearten("restore", str(target), "--yes")
    assert r.code == 2
    assert "made by a newer Hearten (it has trials.9999_from_the_future)" in r.err


def test_a_restore_keeps_what_it_replaces(
    hearten: Callable[..., Any], design_file: Path, tmp_path: Path, hearten_home: Path
) -> None:
    target = tmp_path / "empty.backup"
    assert hearten("backup", str(target)).code == 0
    assert hearten("trial", "create", str(design_file)).code == 0
    r = hearten("restore", str(target), "--yes")
    assert r.code == 0, r.err
    assert Trial.objects.count() == 0
    (kept,) = (hearten_home / "backups").glob("before-restore-*")
    assert f"What it replaced is kept in {kept}" in r.out.replace("\n", "")
    r = hearten("restore", str(kept), "--yes")  # and it restores
    assert r.code == 0, r.err
    assert list(Trial.objects.values_list("slug", flat=True)) == ["letters-test"]


def test_a_backup_from_before_an_erasure_is_erased_again_and_exports_forget_them(
    hearten: Callable[..., Any],
    design_file: Path,
    write_roster: Callable[[str], Path],
    tmp_path: Path,
    hearten_home: Path,
) -> None:
    from hearten.trials.models import Participant
    from tests.conftest import roster_text

    assert hearten("trial", "create", str(design_file)).code == 0
    assert hearten("roster", "import", "letters-test", str(write_roster(roster_text()))).code == 0
    assert hearten("trial", "invite", "letters-test", "baseline").code == 0
    links = hearten_home / "exports" / "letters-test" / "baseline-links.csv"
    person = Participant.objects.order_by("pk").first()
    assert person is not None
    assert person.pseudonym in links.read_text()
    target = tmp_path / "before.backup"
    assert hearten("backup", str(target)).code == 0
    assert hearten("trial", "withdraw", "letters-test", person.pseudonym).code == 0
    r = hearten("trial", "erase", "letters-test", person.pseudonym)
    assert r.code == 0, r.err
    assert person.pseudonym not in links.read_text()  # the export on disk forgets them
    assert links.read_text().count("/s/") == 39
    r = hearten("restore", str(target), "--yes")
    assert r.code == 0, r.err
    assert "1 participant(s) erased" in r.out
    person.refresh_from_db()
    assert person.erased_at is not None
    assert person.identity.email == ""
    assert hearten("audit", "verify").code == 0


@pytest.mark.long
def test_restore_works_on_an_empty_or_damaged_database(design_file: Path, tmp_path: Path) -> None:
    import subprocess

    from tests.cli.test_demo import fresh_env, hearten_command

    def run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*hearten_command(), *args], env=fresh_env(home),
                              capture_output=True, text=True, timeout=300)  # fmt: skip

    made = tmp_path / "made"
    for args in (["db", "upgrade"], ["trial", "create", str(design_file)]):
        assert run(made, *args).returncode == 0
    target = tmp_path / "hearten.backup"
    assert run(made, "backup", str(target)).returncode == 0
    empty = tmp_path / "empty"  # a new machine: no tables at all
    done = run(empty, "restore", str(target), "--yes")
    assert done.returncode == 0, done.stderr
    assert "letters-test" in run(empty, "trial", "list").stdout
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    (damaged / "hearten.sqlite3").write_bytes(b"\x00junk" * 1000)
    done = run(damaged, "restore", str(target), "--yes")
    assert done.returncode == 0, done.stderr
    assert "letters-test" in run(damaged, "trial", "list").stdout
    (kept,) = (damaged / "backups").glob("before-restore-*.damaged")
    assert kept.read_bytes() == b"\x00junk" * 1000


def test_a_restore_deletes_the_reports_and_exports_made_from_the_replaced_database(
    hearten: Callable[..., Any], design_file: Path, tmp_path: Path, hearten_home: Path
) -> None:
    """Reports and exports under HEARTEN_HOME describe the database a restore replaces (the web
    app serves the report file as the trial's): they go, but for a purged trial's anonymised
    release; a file written elsewhere with --out is not Hearten's to find and stays."""
    assert hearten("trial", "create", str(design_file)).code == 0
    target = tmp_path / "before.backup"
    assert hearten("backup", str(target)).code == 0
    made = {
        "reports/letters-test/report.html": "a report of a run the backup never had",
        "reports/letters-test/report.pdf": "%PDF",
        "reports/programme-councils/index.html": "a programme report",
        "exports/letters-test/baseline-links.csv": "pseudonym,link\nP-1,https://x/s/t/\n",
        "exports/letters-test/letters/letter-P-1.pdf": "%PDF with a home address",
        "exports/later-trial/baseline-links.csv": "pseudonym,link\nP-2,https://x/s/u/\n",
    }
    kept = {
        "exports/old-trial/anonymised-dataset.csv": "row,arm\nR00001,letters\n",
        "exports/old-trial/anonymised-codebook.md": "# Codebook\n",
    }
    for name, text in {**made, **kept}.items():
        (hearten_home / name).parent.mkdir(parents=True, exist_ok=True)
        (hearten_home / name).write_text(text)
    elsewhere = tmp_path / "my-links.csv"  # as `hearten trial invite --out` writes
    elsewhere.write_text("pseudonym,link\n")
    r = hearten("restore", str(target), "--yes")
    assert r.code == 0, r.err
    for name in made:
        assert not (hearten_home / name).exists(), name
    for name, text in kept.items():
        assert (hearten_home / name).read_text() == text, name
    assert list((hearten_home / "reports").iterdir()) == []  # emptied folders go too
    assert not (hearten_home / "exports" / "letters-test").exists()
    assert elsewhere.exists()
    said = " ".join(r.out.split())
    assert "6 report and export file(s) made from the replaced database deleted" in said
    assert "Files written elsewhere with --out are not touched" in said

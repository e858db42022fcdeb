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

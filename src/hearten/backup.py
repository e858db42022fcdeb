"""Backing up and restoring Hearten's database.

SQLite: the online backup API (``sqlite3.Connection.backup``), which copies a consistent
snapshot while the app keeps running, into a new file; restoring copies a backup back into
the live database the same way, in one step. PostgreSQL: ``pg_dump --format=custom`` and
``pg_restore --clean --if-exists --single-transaction``, the tools made for it (they must be
on the PATH, from the same major version as the server or newer).

After a restore, the files Hearten made from the database it replaced are deleted
(:func:`clear_generated`): reports and exports under ``HEARTEN_HOME`` describe data the
restored database may not hold (a report of a run it never had, a links file or letters of
people or trials it does not know), and the web app would serve a stale report as the trial's
own. Every one can be made again from the restored database, and the replaced database is
kept (:func:`safety_copy`). Only a purged trial's anonymised release is kept: no command can
make it again once the identifiable data are gone, and it holds no one's personal data.

Sits beside the layers (like :mod:`hearten.config`): it needs only Django's connection.
"""

from __future__ import annotations

import os
import shutil
import sqlite3

# Runs pg_dump and pg_restore with argument lists, never through a shell.
import subprocess  # nosec B404
from collections.abc import Collection
from pathlib import Path
from typing import Any

from django.db import connection

from hearten.errors import DataError, StateError
from hearten.files import create_private, private_folder


def _pg_env(settings: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    """Connection options for pg_dump and pg_restore, and an environment with the password."""
    args = []
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if settings.get(key):
            args += [flag, str(settings[key])]
    env = dict(os.environ)
    if settings.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings["PASSWORD"])
    return args, env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise StateError(
            f"{name} is not installed: install PostgreSQL's client tools "
            "(apt-get install postgresql-client) to back up or restore a PostgreSQL database"
        )
    return found


def backup(target: Path) -> Path:
    """Write a backup of the database to ``target`` (a new file); return it."""
    if target.exists():
        raise DataError(f"{target} exists already: give a new file name")
    private_folder(target.parent)
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        partial = create_private(target.with_name(target.name + ".partial"))
        dest = sqlite3.connect(partial)
        try:
            connection.connection.backup(dest)
        finally:
            dest.close()
        partial.replace(target)  # a backup file is whole or absent
        return target
    if connection.vendor == "postgresql":
        args, env = _pg_env(connection.settings_dict)
        partial = create_private(target.with_name(target.name + ".partial"))
        command = [_tool("pg_dump"), "--format=custom", "--no-owner", *args,
                   "--file", str(partial), str(connection.settings_dict["NAME"])]  # fmt: skip
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # nosec B603
        if done.returncode != 0:
            partial.unlink(missing_ok=True)
            raise StateError(f"pg_dump failed: {done.stderr.strip()}")
        partial.replace(target)
        return target
    raise StateError(f"backups of a {connection.vendor} database are not supported")


def known_migrations() -> set[tuple[str, str]]:
    """Every (app, migration) this version of Hearten has on disk."""
    from django.db.migrations.loader import MigrationLoader

    return set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)


def _sqlite_migrations(source: Path) -> set[tuple[str, str]]:
    """The migrations a SQLite backup records; DataError if it is not a whole Hearten one."""
    try:
        src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise DataError(f"{source} is not a Hearten SQLite backup: {exc}") from None
    try:
        (check,) = src.execute("PRAGMA quick_check").fetchone()
        if check != "ok":
            raise DataError(f"{source} is a damaged SQLite file ({check}): use another backup")
        tables = {r[0] for r in src.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "django_migrations" not in tables:
            raise DataError(
                f"{source} is not a Hearten SQLite backup: it has no django_migrations table"
            )
        return {(a, n) for a, n in src.execute("SELECT app, name FROM django_migrations")}
    except sqlite3.DatabaseError as exc:
        raise DataError(f"{source} is not a Hearten SQLite backup: {exc}") from None
    finally:
        src.close()


def _postgres_migrations(source: Path) -> set[tuple[str, str]]:
    """The migrations a pg_dump backup records (its django_migrations rows, read with
    pg_restore without restoring anything); DataError if it is not a Hearten one."""
    command = [_tool("pg_restore"), "--data-only", "--table=django_migrations", "--file=-",
               str(source)]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # nosec B603
    if done.returncode != 0:
        raise DataError(f"{source} is not a Hearten PostgreSQL backup: {done.stderr.strip()}")
    rows: set[tuple[str, str]] = set()
    copying = False
    for line in done.stdout.splitlines():
        if line.startswith("COPY ") and "django_migrations" in line:
            copying = True
        elif copying and line == "\\.":
            copying = False
        elif copying:
            fields = line.split("\t")
            if len(fields) >= 3:
                rows.add((fields[1], fields[2]))
    if not rows:
        raise DataError(
            f"{source} is not a Hearten PostgreSQL backup: it holds no django_migrations rows"
        )
    return rows


def check_backup(source: Path, vendor: str) -> int:
    """Check, before anything is touched, that ``source`` is a backup of a Hearten database
    whose schema this version knows; return how many upgrades it will need once restored."""
    if not source.is_file():
        raise DataError(f"no backup file at {source}")
    if vendor == "sqlite":
        recorded = _sqlite_migrations(source)
    elif vendor == "postgresql":
        recorded = _postgres_migrations(source)
    else:
        raise StateError(f"restoring a {vendor} database is not supported")
    if ("trials", "0001_initial") not in recorded:
        raise DataError(f"{source} is a Django database but not Hearten's: nothing was changed")
    known = known_migrations()
    newer = sorted(f"{a}.{n}" for a, n in recorded - known)
    if newer:
        raise DataError(
            f"{source} was made by a newer Hearten (it has {', '.join(newer[:3])}"
            f"{' and more' if len(newer) > 3 else ''}): install that version to restore it"
        )
    return len(known - recorded)


def _replace_sqlite_file(source: Path, live: Path) -> None:
    """Put a copy of ``source`` where the live database file is, whole (the live file may
    be damaged beyond opening)."""
    connection.close()
    fresh = create_private(live.with_name(live.name + ".restoring"))
    src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    dest = sqlite3.connect(fresh)
    try:
        src.backup(dest)
    finally:
        dest.close()
        src.close()
    for suffix in ("-wal", "-shm"):
        live.with_name(live.name + suffix).unlink(missing_ok=True)
    fresh.replace(live)


def restore(source: Path) -> None:
    """Replace the database's contents with the backup in ``source`` (checked first)."""
    vendor = connection.vendor
    check_backup(source, vendor)
    if vendor == "sqlite":
        from django.db.utils import DatabaseError as DjangoDatabaseError

        try:
            connection.ensure_connection()
            live = connection.connection
            live.execute("PRAGMA quick_check").fetchone()
        except (sqlite3.DatabaseError, DjangoDatabaseError):
            _replace_sqlite_file(source, Path(connection.settings_dict["NAME"]))
            return
        src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
        try:
            src.backup(live)
        finally:
            src.close()
        return
    if vendor == "postgresql":
        args, env = _pg_env(connection.settings_dict)
        connection.close()  # pg_restore drops the tables this connection may hold open
        command = [_tool("pg_restore"), "--clean", "--if-exists", "--no-owner",
                   "--single-transaction", *args, "--dbname",
                   str(connection.settings_dict["NAME"]), str(source)]  # fmt: skip
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # nosec B603
        if done.returncode != 0:
            raise StateError(f"pg_restore failed (nothing was changed): {done.stderr.strip()}")
        return
    raise StateError(f"restoring a {vendor} database is not supported")


def safety_copy(folder: Path, stamp: str) -> Path | None:
    """Keep what a restore is about to replace: a backup of the database in use, or, when it
    cannot be read, a copy of its damaged file. None when there is nothing to keep."""
    from django.db.utils import DatabaseError as DjangoDatabaseError

    suffix = ".sqlite3" if connection.vendor == "sqlite" else ".dump"
    target = folder / f"before-restore-{stamp}{suffix}"
    try:
        return backup(target)
    except (sqlite3.DatabaseError, DjangoDatabaseError, StateError):
        target.with_name(target.name + ".partial").unlink(missing_ok=True)
        if connection.vendor != "sqlite":
            raise
        connection.close()
        live = Path(connection.settings_dict["NAME"])
        if not live.is_file() or live.stat().st_size == 0:
            return None
        damaged = create_private(folder / f"before-restore-{stamp}.damaged")
        shutil.copyfile(live, damaged)
        return damaged


#: The folders under ``HEARTEN_HOME`` whose files are made from the database.
GENERATED = ("reports", "exports")


def clear_generated(home: Path, keep: Collection[str] = ()) -> list[Path]:
    """Delete every file under ``home``'s :data:`GENERATED` folders but those named in
    ``keep`` (module docstring), and the folders left empty; returns the files deleted.
    Files written elsewhere (``--out``) are not known here and are left alone."""
    gone: list[Path] = []
    for name in GENERATED:
        top = home / name
        if not top.is_dir():
            continue
        for path in sorted(top.rglob("*")):
            if (path.is_file() or path.is_symlink()) and path.name not in keep:
                path.unlink()
                gone.append(path)
        for folder in sorted((p for p in top.rglob("*") if p.is_dir()), reverse=True):
            if not any(folder.iterdir()):
                folder.rmdir()
    return gone

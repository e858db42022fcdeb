"""Backing up and restoring Hearten's database.

SQLite: the online backup API (``sqlite3.Connection.backup``), which copies a consistent
snapshot while the app keeps running, into a new file; restoring copies a backup back into
the live database the same way, in one step. PostgreSQL: ``pg_dump --format=custom`` and
``pg_restore --clean --if-exists --single-transaction``, the tools made for it (they must be
on the PATH, from the same major version as the server or newer).

Sits beside the layers (like :mod:`hearten.config`): it needs only Django's connection.
"""

from __future__ import annotations

import os
import shutil
import sqlite3

# Runs pg_dump and pg_restore with argument lists, never through a shell.
import subprocess  # nosec B404
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


def restore(source: Path) -> None:
    """Replace the database's contents with the backup in ``source``."""
    if not source.is_file():
        raise DataError(f"no backup file at {source}")
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        try:
            src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
            src.execute("PRAGMA schema_version").fetchone()
        except sqlite3.DatabaseError as exc:
            raise DataError(f"{source} is not a Hearten SQLite backup: {exc}") from None
        try:
            src.backup(connection.connection)
        finally:
            src.close()
        return
    if connection.vendor == "postgresql":
        args, env = _pg_env(connection.settings_dict)
        connection.close()  # pg_restore drops the tables this connection may hold open
        command = [_tool("pg_restore"), "--clean", "--if-exists", "--no-owner",
                   "--single-transaction", *args, "--dbname",
                   str(connection.settings_dict["NAME"]), str(source)]  # fmt: skip
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # nosec B603
        if done.returncode != 0:
            raise StateError(f"pg_restore failed (nothing was changed): {done.stderr.strip()}")
        return
    raise StateError(f"restoring a {connection.vendor} database is not supported")

"""Starting Django for a command, and checking the database is ready."""

from __future__ import annotations

import os

from hearten.errors import StateError


def django_setup() -> None:
    """Configure Django from ``hearten.web.settings`` (idempotent)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hearten.web.settings")
    import django

    django.setup()


def pending_migrations() -> list[str]:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{m.app_label}.{m.name}" for m, _ in plan]


def upgrade_database() -> list[str]:
    """Apply every pending migration; return the ones applied."""
    from django.core.management import call_command

    pending = pending_migrations()
    if pending:
        call_command("migrate", interactive=False, verbosity=0)
    return pending


def require_database() -> None:
    """Set Django up and refuse to go on with an out-of-date database."""
    django_setup()
    pending = pending_migrations()
    if pending:
        raise StateError(
            f"the database needs {len(pending)} upgrade(s): run `hearten db upgrade` first"
        )

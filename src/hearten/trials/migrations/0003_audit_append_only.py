"""Make the audit log append-only in the database itself (triggers on SQLite and PostgreSQL)."""

from typing import Any

from django.db import migrations


def install(apps: Any, schema_editor: Any) -> None:
    from hearten.trials.audit import append_only_sql

    for statement in append_only_sql(schema_editor.connection.vendor):
        schema_editor.execute(statement)


def remove(apps: Any, schema_editor: Any) -> None:
    from hearten.trials.audit import remove_append_only_sql

    for statement in remove_append_only_sql(schema_editor.connection.vendor):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("trials", "0002_allocation_integrity")]
    operations = [migrations.RunPython(install, remove)]

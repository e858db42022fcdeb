"""An allocation and its units are never deleted (triggers on SQLite and PostgreSQL, as the
audit log's), except with their trial under a discard permit (``lifecycle.discard_trial``)."""

from typing import Any

from django.db import migrations, models


def install(apps: Any, schema_editor: Any) -> None:
    from hearten.trials.audit import allocation_kept_sql

    for statement in allocation_kept_sql(schema_editor.connection.vendor):
        schema_editor.execute(statement)


def remove(apps: Any, schema_editor: Any) -> None:
    from hearten.trials.audit import remove_allocation_kept_sql

    for statement in remove_allocation_kept_sql(schema_editor.connection.vendor):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("trials", "0010_allocation_frozen")]
    operations = [
        migrations.CreateModel(
            name="DiscardPermit",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("trial_id", models.BigIntegerField(unique=True)),
            ],
        ),
        migrations.RunPython(install, remove),
    ]

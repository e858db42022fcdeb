"""An allocation's time, seed and scheme never change (triggers on SQLite and PostgreSQL, as
the audit log's); its time is given by the randomisation's clock, not stamped on save."""

from typing import Any

import django.utils.timezone
from django.db import migrations, models


def install(apps: Any, schema_editor: Any) -> None:
    from hearten.trials.audit import allocation_frozen_sql

    for statement in allocation_frozen_sql(schema_editor.connection.vendor):
        schema_editor.execute(statement)


def remove(apps: Any, schema_editor: Any) -> None:
    from hearten.trials.audit import remove_allocation_frozen_sql

    for statement in remove_allocation_frozen_sql(schema_editor.connection.vendor):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("trials", "0009_display_names")]
    operations = [
        migrations.AlterField(
            model_name="allocation",
            name="created_at",
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
        migrations.RunPython(install, remove),
    ]

"""A message names its participant and what it is about (a content type and a row), in place
of foreign keys up to ``surveys`` and ``interventions``. Added empty here, filled in 0003,
required in 0004: on PostgreSQL the rows are written in a transaction of their own, before the
columns change again."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("trials", "0003_audit_append_only"),
    ]

    operations = [
        migrations.AddField(
            model_name="message",
            name="participant",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE,
                                    related_name="messages", to="trials.participant"),
        ),
        migrations.AddField(
            model_name="message",
            name="content_type",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT,
                                    to="contenttypes.contenttype"),
        ),
        migrations.AddField(
            model_name="message",
            name="object_id",
            field=models.PositiveBigIntegerField(null=True),
        ),
    ]

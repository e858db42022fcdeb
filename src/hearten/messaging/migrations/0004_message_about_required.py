"""The foreign keys up to ``surveys`` and ``interventions`` go; participant and subject are
required, and a message is once per subject and kind (as it was once per invitation, or
programme place, and kind)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("messaging", "0003_fill_message_about")]

    operations = [
        migrations.RemoveConstraint(model_name="message", name="message_once"),
        migrations.RemoveConstraint(model_name="message", name="programme_message_once"),
        migrations.RemoveField(model_name="message", name="invitation"),
        migrations.RemoveField(model_name="message", name="enrolment"),
        migrations.AlterField(
            model_name="message",
            name="participant",
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                    related_name="messages", to="trials.participant"),
        ),
        migrations.AlterField(
            model_name="message",
            name="content_type",
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT,
                                    to="contenttypes.contenttype"),
        ),
        migrations.AlterField(
            model_name="message",
            name="object_id",
            field=models.PositiveBigIntegerField(),
        ),
        migrations.AddConstraint(
            model_name="message",
            constraint=models.UniqueConstraint(fields=("content_type", "object_id", "kind"),
                                               name="message_once"),
        ),
    ]

"""Waves of several pages with dates and reminders; a response per page; e-mail messages."""

from typing import Any

import django.db.models.deletion
from django.db import migrations, models


def fill(apps: Any, schema_editor: Any) -> None:
    """Existing waves have one page (their instrument); existing responses are that page."""
    Wave = apps.get_model("surveys", "Wave")
    Response = apps.get_model("surveys", "Response")
    Invitation = apps.get_model("surveys", "Invitation")
    for wave in Wave.objects.all():
        wave.pages = [wave.instrument]
        wave.reminder_days = [3, 7]
        wave.save(update_fields=["pages", "reminder_days"])
    for response in Response.objects.select_related("invitation__wave"):
        response.instrument = response.invitation.wave.instrument
        response.save(update_fields=["instrument"])
        Invitation.objects.filter(pk=response.invitation_id).update(
            completed_at=response.submitted_at
        )


class Migration(migrations.Migration):
    dependencies = [("surveys", "0001_initial"), ("trials", "0003_audit_append_only")]

    operations = [
        migrations.AddField("wave", "pages", models.JSONField(default=list)),
        migrations.AddField("wave", "opens_on", models.DateField(blank=True, null=True)),
        migrations.AddField("wave", "closes_on", models.DateField(blank=True, null=True)),
        migrations.AddField("wave", "reminder_days", models.JSONField(default=list)),
        migrations.AddField("wave", "opened_at", models.DateTimeField(blank=True, null=True)),
        migrations.AddField("wave", "closed_at", models.DateTimeField(blank=True, null=True)),
        migrations.AddField(
            "invitation", "completed_at", models.DateTimeField(blank=True, null=True)
        ),
        migrations.AddField(
            "response", "instrument", models.CharField(default="", max_length=40)
        ),
        migrations.AddField("response", "updated_at", models.DateTimeField(auto_now=True)),
        migrations.AlterField(
            "response",
            "invitation",
            models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="responses",
                to="surveys.invitation",
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField("response", "instrument", models.CharField(max_length=40)),
        migrations.AddConstraint(
            "response",
            models.UniqueConstraint(fields=("invitation", "instrument"), name="response_once"),
        ),
        migrations.CreateModel(
            name="Message",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("kind", models.CharField(max_length=20)),
                ("due_at", models.DateTimeField()),
                ("status", models.CharField(default="pending", max_length=10)),
                ("claimed_at", models.DateTimeField(blank=True, null=True)),
                ("sent_at", models.DateTimeField(blank=True, null=True)),
                ("attempts", models.PositiveSmallIntegerField(default=0)),
                ("note", models.CharField(blank=True, max_length=200)),
                (
                    "invitation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="messages",
                        to="surveys.invitation",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("invitation", "kind"), name="message_once")
                ]
            },
        ),
    ]

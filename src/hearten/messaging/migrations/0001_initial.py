"""The message model as ``surveys`` held it, taken over without touching the database: the
table was renamed to ``messaging_message`` by ``surveys.0007``."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("surveys", "0007_messages_move_to_messaging"),
        ("interventions", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="Message",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True,
                                                   serialize=False, verbose_name="ID")),
                        ("kind", models.CharField(max_length=20)),
                        ("due_at", models.DateTimeField()),
                        ("status", models.CharField(
                            choices=[("pending", "waiting"), ("sending", "being sent"),
                                     ("sent", "sent"), ("skipped", "not wanted any more"),
                                     ("failed", "failed")],
                            default="pending", max_length=10)),
                        ("claimed_at", models.DateTimeField(blank=True, null=True)),
                        ("sent_at", models.DateTimeField(blank=True, null=True)),
                        ("attempts", models.PositiveSmallIntegerField(default=0)),
                        ("note", models.CharField(blank=True, max_length=200)),
                        ("retry_at", models.DateTimeField(
                            blank=True, null=True,
                            help_text="not tried again before this (after a failed send)")),
                        ("failing_since", models.DateTimeField(
                            blank=True, null=True,
                            help_text="the first of the failed tries since the last success")),
                        ("failure", models.CharField(
                            blank=True, max_length=12,
                            choices=[("unreachable", "the mail server could not be reached"),
                                     ("refused", "the mail server refused it")])),
                        ("invitation", models.ForeignKey(
                            blank=True, null=True,
                            on_delete=django.db.models.deletion.CASCADE,
                            related_name="messages", to="surveys.invitation")),
                        ("enrolment", models.ForeignKey(
                            blank=True, null=True,
                            on_delete=django.db.models.deletion.CASCADE,
                            related_name="messages", to="interventions.enrolment")),
                    ],
                    options={
                        "constraints": [
                            models.UniqueConstraint(fields=("invitation", "kind"),
                                                    name="message_once"),
                            models.UniqueConstraint(fields=("enrolment", "kind"),
                                                    name="programme_message_once"),
                        ]
                    },
                ),
            ],
        )
    ]

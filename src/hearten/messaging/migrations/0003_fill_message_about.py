"""Each message's participant and subject, from the invitation or programme place it pointed
at (and back again when unapplied)."""

from typing import Any

from django.db import migrations
from django.db.models import F, OuterRef, Subquery

SUBJECTS = (("invitation", "surveys", "invitation"), ("enrolment", "interventions", "enrolment"))


def forwards(apps: Any, schema_editor: Any) -> None:
    Message = apps.get_model("messaging", "Message")
    ContentType = apps.get_model("contenttypes", "ContentType")
    for field, app, model in SUBJECTS:
        ct, _ = ContentType.objects.using(schema_editor.connection.alias).get_or_create(
            app_label=app, model=model
        )
        owner = apps.get_model(app, model)
        Message.objects.filter(**{f"{field}__isnull": False}).update(
            content_type_id=ct.pk,
            object_id=F(f"{field}_id"),
            participant_id=Subquery(
                owner.objects.filter(pk=OuterRef(f"{field}_id")).values("participant_id")[:1]
            ),
        )


def backwards(apps: Any, schema_editor: Any) -> None:
    Message = apps.get_model("messaging", "Message")
    ContentType = apps.get_model("contenttypes", "ContentType")
    for field, app, model in SUBJECTS:
        ct = ContentType.objects.filter(app_label=app, model=model).first()
        if ct is not None:
            Message.objects.filter(content_type_id=ct.pk).update(**{f"{field}_id": F("object_id")})


class Migration(migrations.Migration):
    dependencies = [("messaging", "0002_message_about"), ("interventions", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]

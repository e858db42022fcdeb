"""A participant who asked for no more e-mails (``hearten.messaging.stops``)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('messaging', '0004_message_about_required'),
        ('trials', '0011_allocation_kept'),
    ]

    operations = [
        migrations.CreateModel(
            name='MailStop',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('at', models.DateTimeField()),
                ('participant', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='mail_stop', to='trials.participant')),
            ],
        ),
    ]

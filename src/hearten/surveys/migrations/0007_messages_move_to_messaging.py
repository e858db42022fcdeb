"""E-mail messages move to the ``messaging`` app (issue 27, item 5).

The table is renamed, not copied, so every row, its id and the constraints stay; the model
leaves this app's state here and enters ``messaging``'s in ``messaging.0001``.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("surveys", "0006_mail_retries")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.AlterModelTable("message", "messaging_message")],
            state_operations=[migrations.DeleteModel("message")],
        )
    ]

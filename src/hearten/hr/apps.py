from django.apps import AppConfig


class HrConfig(AppConfig):
    name = "hearten.hr"
    label = "hr"
    default_auto_field = "django.db.models.BigAutoField"

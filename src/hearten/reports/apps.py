from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "hearten.reports"
    label = "reports"
    verbose_name = "Reports"

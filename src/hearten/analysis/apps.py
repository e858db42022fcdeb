from django.apps import AppConfig


class AnalysisConfig(AppConfig):
    name = "hearten.analysis"
    label = "analysis"
    verbose_name = "Analysis"

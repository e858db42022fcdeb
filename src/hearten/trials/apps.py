from django.apps import AppConfig


class TrialsConfig(AppConfig):
    name = "hearten.trials"
    label = "trials"
    verbose_name = "Trials"

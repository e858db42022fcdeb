from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "hearten.surveys"
    label = "surveys"
    verbose_name = "Surveys"

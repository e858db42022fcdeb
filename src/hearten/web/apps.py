from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "hearten.web"
    label = "web"
    verbose_name = "Hearten web"

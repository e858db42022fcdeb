from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "hearten.web.api"
    label = "api"
    verbose_name = "HTTP API"

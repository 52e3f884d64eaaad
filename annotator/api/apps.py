from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "annotator.api"
    label = "api"
    verbose_name = "REST API"

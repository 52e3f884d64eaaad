from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "annotator.demo"
    label = "demo"

from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "annotator.dashboard"
    label = "dashboard"

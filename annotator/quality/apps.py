from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "annotator.quality"
    label = "quality"

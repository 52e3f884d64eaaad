from django.apps import AppConfig


class DetectionConfig(AppConfig):
    name = "annotator.detection"
    label = "detection"

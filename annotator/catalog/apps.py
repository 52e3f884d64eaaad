from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "annotator.catalog"
    label = "catalog"

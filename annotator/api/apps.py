from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "annotator.api"
    label = "api"
    verbose_name = "REST API"

    def ready(self) -> None:
        # Registers the token cache's invalidation in every process (web, workers,
        # commands), not only in those that happened to authenticate a request.
        from annotator.api import authentication  # noqa: F401

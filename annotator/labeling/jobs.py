"""Background jobs of the labeling flow. Thin: they call one service."""

from celery import shared_task
from django.db import OperationalError


@shared_task(
    autoretry_for=(OperationalError,), retry_backoff=True, retry_jitter=True, max_retries=3
)
def assignments_expire() -> int:
    """Periodic (beat, every minute): mark assignments whose lease ran out EXPIRED."""
    from annotator.labeling import services  # imported here to avoid an import cycle

    return services.assignments_expire()

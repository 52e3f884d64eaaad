"""Background jobs of the exports. Thin: they load rows by id and call a service."""

from celery import shared_task
from django.db import OperationalError

from annotator.core.models import Job


@shared_task(
    autoretry_for=(OperationalError,), retry_backoff=True, retry_jitter=True, max_retries=3
)
def export_build(job_id: int) -> None:  # imported elsewhere as export_build_job
    """Write an export file. Safe to run twice: the same file name, one result."""
    from annotator.exports import services  # imported here to avoid an import cycle

    job = Job.objects.filter(pk=job_id, kind=Job.Kind.EXPORT).first()
    if job is None or job.is_finished:
        return
    services.export_build(job=job)

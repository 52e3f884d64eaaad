"""Background jobs of the catalog. Thin: they load rows by id and call a service."""

from celery import shared_task
from django.db import OperationalError

from annotator.core.models import Job


@shared_task(
    autoretry_for=(OperationalError,), retry_backoff=True, retry_jitter=True, max_retries=3
)
def dataset_import(job_id: int) -> None:  # imported elsewhere as dataset_import_job
    """Run an upload's import. Safe to run twice: a finished job returns quietly."""
    from annotator.catalog import services  # imported here to avoid an import cycle

    job = Job.objects.filter(pk=job_id, kind=Job.Kind.IMPORT).first()
    if job is None or job.is_finished:
        return
    services.dataset_import_run(job=job)

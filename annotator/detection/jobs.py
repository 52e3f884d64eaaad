"""Celery jobs of the detection app: thin adapters that load rows by id and call a service."""

from celery import shared_task
from django.db import OperationalError


@shared_task(
    autoretry_for=(OperationalError,), retry_backoff=True, retry_jitter=True, max_retries=5
)
def redact_batch(run_id: int, item_ids: list[int]) -> None:  # imported as redact_batch_job
    """Redact one batch of a run. Safe to run twice: done items are not selected again."""
    from annotator.detection import services  # imported here to avoid an import cycle
    from annotator.detection.models import RedactionRun

    run = RedactionRun.objects.filter(pk=run_id).first()
    if run is None:
        return
    services.redaction_batch_run(run=run, item_ids=item_ids)


@shared_task(
    autoretry_for=(OperationalError,), retry_backoff=True, retry_jitter=True, max_retries=3
)
def dataset_preannotate(job_id: int) -> None:  # imported elsewhere as dataset_preannotate_job
    """Pre-annotate a dataset. Safe to run twice: a finished job returns quietly, and a
    rerun replaces the suggestions it wrote."""
    from annotator.core.models import Job
    from annotator.detection import preannotation  # imported here to avoid an import cycle

    job = Job.objects.filter(pk=job_id, kind=Job.Kind.DETECT).first()
    if job is None or job.is_finished:
        return
    preannotation.dataset_preannotate_run(job=job)

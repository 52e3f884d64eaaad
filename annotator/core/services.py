"""State changes of background jobs. Only these functions move a Job between states."""

from django.utils import timezone

from annotator.core.exceptions import DomainError
from annotator.core.models import Job
from annotator.core.progress import progress_clear


def job_create(*, kind: str, owner=None, params: dict | None = None) -> Job:
    return Job.objects.create(kind=kind, owner=owner, params=params or {})


def job_start(*, job: Job) -> Job:
    if job.status not in {Job.Status.PENDING, Job.Status.RUNNING}:
        # A finished job redelivered to a worker (acks_late) must not run twice.
        raise DomainError(f"Job #{job.pk} has already finished ({job.status}).")
    job.status, job.started_at, job.error = Job.Status.RUNNING, timezone.now(), ""
    job.save(update_fields=["status", "started_at", "error", "updated_at"])
    return job


def job_finish(*, job: Job, result: dict) -> Job:
    job.status, job.result, job.progress = Job.Status.DONE, result, 1.0
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "result", "progress", "finished_at", "updated_at"])
    progress_clear(job.pk)
    return job


def job_fail(*, job: Job, error: str) -> Job:
    job.status, job.error, job.finished_at = Job.Status.FAILED, error, timezone.now()
    job.save(update_fields=["status", "error", "finished_at", "updated_at"])
    progress_clear(job.pk)
    return job

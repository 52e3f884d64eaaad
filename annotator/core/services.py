"""State changes of background jobs. Only these functions move a Job between states."""

from django.utils import timezone

from annotator.core.exceptions import DomainError
from annotator.core.models import AuditEntry, Job
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


def audit_record(
    *, actor, action: str, target_user, project=None, details: dict | None = None
) -> AuditEntry:
    """Log a change of someone's pay, skill or access. Call it inside the change's transaction,
    so the entry exists exactly when the change does."""
    payload = {
        "actor_username": getattr(actor, "username", None),
        "target_username": getattr(target_user, "username", None),
        **(details or {}),
    }
    return AuditEntry.objects.create(
        actor=actor, action=action, target_user=target_user, project=project, details=payload
    )

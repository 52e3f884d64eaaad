"""Celery jobs of the quality app: thin adapters that load rows by id and call a service.

Services are imported inside each job to avoid an import cycle (services enqueue jobs).
"""

from celery import shared_task
from django.db import OperationalError

RETRY = {
    "autoretry_for": (OperationalError,),
    "retry_backoff": True,
    "retry_jitter": True,
    "max_retries": 5,
}


@shared_task(**RETRY)
def task_aggregate(task_id: int) -> None:
    """Aggregate a completed generation task (imported elsewhere as task_aggregate_job)."""
    from annotator.projects.models import Task
    from annotator.quality.services import aggregation

    task = Task.objects.only("project_id", "status").filter(pk=task_id).first()
    if task is None or task.status != Task.Status.COMPLETE:
        return  # gone, reopened, or aggregated already by another task's job (a batch)
    aggregation.task_aggregate(task=task)


@shared_task(**RETRY)
def project_reaggregate(project_id: int) -> None:
    from annotator.projects.models import Project
    from annotator.quality.services import aggregation

    project = Project.objects.filter(pk=project_id).first()
    if project is None:
        return
    aggregation.project_reaggregate(project=project)


@shared_task(**RETRY)
def dawid_skene_refresh() -> int:
    """Periodic (beat): re-run Dawid-Skene over each active DS project's complete tasks."""
    from annotator.quality.services import aggregation

    return aggregation.projects_reaggregate_dawid_skene()


@shared_task(**RETRY)
def validation_decide(task_id: int) -> None:
    """Decide a completed validation task by majority (imported as validation_decide_job)."""
    from annotator.projects.models import Task
    from annotator.quality.services import validation

    task = Task.objects.filter(pk=task_id).first()
    if task is None:
        return
    validation.validation_decide(task=task)


@shared_task(**RETRY)
def bonuses_award(day: str | None = None) -> int:
    """Periodic (beat, hourly): award one UTC day's bonuses (ISO date; default yesterday).

    Idempotent (one bonus per annotator, project and day), so running it every hour only
    catches up after downtime.
    """
    from datetime import date

    from annotator.quality.services import pay

    if day is None:
        return pay.bonuses_award_yesterday()
    return pay.bonuses_award(day=date.fromisoformat(day))

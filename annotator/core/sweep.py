"""Finds work that should have a job in the broker and enqueues it (again).

A job can be lost when Redis was down at enqueue time (`core.jobs.enqueue` logged it),
when the queue was purged, or when Redis lost its data. The database tells what is
still to do:

* a generation task COMPLETE (reached its overlap, not aggregated yet): `task_aggregate`;
* a validation task COMPLETE (all verdicts in, not decided yet): `validation_decide`;
* a watched job still PENDING: an import (`dataset_import`), an export
  (`export_build`) or a pre-annotation (`dataset_preannotate`).

Only rows untouched for `min_age_seconds` are taken, so work whose job is simply still
queued is mostly left alone; a duplicate is harmless anyway, every one of these jobs
is idempotent.
"""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from annotator.core.jobs import enqueue
from annotator.core.models import Job


def stranded_work_requeue(*, min_age_seconds: int | None = None) -> dict[str, int]:
    from annotator.catalog.jobs import dataset_import
    from annotator.detection.jobs import dataset_preannotate
    from annotator.exports.jobs import export_build
    from annotator.projects.models import Project, Task
    from annotator.quality.jobs import task_aggregate, validation_decide

    if min_age_seconds is None:
        min_age_seconds = settings.SWEEP_MIN_AGE_SECONDS
    before = timezone.now() - timedelta(seconds=min_age_seconds)
    complete = Task.objects.filter(status=Task.Status.COMPLETE, updated_at__lte=before)
    counts = {"aggregate": 0, "validate": 0, "import": 0, "export": 0, "detect": 0}
    generation = complete.filter(project__kind=Project.Kind.GENERATION, is_control=False)
    for task_id in generation.values_list("pk", flat=True):
        counts["aggregate"] += enqueue(task_aggregate, task_id)
    validation = complete.filter(project__kind=Project.Kind.VALIDATION)
    for task_id in validation.values_list("pk", flat=True):
        counts["validate"] += enqueue(validation_decide, task_id)
    runners = {
        Job.Kind.IMPORT: dataset_import,
        Job.Kind.EXPORT: export_build,
        Job.Kind.DETECT: dataset_preannotate,
    }
    pending = Job.objects.filter(
        kind__in=runners, status=Job.Status.PENDING, created_at__lte=before
    ).values_list("pk", "kind")
    for job_id, kind in pending:
        counts[kind] += enqueue(runners[kind], job_id)
    return counts

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "annotator.settings")

app = Celery("annotator")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Background work lives in `jobs.py` modules, so "task" keeps its crowd meaning.
app.autodiscover_tasks(related_name="jobs")


@task_prerun.connect
@task_postrun.connect
def _connections_as_between_requests(task=None, **kwargs) -> None:
    """Around each job on a worker, what Django does around each request.

    A connection older than CONN_MAX_AGE, or left broken by an error, is closed; a kept
    one is health-checked (CONN_HEALTH_CHECKS) before the job's first query, so a database
    restart between two jobs costs a reconnect, not a failed job. With CELERY_DB_REUSE_MAX
    set, Celery itself no longer closes the connection after every job. A job run eagerly
    (in-process, inside the caller's transaction) is left alone.
    """
    if task is not None and getattr(task.request, "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()

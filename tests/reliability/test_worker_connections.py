"""A Celery worker keeps its database connection between jobs, and survives losing it.

Celery's Django fixup used to close the connection after every job, so each aggregation
started a PostgreSQL backend of its own. Now the worker treats connections as Django
treats them between requests (annotator.celery): kept up to CONN_MAX_AGE, health-checked
before a job's first query. The test runs jobs on a real worker process, then kills the
worker's backend from outside, as a database restart would, and runs one more.
"""

import os
import uuid

import pytest
from django.db import connection

from annotator.projects.models import Task
from annotator.quality import jobs
from tests import factories
from tests.quality.flow import HOST, JANE, annotator, label, make_task
from tests.reliability.processes import Worker, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


APP_NAME = f"worker-connections-{uuid.uuid4().hex[:8]}"  # the worker's, via PGAPPNAME


def _worker_backends() -> dict[int, object]:
    """Backend pid -> start time of the worker's connections to the test database."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, backend_start FROM pg_stat_activity"
            " WHERE datname = current_database() AND application_name = %s",
            [APP_NAME],
        )
        return dict(cursor.fetchall())


def _aggregate_on(queue: str, project) -> None:
    """One new task answered, then its job on the worker (alone, so it is that job's)."""
    task = make_task(project)
    label(annotator(), project, [JANE, HOST])
    jobs.task_aggregate.apply_async((task.pk,), queue=queue)
    wait_for(
        lambda: Task.objects.get(pk=task.pk).status == Task.Status.FINAL,
        timeout=40,
        what=f"task {task.pk} to be aggregated",
        step=0.1,
    )


def test_jobs_share_one_connection_and_a_killed_one_is_replaced(requester, dataset, tmp_path):
    project = factories.ProjectFactory(owner=requester, dataset=dataset, overlap=1)
    queue = f"connections-{uuid.uuid4().hex[:8]}"
    worker = Worker(
        queue=queue,
        broker=os.environ["REDIS_URL"],
        log=tmp_path / "worker.log",
        env={"PGAPPNAME": APP_NAME},  # libpq names the worker's connections
    )
    worker.start()
    try:
        _aggregate_on(queue, project)
        first = _worker_backends()
        _aggregate_on(queue, project)
        assert len(first) == 1, first  # the worker's connection outlived its job
        assert _worker_backends() == first  # and the next job used it

        with connection.cursor() as cursor:  # what a database restart does to it
            cursor.execute("SELECT pg_terminate_backend(%s)", [next(iter(first))])
        wait_for(lambda: not _worker_backends(), timeout=10, what="the backend to end")
        _aggregate_on(queue, project)
        _aggregate_on(queue, project)
        replaced = _worker_backends()
    finally:
        worker.stop()
    assert len(replaced) == 1 and replaced.keys() != first.keys()
    log = worker.text()
    assert log.count("succeeded") == 4, log
    assert "Retry" not in log and "OperationalError" not in log, log

"""A worker killed in the middle of a job: after a restart the job completes once, with
the result an uninterrupted run gives (acks_late + reject_on_worker_lost, Redis
visibility timeout)."""

import os
import time
import uuid

import pytest
import redis
from django.db import DatabaseError, transaction

from annotator.projects.models import FinalSpan, Project
from annotator.quality import jobs
from annotator.quality.services import aggregation
from tests.reliability.processes import Worker, wait_for
from tests.reliability.slow import big_project, final_spans

# A job whose worker died unacknowledged is handed out again once it has been out this
# long: it must exceed the job (~4 s here). A starting worker takes back such jobs at
# once (kombu), later ones only every 100 s, so the test restarts the worker after it.
VISIBILITY_TIMEOUT = 12


def delivered_at(client: redis.Redis, job_id: str) -> float:
    """When the broker handed the job out (its score in kombu's unacked index)."""
    for tag, payload in client.hgetall("unacked").items():
        if job_id.encode() in payload:
            return client.zscore("unacked_index", tag)
    raise AssertionError("the killed job is not waiting in the unacked index")


def project_locked(project: Project) -> bool:
    """True while some transaction holds the project row: the recompute is running."""
    try:
        with transaction.atomic():
            Project.objects.select_for_update(nowait=True).filter(pk=project.pk).first()
    except DatabaseError:
        return True
    return False


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_recompute_whose_worker_is_killed_completes_once_after_a_restart(requester, tmp_path):
    project = big_project(requester, tasks=800)
    aggregation.project_reaggregate(project=project)  # the uninterrupted run
    expected = final_spans(project)
    assert len(expected) > 800
    FinalSpan.objects.filter(task__project=project).delete()

    queue = f"reliability-{uuid.uuid4().hex[:8]}"
    broker = os.environ["REDIS_URL"]
    env = {"CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT)}
    first = Worker(queue=queue, broker=broker, log=tmp_path / "first.log", env=env).start()
    second = Worker(queue=queue, broker=broker, log=tmp_path / "second.log", env=env)
    try:
        result = jobs.project_reaggregate.apply_async((project.pk,), queue=queue)
        wait_for(lambda: project_locked(project), timeout=40, what="the job to start", step=0.05)
        time.sleep(0.5)  # well inside the job
        first.kill()
        wait_for(lambda: not project_locked(project), timeout=10, what="the rollback")
        assert FinalSpan.objects.filter(task__project=project).count() == 0  # nothing half-done
        assert "succeeded" not in first.text()

        client = redis.Redis.from_url(broker)
        time.sleep(max(0.0, delivered_at(client, result.id) + VISIBILITY_TIMEOUT + 1 - time.time()))
        started = time.monotonic()
        second.start()
        wait_for(
            lambda: final_spans(project) == expected,
            timeout=VISIBILITY_TIMEOUT + 40,
            what="the restarted worker to finish the job",
            step=0.5,
        )
        print(f"completed {time.monotonic() - started:.1f}s after the restart")
        wait_for(lambda: "succeeded" in second.text(), timeout=10, what="the success log")
    finally:
        first.kill()
        second.stop()
    assert second.text().count(f"[{result.id}] succeeded") == 1
    assert final_spans(project) == expected
    assert client.llen(queue) == 0  # nothing left to run it a second time
    assert result.id not in str(client.hgetall("unacked"))

"""Redis down: annotators keep labeling and submitting; the work that needed the broker
is enqueued by the sweep once Redis is back, and runs; nothing submitted is lost."""

import pytest
import redis
from django.core.cache import cache, caches
from django.test import Client

from annotator.core import progress
from annotator.core.jobs import stranded_work_sweep
from annotator.labeling.models import Annotation
from annotator.projects.models import FinalSpan, Task
from tests import factories
from tests.api.conftest import client_for
from tests.quality.flow import make_task
from tests.reliability.processes import Redis, Worker, broker_at, free_port, wait_for


def redis_at(settings, url: str) -> None:
    """The cache (settings change: Django rebuilds it) and Celery's broker at `url`."""
    caches = {"default": {**settings.CACHES["default"], "LOCATION": url}}
    settings.CACHES = caches


def label_through_the_web(annotator, project) -> Task:
    """The annotator's whole round trip through the pages: open, mark, submit."""
    client = Client()
    client.force_login(annotator)
    assert client.get(f"/projects/{project.pk}/work/").status_code == 200
    assignment = annotator.assignments.get()
    htmx = {"HX-Request": "true"}
    added = client.post(
        f"/assignments/{assignment.pk}/spans/",
        {"start": 17, "end": 25, "category": "NAME"},
        headers=htmx,
    )
    assert added.status_code == 200
    submitted = client.post(f"/assignments/{assignment.pk}/submit/", {}, headers=htmx)
    assert submitted.status_code == 200 and "Submitted" in submitted.content.decode()
    return assignment.task


@pytest.mark.django_db
def test_with_redis_unreachable_labeling_submitting_and_the_api_still_work(
    settings, requester, alice, django_capture_on_commit_callbacks
):
    closed = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    redis_at(settings, closed)
    project = factories.ProjectFactory(owner=requester, overlap=1)
    make_task(project)
    with broker_at(closed), django_capture_on_commit_callbacks(execute=True) as enqueued:
        task = label_through_the_web(alice, project)
        assert client_for(alice).get("/api/v1/me").status_code == 200  # throttles fail open
        progress.progress_set(1, progress.Progress(fraction=0.5))  # dropped, not raised
        assert progress.progress_get(1) is None
        assert stranded_work_sweep(0) == {
            "aggregate": 0,
            "validate": 0,
            "import": 0,
            "export": 0,
            "detect": 0,
        }
    assert len(enqueued) == 1  # the aggregation was due, and could not be sent
    task.refresh_from_db()
    assert task.status == Task.Status.COMPLETE  # waiting for its aggregation
    annotation = Annotation.objects.get(assignment__task=task)
    assert list(annotation.spans.values_list("start", "end", "category")) == [(17, 25, "NAME")]
    assert cache.get("anything") is None


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_after_an_outage_the_sweep_enqueues_the_aggregation_and_a_worker_runs_it(
    settings, requester, alice, tmp_path
):
    server = Redis().start()
    worker = None
    try:
        redis_at(settings, server.url)
        project = factories.ProjectFactory(owner=requester, overlap=1)
        make_task(project)
        server.stop()  # Redis goes down while alice works
        with broker_at(server.url):
            task = label_through_the_web(alice, project)
            assert Task.objects.get(pk=task.pk).status == Task.Status.COMPLETE
            server.start()  # back, empty: the job sent during the outage never existed
            assert stranded_work_sweep(0) == {
                "aggregate": 1,
                "validate": 0,
                "import": 0,
                "export": 0,
                "detect": 0,
            }
        assert redis.Redis.from_url(server.url).llen("celery") == 1
        worker = Worker(queue="celery", broker=server.url, log=tmp_path / "worker.log").start()
        wait_for(
            lambda: Task.objects.get(pk=task.pk).status == Task.Status.FINAL,
            timeout=40,
            what="the worker to aggregate the task",
            step=0.3,
        )
    finally:
        if worker is not None:
            worker.stop()
        server.stop()
    spans = FinalSpan.objects.filter(task=task).values_list("start", "end", "category")
    assert list(spans) == [(17, 25, "NAME")]


@pytest.mark.django_db
def test_the_sweep_leaves_recent_and_finished_work_alone(settings, requester):
    project = factories.ProjectFactory(owner=requester)
    make_task(project, status=Task.Status.COMPLETE)  # completed just now: its job is queued
    make_task(project, status=Task.Status.FINAL)
    settings.SWEEP_MIN_AGE_SECONDS = 300
    assert stranded_work_sweep() == {
        "aggregate": 0,
        "validate": 0,
        "import": 0,
        "export": 0,
        "detect": 0,
    }


@pytest.mark.django_db
def test_the_sweep_enqueues_every_kind_of_pending_watched_job(settings, requester):
    import json

    from annotator.core.models import Job

    for kind in (Job.Kind.IMPORT, Job.Kind.EXPORT, Job.Kind.DETECT):
        Job.objects.create(kind=kind, owner=requester)
    Job.objects.create(kind=Job.Kind.EXPORT, owner=requester, status=Job.Status.DONE)
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    broker.delete("celery")  # the default queue: only this test's messages from here on

    counts = stranded_work_sweep(0)

    assert counts == {"aggregate": 0, "validate": 0, "import": 1, "export": 1, "detect": 1}
    sent = [json.loads(raw)["headers"]["task"] for raw in broker.lrange("celery", 0, -1)]
    assert sorted(name.rsplit(".", 1)[1] for name in sent) == [
        "dataset_import",
        "dataset_preannotate",
        "export_build",
    ]
    broker.delete("celery")


def test_the_shared_redis_client_fails_open_and_reconnects_after_a_restart(settings):
    """The cache keeps one `redis.Redis` per pool (core.cache): a restart must not strand it."""
    server = Redis().start()
    try:
        redis_at(settings, server.url)
        cache.set("reused", 1)
        client = caches["default"]._cache.get_client(write=True)
        server.stop()
        assert cache.get("reused", "missed") == "missed"  # fails open meanwhile
        server.start()  # same port, empty
        cache.set("reused", 2)
        assert cache.get("reused") == 2
        assert caches["default"]._cache.get_client() is client  # the same one throughout
    finally:
        server.stop()

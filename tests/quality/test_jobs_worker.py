"""Beat's lease-expiry job, sent through Redis to a real Celery worker, frees a slot."""

import time
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.utils import timezone

from annotator import celery_app
from annotator.labeling import services
from annotator.labeling.models import Assignment
from tests.labeling.conftest import make_task


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_beat_lease_job_runs_on_a_worker_and_frees_the_slot(alice, bob, project):
    task = make_task(project)  # overlap 1: alice's lease holds the only slot
    held = services.assignment_next(annotator=alice, project=project)
    assert services.assignment_next(annotator=bob, project=project) is None
    Assignment.objects.filter(pk=held.pk).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    entry = settings.CELERY_BEAT_SCHEDULE["labeling-assignments-expire"]
    celery_app.control.purge()  # drop messages left over from earlier runs on this Redis db
    with start_worker(celery_app, perform_ping_check=False, shutdown_timeout=30):
        result = celery_app.send_task(entry["task"])  # what beat sends every minute
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            held.refresh_from_db()
            if held.status == Assignment.Status.EXPIRED:
                break
            time.sleep(0.2)
    assert result.id
    assert held.status == Assignment.Status.EXPIRED
    taken = services.assignment_next(annotator=bob, project=project)
    assert taken is not None and taken.task == task

"""An export job sent through Redis to a real Celery worker writes the file."""

import time

import pytest
from celery.contrib.testing.worker import start_worker

from annotator import celery_app
from annotator.core.models import Job
from tests.api.conftest import client_for
from tests.exports.builders import labeled_project


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_writes_the_export_file(requester, project, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    labeled_project(project, files=2)
    client = client_for(requester)
    celery_app.control.purge()  # drop messages left over from earlier runs on this Redis db
    with start_worker(celery_app, perform_ping_check=False, shutdown_timeout=30):
        response = client.post(
            f"/api/v1/projects/{project.pk}/exports",
            {"format": "files", "kind": "aggregated"},
            format="json",
        )
        assert response.status_code == 202
        job = Job.objects.get(pk=response.json()["job"])
        deadline = time.monotonic() + 30
        while not job.is_finished and time.monotonic() < deadline:
            time.sleep(0.2)
            job.refresh_from_db()
    assert job.status == Job.Status.DONE, job.error
    path = settings.MEDIA_ROOT / job.result["path"]
    streamed = client.get(f"/api/v1/projects/{project.pk}/export?format=files&kind=aggregated")
    assert path.read_bytes() == b"".join(streamed.streaming_content)
    assert path.read_bytes().count(b"\n") == 2

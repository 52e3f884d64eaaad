"""End to end through a real Celery worker on Redis: upload -> job -> rows."""

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from annotator import celery_app
from annotator.catalog.models import Snippet, SourceFile
from annotator.core.models import Job
from tests.catalog.archives import code_file, write_zip


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_uploaded_archive_is_imported_by_a_real_worker(client, requester, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    celery_app.control.purge()  # drop messages left over from earlier runs on this Redis db
    archive = write_zip(tmp_path / "src.zip", {f"pkg/m{n}.py": code_file(n) for n in range(5)})
    client.force_login(requester)
    with start_worker(celery_app, perform_ping_check=False, shutdown_timeout=30):
        response = client.post(
            reverse("dashboard:dataset-new"),
            {"name": "via-worker", "file": SimpleUploadedFile("src.zip", archive.read_bytes())},
        )
        assert response.status_code == 302
        job = Job.objects.get()
        deadline = time.monotonic() + 30
        while not job.is_finished and time.monotonic() < deadline:
            time.sleep(0.2)
            job.refresh_from_db()
    assert job.status == Job.Status.DONE, job.error
    assert job.result["files_imported"] == 5
    assert SourceFile.objects.filter(dataset__name="via-worker").count() == 5
    assert Snippet.objects.filter(dataset__name="via-worker").count() == 15
    page = client.get(response.url, headers={"HX-Request": "true"})
    assert page.status_code == 286

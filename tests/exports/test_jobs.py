"""Export jobs: a file written in the background equals the streamed export."""

import pytest
from django.conf import settings

from annotator.core.models import Job
from annotator.exports import jobs, services
from annotator.exports.spec import export_spec
from annotator.projects.models import Project
from tests.api.conftest import client_for
from tests.exports.builders import labeled_project


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def labeled(project):
    return labeled_project(project, files=2)


def _streamed(requester, project, fmt, kind="aggregated", extra="") -> bytes:
    url = f"/api/v1/projects/{project.pk}/export?format={fmt}&kind={kind}{extra}"
    response = client_for(requester).get(url)
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def _export_dir():
    return settings.MEDIA_ROOT / "exports"


def _start(requester, project, **spec) -> Job:
    return services.export_start(owner=requester, project=project, spec=export_spec(**spec))


def test_posting_an_export_creates_a_job_and_enqueues_it_on_commit(
    requester, project, django_capture_on_commit_callbacks
):
    body = {"format": "bio", "kind": "aggregated", "filters": {"categories": ["NAME"]}}
    with django_capture_on_commit_callbacks() as callbacks:
        response = client_for(requester).post(
            f"/api/v1/projects/{project.pk}/exports", body, format="json"
        )
    assert response.status_code == 202
    job = Job.objects.get(pk=response.json()["job"])
    assert response["Location"] == f"/api/v1/jobs/{job.pk}"
    assert (job.kind, job.owner, job.status) == (Job.Kind.EXPORT, requester, Job.Status.PENDING)
    assert job.params["format"] == "bio" and job.params["categories"] == ["NAME"]
    assert len(callbacks) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"format": "bio", "kind": "raw"}, "format"),
        ({"format": "yaml", "kind": "aggregated"}, "format"),
        ({"kind": "aggregated", "filters": {"min_confidence": 2}}, "filters"),
        ({"kind": "aggregated", "filters": {"categories": ["PHONE"]}}, "filters"),
    ],
)
def test_a_bad_export_job_is_refused_with_400(requester, project, body, field):
    response = client_for(requester).post(
        f"/api/v1/projects/{project.pk}/exports", body, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not Job.objects.exists()


@pytest.mark.parametrize(
    ("fmt", "kind", "extra"),
    [
        ("jsonl", "aggregated", {}),
        ("bio", "aggregated", {"categories": ["NAME"]}),
        ("bigcode", "aggregated", {"min_confidence": 0.8}),
        ("files", "aggregated", {"only_validated": True}),
        ("jsonl", "raw", {}),
    ],
)
def test_the_job_file_equals_the_streamed_export(requester, project, labeled, fmt, kind, extra):
    job = _start(requester, project, format=fmt, kind=kind, **extra)
    query = "".join(
        f"&{k}={','.join(v) if isinstance(v, list) else str(v).lower()}" for k, v in extra.items()
    )

    jobs.export_build(job.pk)

    job.refresh_from_db()
    assert job.status == Job.Status.DONE, job.error
    path = settings.MEDIA_ROOT / job.result["path"]
    assert path.parent == _export_dir() and path.name.startswith(f"{job.pk}-")
    assert path.read_bytes() == _streamed(requester, project, fmt, kind, query)
    assert job.result["size"] == path.stat().st_size > 0
    assert job.result["download"] == f"/api/v1/exports/{job.pk}/download"
    assert list(_export_dir().iterdir()) == [path]  # no temporary file left behind


def test_a_finished_job_run_again_changes_nothing(requester, project, labeled):
    job = _start(requester, project, format="files", kind="aggregated")
    jobs.export_build(job.pk)
    job.refresh_from_db()
    first = (job.result, job.finished_at, (settings.MEDIA_ROOT / job.result["path"]).read_bytes())

    jobs.export_build(job.pk)

    job.refresh_from_db()
    assert (job.result, job.finished_at) == first[:2]
    assert [p.read_bytes() for p in _export_dir().iterdir()] == [first[2]]


def test_a_redelivered_job_of_a_killed_worker_rewrites_the_same_single_file(
    requester, project, labeled
):
    job = _start(requester, project, format="bigcode", kind="aggregated")
    jobs.export_build(job.pk)
    job.refresh_from_db()
    path = settings.MEDIA_ROOT / job.result["path"]
    content = path.read_bytes()
    # The worker died after the rename but before the row said done, mid-way through a
    # second attempt's temporary file.
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING, result=None)
    (_export_dir() / f".{job.pk}-dead.part").write_text('{"half": ')

    jobs.export_build(job.pk)

    job.refresh_from_db()
    assert job.status == Job.Status.DONE
    assert list(_export_dir().iterdir()) == [path]
    assert path.read_bytes() == content


def test_a_job_for_a_deleted_project_fails_with_a_reason(requester, project):
    job = _start(requester, project, format="jsonl", kind="aggregated")
    Project.objects.filter(pk=project.pk).delete()

    jobs.export_build(job.pk)

    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert "deleted" in job.error


def test_the_job_detail_shows_the_result_and_the_owner_downloads_the_file(
    requester, project, labeled
):
    job = _start(requester, project, format="bio", kind="aggregated")
    jobs.export_build(job.pk)
    client = client_for(requester)

    detail = client.get(f"/api/v1/jobs/{job.pk}").json()
    response = client.get(detail["result"]["download"])

    assert detail["status"] == "done" and detail["progress"] == 1.0
    assert detail["result"]["size"] > 0 and detail["result"]["format"] == "bio"
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert f'filename="project-{project.pk}-bio.conll"' in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == _streamed(requester, project, "bio")


def test_only_the_owner_downloads_an_export(requester, mallory, alice, project, labeled):
    job = _start(requester, project, format="jsonl", kind="aggregated")
    jobs.export_build(job.pk)
    url = f"/api/v1/exports/{job.pk}/download"
    assert client_for(mallory).get(url).status_code == 404
    assert client_for(alice).get(url).status_code == 403


def test_an_unfinished_or_vanished_export_is_not_found(requester, project, labeled):
    job = _start(requester, project, format="jsonl", kind="aggregated")
    client = client_for(requester)
    assert client.get(f"/api/v1/exports/{job.pk}/download").status_code == 404
    jobs.export_build(job.pk)
    job.refresh_from_db()
    (settings.MEDIA_ROOT / job.result["path"]).unlink()
    response = client.get(f"/api/v1/exports/{job.pk}/download")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_an_import_job_is_no_export_to_download(requester):
    job = Job.objects.create(kind=Job.Kind.IMPORT, owner=requester, status="done", result={})
    response = client_for(requester).get(f"/api/v1/exports/{job.pk}/download")
    assert response.status_code == 404

import gzip
import io
import json
import tarfile

from django.core.files.uploadedfile import SimpleUploadedFile

from annotator.catalog.jobs import dataset_import
from annotator.catalog.models import Dataset
from annotator.core.models import Job
from annotator.core.progress import Progress, progress_set
from tests import factories

CODE = "".join(f"line_{n} = 'jane.roe@corp.test'\n" for n in range(120))  # 3 snippets


def _run_the_job(job_id: int) -> None:
    dataset_import(job_id)  # the Celery job, called directly as the worker would


def test_requester_creates_a_dataset(as_requester, requester):
    response = as_requester.post("/api/v1/datasets", {"name": "  corpus "}, format="json")
    assert response.status_code == 201
    dataset = Dataset.objects.get(owner=requester)
    assert response.json() == {
        "id": dataset.pk,
        "name": "corpus",
        "description": "",
        "file_count": 0,
        "snippet_count": 0,
        "created_at": response.json()["created_at"],
    }


def test_a_second_dataset_with_the_same_name_is_a_400_on_name(as_requester, dataset):
    response = as_requester.post("/api/v1/datasets", {"name": dataset.name}, format="json")
    assert response.status_code == 400
    assert "already have a dataset" in response.json()["errors"]["name"][0]


def test_a_blank_name_is_a_400(as_requester):
    response = as_requester.post("/api/v1/datasets", {"name": ""}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]["name"] == ["This field may not be blank."]


def test_files_as_json_become_an_import_job(
    as_requester, requester, dataset, django_capture_on_commit_callbacks
):
    files = [
        {"path": "src/a.py", "content": CODE, "language": "Python", "license": "MIT"},
        {"path": "src/b.py", "content": "print('hi')\n"},
    ]
    with django_capture_on_commit_callbacks() as enqueued:
        response = as_requester.post(
            f"/api/v1/datasets/{dataset.pk}/files", {"files": files}, format="json"
        )
    assert response.status_code == 202
    job_id = response.json()["job"]
    assert response["Location"] == f"/api/v1/jobs/{job_id}"
    assert len(enqueued) == 1  # one import job, sent once the request commits
    assert as_requester.get(f"/api/v1/jobs/{job_id}").json()["status"] == "pending"

    _run_the_job(job_id)

    job = as_requester.get(f"/api/v1/jobs/{job_id}").json()
    assert job["status"] == "done"
    assert job["progress"] == 1.0
    assert job["error"] == ""
    assert job["result"]["files_imported"] == 2
    assert job["result"]["snippets_created"] == 4
    source = dataset.files.get(path="src/a.py")
    assert (source.language, source.license) == ("Python", "MIT")
    assert source.content == CODE


def test_a_jsonl_upload_becomes_an_import_job(as_requester, dataset):
    line = json.dumps({"path": "x.py", "content": CODE}) + "\n"
    upload = SimpleUploadedFile("code.jsonl", line.encode())
    response = as_requester.post(
        f"/api/v1/datasets/{dataset.pk}/files", {"file": upload}, format="multipart"
    )
    assert response.status_code == 202
    _run_the_job(response.json()["job"])
    assert dataset.snippets.count() == 3


def test_a_tar_gz_upload_is_imported(as_requester, dataset):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        data = CODE.encode()
        info = tarfile.TarInfo("repo/app.py")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    upload = SimpleUploadedFile("repo.tar.gz", buffer.getvalue())
    response = as_requester.post(
        f"/api/v1/datasets/{dataset.pk}/files", {"file": upload}, format="multipart"
    )
    _run_the_job(response.json()["job"])
    assert list(dataset.files.values_list("path", flat=True)) == ["repo/app.py"]


def test_a_broken_upload_fails_the_job_with_its_reason(as_requester, dataset):
    upload = SimpleUploadedFile("bad.jsonl", b'{"path": "a.py"}\n')
    response = as_requester.post(
        f"/api/v1/datasets/{dataset.pk}/files", {"file": upload}, format="multipart"
    )
    job_id = response.json()["job"]
    _run_the_job(job_id)
    job = as_requester.get(f"/api/v1/jobs/{job_id}").json()
    assert job["status"] == "failed"
    assert "line 1" in job["error"] and "content" in job["error"]
    assert job["result"] is None


def test_an_upload_of_another_type_is_refused_on_file(as_requester, dataset):
    upload = SimpleUploadedFile("notes.gz", gzip.compress(b"hi"))
    response = as_requester.post(
        f"/api/v1/datasets/{dataset.pk}/files", {"file": upload}, format="multipart"
    )
    assert response.status_code == 400
    assert response.json()["errors"]["file"] == ["Upload a .jsonl, .zip or .tar.gz file."]
    assert not Job.objects.exists()


def test_json_files_need_path_and_content(as_requester, dataset):
    response = as_requester.post(
        f"/api/v1/datasets/{dataset.pk}/files", {"files": [{"path": "a.py"}]}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"files": {"0": {"content": ["This field is required."]}}}
    assert response.json()["detail"] == "files[0].content: This field is required."


def test_an_empty_file_list_is_refused(as_requester, dataset):
    response = as_requester.post(
        f"/api/v1/datasets/{dataset.pk}/files", {"files": []}, format="json"
    )
    assert response.status_code == 400
    assert "files" in response.json()["errors"]


def test_a_running_job_shows_live_progress(as_requester, requester):
    job = Job.objects.create(kind=Job.Kind.IMPORT, owner=requester, status=Job.Status.RUNNING)
    progress_set(job.pk, Progress(fraction=0.25, done=5, total=20, rate=2.5))
    body = as_requester.get(f"/api/v1/jobs/{job.pk}").json()
    assert body["status"] == "running"
    assert body["progress"] == 0.25
    assert body["progress_detail"] == {
        "done": 5, "total": 20, "rate": 2.5, "unit": "files", "message": "",
    }  # fmt: skip


def test_snippets_list_path_lines_and_text(as_requester, dataset):
    snippet = factories.SnippetFactory(source_file__dataset=dataset)
    other = factories.SnippetFactory()  # another requester's dataset
    body = as_requester.get(f"/api/v1/datasets/{dataset.pk}/snippets").json()
    assert body["count"] == 1
    assert body["results"] == [
        {
            "id": snippet.pk,
            "path": snippet.source_file.path,
            "start_line": 1,
            "end_line": snippet.line_count,
            "text": snippet.text,
        }
    ]
    assert other.pk not in [r["id"] for r in body["results"]]


def test_dataset_detail_counts_files_and_snippets(as_requester, dataset):
    for _ in range(2):
        factories.SnippetFactory(source_file__dataset=dataset)
    body = as_requester.get(f"/api/v1/datasets/{dataset.pk}").json()
    assert (body["id"], body["file_count"], body["snippet_count"]) == (dataset.pk, 2, 2)


def test_snippet_listing_does_not_load_whole_files(
    as_requester, dataset, django_assert_max_num_queries
):
    for _ in range(30):
        factories.SnippetFactory(source_file__dataset=dataset)
    with django_assert_max_num_queries(6):  # auth, dataset, count, page: not one per row
        response = as_requester.get(f"/api/v1/datasets/{dataset.pk}/snippets")
    assert len(response.json()["results"]) == 30

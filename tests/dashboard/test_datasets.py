"""Dataset pages: upload, the polling job page, the dataset and snippet views, access."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from annotator.catalog import jobs, services
from annotator.catalog.importing import FileRecord
from annotator.catalog.models import Dataset, SourceFile
from annotator.core.models import Job
from annotator.core.progress import Progress, progress_set
from tests import factories
from tests.catalog.archives import code_file, write_tar_gz, write_zip

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def requester_client(client, requester):
    client.force_login(requester)
    return client


def upload(client, name: str, filename: str, data: bytes, capture):
    with capture() as callbacks:
        response = client.post(
            reverse("dashboard:dataset-new"),
            {"name": name, "file": SimpleUploadedFile(filename, data)},
        )
    return response, callbacks


def test_requester_uploads_an_archive_and_the_job_imports_it(
    requester_client, tmp_path, media_root, django_capture_on_commit_callbacks
):
    archive = write_tar_gz(tmp_path / "src.tar.gz", {f"s/f{n}.py": code_file(n) for n in range(4)})
    response, callbacks = upload(
        requester_client, "uploaded", "src.tar.gz", archive.read_bytes(),
        django_capture_on_commit_callbacks,
    )  # fmt: skip
    job = Job.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("dashboard:job-detail", args=[job.pk])
    assert len(callbacks) == 1  # the job is enqueued once the upload commits
    stored = list((media_root / "uploads").iterdir())
    assert len(stored) == 1 and stored[0].name.endswith(".tar.gz")
    assert stored[0].name != "src.tar.gz"

    jobs.dataset_import(job.pk)  # what the worker would do

    page = requester_client.get(response.url)
    assert page.status_code == 200
    body = page.content.decode()
    assert "Files imported" in body and ">4<" in body
    assert ">12<" in body  # snippets
    assert 'hx-trigger="every 1s"' not in body
    dataset = Dataset.objects.get(name="uploaded")
    assert SourceFile.objects.filter(dataset=dataset).count() == 4


def test_job_page_polls_with_htmx_while_running_and_shows_progress(
    requester_client, requester, dataset
):
    job = services.dataset_import_start(owner=requester, dataset=dataset, upload_path="/x.zip")
    progress_set(job.pk, Progress(fraction=0.42, done=42, total=100, rate=12.5))
    url = reverse("dashboard:job-detail", args=[job.pk])

    full = requester_client.get(url)
    assert full.status_code == 200
    assert "<html" in full.content.decode()
    assert 'hx-trigger="every 1s"' in full.content.decode()

    partial = requester_client.get(url, headers=HTMX)
    body = partial.content.decode()
    assert partial.status_code == 200
    assert "<html" not in body
    assert 'id="job-status"' in body and f'hx-get="{url}"' in body
    assert "42%" in body and "12.5 files/s" in body and "42 of 100 files" in body


def test_job_page_stops_polling_when_the_job_failed(requester_client, requester, dataset, tmp_path):
    bad = write_zip(tmp_path / "bad.zip", {"a.py": b"a\n", "../up.py": b"x\n"})
    job = services.dataset_import_start(owner=requester, dataset=dataset, upload_path=bad)
    jobs.dataset_import(job.pk)
    response = requester_client.get(reverse("dashboard:job-detail", args=[job.pk]), headers=HTMX)
    assert response.status_code == 286  # htmx: stop polling
    body = response.content.decode()
    assert "member &#x27;../up.py&#x27; points outside the archive" in body
    assert "hx-trigger" not in body


def test_upload_with_a_wrong_extension_is_refused_in_the_form(requester_client):
    response = requester_client.post(
        reverse("dashboard:dataset-new"),
        {"name": "x", "file": SimpleUploadedFile("notes.txt", b"hello")},
    )
    assert response.status_code == 200
    assert "Upload a .jsonl, .zip or .tar.gz file." in response.content.decode()
    assert Job.objects.count() == 0 and Dataset.objects.count() == 0


def test_upload_with_a_taken_name_shows_the_error(requester_client, dataset):
    response = requester_client.post(
        reverse("dashboard:dataset-new"),
        {"name": dataset.name, "file": SimpleUploadedFile("a.jsonl", b'{"content":"a"}')},
    )
    assert response.status_code == 200
    assert "already have a dataset named" in response.content.decode()
    assert Job.objects.count() == 0


def test_new_dataset_page_renders_the_form(requester_client):
    response = requester_client.get(reverse("dashboard:dataset-new"))
    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in response.content.decode()


def test_dataset_list_and_home_link_to_the_dataset(requester_client, dataset):
    services.dataset_import(dataset=dataset, records=[FileRecord("a.py", code_file(1))])
    detail = reverse("dashboard:dataset-detail", args=[dataset.pk])
    for name in ("dashboard:home", "dashboard:dataset-list"):
        body = requester_client.get(reverse(name)).content.decode()
        assert f'href="{detail}"' in body
        assert reverse("dashboard:dataset-new") in body


def test_dataset_page_lists_files_paginated(requester_client, dataset):
    records = [FileRecord(f"f{n:03}.py", code_file(n, lines=60)) for n in range(55)]
    services.dataset_import(dataset=dataset, records=records)
    url = reverse("dashboard:dataset-detail", args=[dataset.pk])
    first = requester_client.get(url).content.decode()
    assert "f000.py" in first and "f049.py" in first and "f050.py" not in first
    assert "55 files · 110 snippets" in first
    second = requester_client.get(url, {"page": 2}).content.decode()
    assert "f054.py" in second and "f000.py" not in second
    assert "Python" in second


def test_snippet_preview_shows_real_line_numbers_escaped(requester_client, dataset):
    lines = [f"x_{i} = {i}" for i in range(1, 60)] + ["<script>alert('pii')</script>"]
    services.dataset_import(dataset=dataset, records=[FileRecord("evil.py", "\n".join(lines))])
    second = SourceFile.objects.get().snippets.get(index=1)
    response = requester_client.get(reverse("dashboard:snippet-detail", args=[second.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "<script>alert" not in body
    assert "&lt;script&gt;alert(&#x27;pii&#x27;)&lt;/script&gt;" in body
    gutter = body.split('<pre class="gutter"', 1)[1].split("</pre>", 1)[0]
    assert gutter.split(">", 1)[1].split() == [str(n) for n in range(51, 61)]
    assert "x_51 = 51" in body and "x_50 = 50" not in body


def test_annotator_gets_403_on_every_dataset_page(client, alice, dataset):
    client.force_login(alice)
    for url in dataset_urls(dataset):
        assert client.get(url).status_code == 403, url


def test_anonymous_is_sent_to_login(client, dataset):
    for url in dataset_urls(dataset):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("accounts:login"))


def test_mallory_cannot_see_requesters_dataset_snippet_or_job(client, mallory, dataset):
    client.force_login(mallory)
    for url in dataset_urls(dataset)[2:]:
        assert client.get(url).status_code == 404, url
    body = client.get(reverse("dashboard:dataset-list")).content.decode()
    assert dataset.name not in body


def dataset_urls(dataset) -> list[str]:
    snippet = factories.SnippetFactory(source_file__dataset=dataset)
    job = services.dataset_import_start(owner=dataset.owner, dataset=dataset, upload_path="/x")
    return [
        reverse("dashboard:dataset-list"),
        reverse("dashboard:dataset-new"),
        reverse("dashboard:dataset-detail", args=[dataset.pk]),
        reverse("dashboard:snippet-detail", args=[snippet.pk]),
        reverse("dashboard:job-detail", args=[job.pk]),
    ]


def test_a_failed_upload_leaves_no_empty_dataset_behind(
    requester_client, tmp_path, media_root, django_capture_on_commit_callbacks
):
    bad = write_zip(tmp_path / "bad.zip", {"a.py": b"a\n", "/etc/passwd": b"x\n"})
    upload(
        requester_client, "doomed", "bad.zip", bad.read_bytes(), django_capture_on_commit_callbacks
    )
    job = Job.objects.get()

    jobs.dataset_import(job.pk)

    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert "/etc/passwd" in job.error
    assert not Dataset.objects.filter(name="doomed").exists()
    page = requester_client.get(reverse("dashboard:job-detail", args=[job.pk]))
    assert "Open the dataset" not in page.content.decode()


def test_a_failed_import_into_an_existing_dataset_keeps_the_dataset(
    requester_client, requester, dataset, tmp_path
):
    bad = write_zip(tmp_path / "bad.zip", {"../up.py": b"x\n"})
    job = services.dataset_import_start(owner=requester, dataset=dataset, upload_path=bad)
    jobs.dataset_import(job.pk)
    assert Dataset.objects.filter(pk=dataset.pk).exists()

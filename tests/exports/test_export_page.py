"""The requester's export page: download links per format, and a job polled with htmx."""

import json

import pytest
from django.urls import reverse

from annotator.core.models import Job
from annotator.exports import jobs
from tests.exports.builders import labeled_project

HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def labeled(project):
    return labeled_project(project, files=1)


def _page(client, project, query=""):
    return client.get(reverse("exports:project-export", args=[project.pk]) + query)


def test_requester_sees_a_download_link_for_every_format(client, requester, project):
    client.force_login(requester)
    response = _page(client, project)
    assert response.status_code == 200
    html = response.content.decode()
    download = reverse("exports:project-download", args=[project.pk])
    for query in ("format=jsonl&amp;kind=aggregated", "format=bio&amp;kind=aggregated",
                  "format=bigcode&amp;kind=aggregated", "format=files&amp;kind=aggregated",
                  "format=jsonl&amp;kind=raw"):  # fmt: skip
        assert f'href="{download}?{query}"' in html
    assert 'id="export-job"' in html and "hx-trigger" not in html


def test_the_page_links_download_the_streamed_export(client, requester, project, labeled):
    client.force_login(requester)
    url = reverse("exports:project-download", args=[project.pk])
    response = client.get(url, {"format": "files", "kind": "aggregated", "categories": "KEY"})
    assert response.status_code == 200 and response.streaming
    records = [json.loads(line) for line in b"".join(response.streaming_content).splitlines()]
    assert [s["category"] for s in records[0]["spans"]] == ["KEY"]


def test_the_filter_form_sends_categories_as_checkboxes(client, requester, project, labeled):
    client.force_login(requester)
    url = reverse("exports:project-download", args=[project.pk])
    query = "format=bigcode&kind=aggregated&categories=NAME&categories=EMAIL&min_confidence="
    response = client.get(f"{url}?{query}")
    records = [json.loads(line) for line in b"".join(response.streaming_content).splitlines()]
    categories = {f["category"].split("_")[0] for r in records for f in r["fragments"]}
    assert categories == {"NAME", "EMAIL"}


def test_a_bad_download_query_is_a_400_that_says_why(client, requester, project):
    client.force_login(requester)
    url = reverse("exports:project-download", args=[project.pk])
    response = client.get(url, {"format": "bio", "kind": "raw"})
    assert response.status_code == 400
    assert b"kind=raw exports come as jsonl only" in response.content


def test_alice_the_annotator_is_refused_the_page(client, alice, project):
    client.force_login(alice)
    assert _page(client, project).status_code == 403


def test_mallory_cannot_open_requesters_export_page(client, mallory, project):
    client.force_login(mallory)
    assert _page(client, project).status_code == 404
    url = reverse("exports:project-download", args=[project.pk])
    assert client.get(url).status_code == 404


def test_a_job_started_from_the_page_is_polled_then_offers_its_file(
    client, requester, project, labeled, django_capture_on_commit_callbacks
):
    client.force_login(requester)
    start = reverse("exports:job-start", args=[project.pk])
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(start, {"format": "bio", "kind": "aggregated"}, headers=HTMX)
    job = Job.objects.get()
    status_url = reverse("exports:job-status", args=[job.pk])
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert 'id="export-job"' in html and f'hx-get="{status_url}"' in html
    assert len(callbacks) == 1

    jobs.export_build(job.pk)
    polled = client.get(status_url, headers=HTMX).content.decode()

    assert "hx-trigger" not in polled  # done: polling stops
    download = reverse("exports:job-download", args=[job.pk])
    assert f'href="{download}"' in polled and f"project-{project.pk}-bio.conll" in polled
    file = client.get(download)
    assert file.status_code == 200
    assert b"".join(file.streaming_content).startswith(b"# snippet_id = ")


def test_without_htmx_starting_a_job_comes_back_to_the_page(client, requester, project):
    client.force_login(requester)
    start = reverse("exports:job-start", args=[project.pk])
    response = client.post(start, {"format": "jsonl", "kind": "aggregated"})
    job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"].endswith(f"?job={job.pk}")
    page = _page(client, project, f"?job={job.pk}").content.decode()
    assert f"Export #{job.pk}" in page and "hx-trigger" in page


def test_a_bad_job_request_shows_the_reason_in_the_fragment(client, requester, project):
    client.force_login(requester)
    start = reverse("exports:job-start", args=[project.pk])
    response = client.post(
        start, {"format": "files", "kind": "aggregated", "min_confidence": "9"}, headers=HTMX
    )
    assert response.status_code == 200
    assert "min_confidence lies between 0 and 1" in response.content.decode()
    assert not Job.objects.exists()


def test_mallory_cannot_poll_or_download_requesters_job(client, requester, mallory, project):
    job = Job.objects.create(kind=Job.Kind.EXPORT, owner=requester, params={"project_id": 1})
    client.force_login(mallory)
    assert client.get(reverse("exports:job-status", args=[job.pk]), headers=HTMX).status_code == 404
    assert client.get(reverse("exports:job-download", args=[job.pk])).status_code == 404

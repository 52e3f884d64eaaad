"""Project pages: create and configure, rules, gold, start/pause, the project page with
its charts and ETA, validation estimates, disagreements and the detector comparison."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from annotator.dashboard import detector
from annotator.projects.models import Project
from annotator.quality.models import QualityPolicy
from tests import factories
from tests.dashboard.conftest import HTMX

pytestmark = pytest.mark.django_db


def create_payload(dataset, **overrides):
    data = {
        "name": "Emails in Go", "kind": "generation", "dataset": dataset.pk,
        "categories": ["EMAIL", "NAME"], "overlap": 3, "confidence_threshold": 0.6,
        "control_rate": 0.1, "reward_cents": 4, "min_skill": 50, "pass_score": 80,
        "lease_seconds": 1800, "aggregation_method": "majority", "max_rounds": 2,
        "instructions": "Mark every email address.",
        "examples": json.dumps([{"category": "EMAIL", "text": "a@b.test", "is_pii": True}]),
    }  # fmt: skip
    data.update(overrides)
    return data


def test_requester_creates_a_project_with_a_task_per_snippet(requester_client, dataset):
    factories.SnippetFactory.create_batch(3, source_file__dataset=dataset)
    response = requester_client.post(reverse("dashboard:project-new"), create_payload(dataset))
    project = Project.objects.get(name="Emails in Go")
    assert response.status_code == 302
    assert response.url == reverse("dashboard:project-detail", args=[project.pk])
    assert project.status == Project.Status.DRAFT
    assert project.categories == ["NAME", "EMAIL"]  # training order
    assert project.tasks.count() == 3
    assert project.examples[0]["text"] == "a@b.test"


def test_five_categories_get_a_clear_error(requester_client, dataset):
    payload = create_payload(dataset, categories=["NAME", "EMAIL", "USERNAME", "KEY", "ID"])
    response = requester_client.post(reverse("dashboard:project-new"), payload)
    assert response.status_code == 200
    assert "A project labels at most 4 categories; got 5." in response.content.decode()
    assert not Project.objects.filter(name="Emails in Go").exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"examples": "[{"}, "Examples are not valid JSON"),
        ({"max_overlap": 2}, "cannot be below the overlap"),
        ({"kind": "validation"}, "A validation project checks a generation project."),
        ({"categories": []}, "This field is required."),
    ],
)
def test_bad_project_settings_are_explained(requester_client, dataset, overrides, message):
    response = requester_client.post(
        reverse("dashboard:project-new"), create_payload(dataset, **overrides)
    )
    assert response.status_code == 200
    assert message in response.content.decode()


def test_requester_cannot_build_on_mallorys_dataset(requester_client, mallory):
    theirs = factories.DatasetFactory(owner=mallory)
    response = requester_client.post(reverse("dashboard:project-new"), create_payload(theirs))
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Project.objects.filter(dataset=theirs).exists()


def test_settings_change_but_categories_stay_once_started(requester_client, project):
    url = reverse("dashboard:project-edit", args=[project.pk])
    page = requester_client.get(url)
    assert page.status_code == 200 and project.name in page.content.decode()
    payload = create_payload(project.dataset, name="Renamed", categories=["NAME"])
    response = requester_client.post(url, payload)
    assert "Categories can only change while the project is a draft." in response.content.decode()
    payload["categories"] = project.categories
    response = requester_client.post(url, payload)
    project.refresh_from_db()
    assert response.status_code == 302
    assert (project.name, project.overlap, project.reward_cents) == ("Renamed", 3, 4)


def test_rules_are_saved_and_contradictions_refused(requester_client, project):
    url = reverse("dashboard:project-rules", args=[project.pk])
    form = requester_client.get(url).context["form"]
    data = {name: form.initial[name] for name in form.fields}
    data.update(min_hourly_cents=1200, control_minimum=20, control_window=10)
    response = requester_client.post(url, data)
    assert "The minimum control answers must fit in the window." in response.content.decode()
    data.update(control_minimum=3)
    assert requester_client.post(url, data).status_code == 302
    assert QualityPolicy.objects.get(project=project).min_hourly_cents == 1200


def test_gold_upload_sets_control_tasks(requester_client, project):
    task = factories.TaskFactory(project=project)
    line = {"snippet": task.snippet_id, "spans": [{"start": 17, "end": 25, "category": "NAME"}]}
    upload = SimpleUploadedFile("gold.jsonl", json.dumps(line).encode())
    url = reverse("dashboard:project-gold", args=[project.pk])
    response = requester_client.post(url, {"file": upload})
    task.refresh_from_db()
    assert response.status_code == 302 and task.is_control
    bad = SimpleUploadedFile("gold.jsonl", b'{"snippet": 1}')
    response = requester_client.post(url, {"file": bad})
    assert "Line 1: &quot;spans&quot; must be a list" in response.content.decode()


def test_start_pause_and_an_illegal_move(requester_client, requester, dataset):
    project = factories.ProjectFactory(owner=requester, dataset=dataset, status="draft")
    url = reverse("dashboard:project-status", args=[project.pk])
    requester_client.post(url, {"status": "active"})
    project.refresh_from_db()
    assert project.status == "active"
    requester_client.post(url, {"status": "paused"})
    project.refresh_from_db()
    assert project.status == "paused"
    response = requester_client.post(url, {"status": "draft"}, follow=True)
    assert "A paused project cannot become draft." in response.content.decode()


def test_project_page_shows_progress_cost_pay_warning_and_charts(
    requester_client, busy, django_assert_max_num_queries
):
    url = reverse("dashboard:project-detail", args=[busy.project.pk])
    with django_assert_max_num_queries(20):
        response = requester_client.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Secrets &lt;b&gt;in&lt;/b&gt; Python" in html
    assert html.count('role="img"') == 5
    assert html.count("Figures as a table") == 5
    assert "data-pay-warning" in html  # policy floor far above what a task pays
    progress = response.context["progress"]
    assert (progress.final, progress.control, progress.work_tasks) == (3, 1, 3)
    assert progress.percent == 100
    cost = response.context["cost"]
    assert cost.spent_cents == 8 * 5  # six answers and two control answers at 5 cents
    assert "Agreement per category" in html and "Quiz funnel" in html


def test_project_progress_is_an_htmx_fragment(requester_client, requester, dataset):
    project = factories.ProjectFactory(owner=requester, dataset=dataset, overlap=2)
    factories.TaskFactory.create_batch(2, project=project)
    response = requester_client.get(
        reverse("dashboard:project-detail", args=[project.pk]),
        headers={**HTMX, "HX-Target": "project-progress"},
    )
    html = response.content.decode()
    assert 'id="project-progress"' in html and "<html" not in html
    assert 'hx-trigger="every 15s"' in html
    assert "<dt>Answers still needed</dt><dd>4</dd>" in html


def test_eta_follows_the_pace_of_the_last_day(busy):
    from annotator.dashboard.project_stats import hourly_answers, project_progress

    project = busy.project
    extra = factories.TaskFactory(project=project)
    progress = project_progress(project, hourly_answers(project))
    assert progress.remaining_answers == 2  # overlap 2 on the new task
    assert progress.answers_per_hour == pytest.approx(8.0)  # 8 answers within the hour
    assert progress.eta_seconds == pytest.approx(2 / 8 * 3600)
    assert extra.pk


def test_validation_estimates_fragment(requester_client, busy):
    url = reverse("dashboard:project-validation", args=[busy.project.pk])
    response = requester_client.get(url, headers=HTMX)
    html = response.content.decode()
    assert 'id="validation-estimates"' in html and "<html" not in html
    metrics = {m.category: m for m in requester_client.get(url).context["metrics"]}
    assert (metrics["NAME"].judged, metrics["NAME"].precision) == (3, 1.0)
    assert metrics["PASSWORD"].precision is None  # nothing of it to judge
    assert requester_client.get(url).status_code == 200


def test_disagreements_list_and_side_by_side_task(requester_client, busy):
    url = reverse("dashboard:disagreement-list", args=[busy.project.pk])
    response = requester_client.get(url)
    tasks = list(response.context["page"])
    assert [t.pk for t in tasks] == sorted(t.pk for t in busy.tasks)
    assert tasks[0].min_confidence == 0.5
    task_url = reverse("dashboard:task-detail", args=[busy.project.pk, busy.tasks[0].pk])
    response = requester_client.get(task_url)
    html = response.content.decode()
    columns = response.context["columns"]
    assert [c.title for c in columns] == ["Aggregate", "ann", "ben"]
    assert [c.span_count for c in columns] == [3, 3, 2]  # a tie keeps the email, unsure
    assert html.count('class="span-mark cat-NAME') == 3
    control = reverse("dashboard:task-detail", args=[busy.project.pk, busy.control.pk])
    assert requester_client.get(control).context["columns"][0].title == "Gold"


def test_detector_comparison_is_computed_on_request_and_cached(requester_client, busy):
    url = reverse("dashboard:detector-compare", args=[busy.project.pk])
    page = requester_client.get(url)
    assert page.context["result"] is None and "Not compared yet" in page.content.decode()
    response = requester_client.post(url, headers=HTMX)
    html = response.content.decode()
    assert 'id="detector-result"' in html and "<html" not in html
    result = detector.cached_comparison(busy.project)
    assert result["snippets"] == 3
    rows = {row["category"]: row for row in result["rows"]}
    assert rows["ALL"]["exact"]["gold"] == 9  # name, email and IP on each of three snippets
    assert "Exact match" in html and "Overlap match" in html
    assert requester_client.get(url).context["result"] == result  # from the cache

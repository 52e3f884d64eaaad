import json

import pytest

from annotator.labeling.models import Annotation, Span
from annotator.projects.models import Project, Task
from tests import factories


def _create(client, owned, **overrides):
    body = {
        "name": "Names and emails",
        "dataset": owned.pk,
        "kind": "generation",
        "categories": ["EMAIL", "NAME"],
        "overlap": 2,
        "control_rate": 0.2,
        "min_skill": 50,
        "reward_cents": 3,
        "instructions": "Mark every person.",
    } | overrides
    return client.post("/api/v1/projects", body, format="json")


def test_creating_a_project_makes_a_task_per_snippet(as_requester, requester, dataset, snippets):
    response = _create(as_requester, dataset)
    assert response.status_code == 201
    project = Project.objects.get(owner=requester)
    body = response.json()
    assert body == {
        "id": project.pk,
        "name": "Names and emails",
        "dataset": dataset.pk,
        "kind": "generation",
        "status": "draft",
        "categories": ["NAME", "EMAIL"],  # training order
        "overlap": 2,
        "control_rate": 0.2,
        "min_skill": 50,
        "reward_cents": 3,
        "instructions": "Mark every person.",
        "pass_score": 80,
        "lease_seconds": 1800,
        "show_suggestions": False,
        "task_count": 3,
        "created_at": body["created_at"],
    }
    assert set(project.tasks.values_list("snippet_id", flat=True)) == {s.pk for s in snippets}


def test_five_categories_are_a_400_on_categories(as_requester, dataset):
    five = ["NAME", "EMAIL", "USERNAME", "PASSWORD", "KEY"]
    response = _create(as_requester, dataset, categories=five)
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "categories": ["A project labels at most 4 categories; got 5."]
    }
    assert not Project.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("categories", ["NAME", "NAME"]),
        ("categories", ["SSN"]),
        ("categories", []),
        ("kind", "labeling"),
        ("control_rate", 1.5),
        ("min_skill", 101),
        ("overlap", 0),
        ("reward_cents", -1),
        ("dataset", 999999),
        ("name", ""),
    ],
)
def test_bad_project_fields_are_named(as_requester, dataset, field, value):
    response = _create(as_requester, dataset, **{field: value})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]


def test_project_list_and_detail(as_requester, project):
    listed = as_requester.get("/api/v1/projects").json()
    assert [p["id"] for p in listed["results"]] == [project.pk]
    assert as_requester.get(f"/api/v1/projects/{project.pk}").json()["name"] == project.name


def test_start_and_pause_follow_the_status_rules(as_requester, requester, dataset):
    project = factories.ProjectFactory(owner=requester, dataset=dataset, status="draft")
    url = f"/api/v1/projects/{project.pk}"
    assert as_requester.post(f"{url}/pause").status_code == 409  # a draft cannot pause
    started = as_requester.post(f"{url}/start")
    assert (started.status_code, started.json()["status"]) == (200, "active")
    assert as_requester.post(f"{url}/pause").json()["status"] == "paused"
    again = as_requester.post(f"{url}/pause")
    assert again.status_code == 409
    assert again.json() == {
        "detail": "A paused project cannot become paused.",
        "code": "conflict",
        "errors": {},
    }
    assert as_requester.post(f"{url}/start").json()["status"] == "active"


def test_stats_report_progress_and_say_agreement_is_not_there_yet(
    as_requester, project, alice, bob
):
    tasks = factories.TaskFactory.create_batch(4, project=project)
    Task.objects.filter(pk=tasks[0].pk).update(status=Task.Status.FINAL)
    Task.objects.filter(pk=tasks[1].pk).update(status=Task.Status.COMPLETE)
    done = factories.AssignmentFactory(task=tasks[2], annotator=alice, status="submitted")
    annotation = Annotation.objects.create(assignment=done, time_spent_ms=1000)
    Span.objects.create(annotation=annotation, start=0, end=3, category="NAME")
    factories.AssignmentFactory(task=tasks[3], annotator=bob)

    body = as_requester.get(f"/api/v1/projects/{project.pk}/stats").json()
    assert body["progress"] == 0.5
    assert body["tasks"] == {"total": 4, "open": 2, "complete": 1, "final": 1, "control": 0}
    assert body["assignments"] == {"submitted": 1, "in_progress": 1, "skipped": 0, "expired": 0}
    assert body["quality"] == {
        "annotators": 1,
        "no_pii": 0,
        "problem_reports": 0,
        "mean_time_spent_ms": 1000.0,
        "spans": 1,
    }
    assert body["agreement"] == dict.fromkeys(project.categories)
    assert body["agreement_available"] is False
    assert "not computed yet" in body["agreement_note"]
    assert body["aggregation_up_to_date"] is False  # one task waits for aggregation


def test_stats_of_an_empty_project(as_requester, project):
    body = as_requester.get(f"/api/v1/projects/{project.pk}/stats").json()
    assert body["progress"] == 0.0
    assert body["aggregation_up_to_date"] is True


# --- control tasks -----------------------------------------------------------------


def test_control_tasks_get_their_gold_spans(as_requester, project):
    snippet = factories.SnippetFactory(source_file__dataset=project.dataset)
    start = snippet.text.index("Jane Roe")
    items = [
        {
            "snippet": snippet.pk,
            "spans": [{"start": start, "end": start + 8, "category": "NAME", "context": "license"}],
            "explanation": "The author in the licence header.",
        }
    ]
    response = as_requester.post(
        f"/api/v1/projects/{project.pk}/control-tasks", {"items": items}, format="json"
    )
    assert response.status_code == 200
    task = Task.objects.get(project=project, snippet=snippet)
    assert task.is_control
    assert task.explanation == "The author in the licence header."
    assert response.json() == {
        "tasks": [
            {
                "id": task.pk,
                "snippet": snippet.pk,
                "gold_spans": [
                    {"start": start, "end": start + 8, "category": "NAME", "context": "license"}
                ],
            }
        ]
    }


def test_an_invalid_gold_span_is_a_400_naming_the_item_and_nothing_is_saved(as_requester, project):
    good, bad = factories.SnippetFactory.create_batch(2, source_file__dataset=project.dataset)
    items = [
        {"snippet": good.pk, "spans": []},
        {"snippet": bad.pk, "spans": [{"start": 5, "end": 5000, "category": "NAME"}]},
    ]
    response = as_requester.post(
        f"/api/v1/projects/{project.pk}/control-tasks", {"items": items}, format="json"
    )
    assert response.status_code == 400
    message = response.json()["errors"]["items"]["1"]["spans"][0]
    assert message.startswith(f"Item 1 (snippet {bad.pk}): Span 5-5000 lies outside")
    assert response.json()["detail"] == f"items[1].spans: {message}"
    assert not Task.objects.filter(project=project, is_control=True).exists()


def test_a_category_outside_the_project_is_refused(as_requester, project):
    snippet = factories.SnippetFactory(source_file__dataset=project.dataset)
    items = [{"snippet": snippet.pk, "spans": [{"start": 0, "end": 3, "category": "KEY"}]}]
    response = as_requester.post(
        f"/api/v1/projects/{project.pk}/control-tasks", {"items": items}, format="json"
    )
    assert response.status_code == 400
    assert "does not label KEY" in response.json()["detail"]


def test_a_snippet_of_another_dataset_is_refused(as_requester, project):
    foreign = factories.SnippetFactory()
    items = [{"snippet": foreign.pk, "spans": []}]
    response = as_requester.post(
        f"/api/v1/projects/{project.pk}/control-tasks", {"items": items}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"]["items"]["0"]["snippet"] == [
        f"Item 0 (snippet {foreign.pk}): not in this project's dataset."
    ]


# --- export ------------------------------------------------------------------------


def _submitted(project, annotator, start=0, end=4):
    task = factories.TaskFactory(project=project)
    assignment = factories.AssignmentFactory(task=task, annotator=annotator, status="submitted")
    annotation = Annotation.objects.create(assignment=assignment)
    Span.objects.create(annotation=annotation, start=start, end=end, category="NAME")
    return task


def test_export_streams_jsonl_one_task_a_line(as_requester, project, alice):
    first, second = _submitted(project, alice), _submitted(project, alice, 2, 6)
    response = as_requester.get(f"/api/v1/projects/{project.pk}/export?format=jsonl&kind=raw")
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "application/x-ndjson"
    assert f"project-{project.pk}-raw.jsonl" in response["Content-Disposition"]
    records = [json.loads(line) for line in b"".join(response.streaming_content).splitlines()]
    assert [r["task_id"] for r in records] == [first.pk, second.pk]
    assert records[1]["annotations"][0]["spans"][0]["start"] == 2


def test_export_defaults_to_jsonl_raw(as_requester, project, alice):
    _submitted(project, alice)
    response = as_requester.get(f"/api/v1/projects/{project.pk}/export")
    assert response.status_code == 200
    assert len(b"".join(response.streaming_content).splitlines()) == 1


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("format=csv&kind=raw", "format", "'csv' is not a format"),
        ("format=jsonl&kind=gold", "kind", "'gold' is not a kind"),
        ("format=bio&kind=raw", "format", "kind=raw exports come as jsonl only"),
    ],
)
def test_unknown_export_kinds_and_formats_are_refused(as_requester, project, query, field, message):
    response = as_requester.get(f"/api/v1/projects/{project.pk}/export?{query}")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert message in response.json()["errors"][field][0]


def test_export_queries_do_not_grow_with_the_tasks(
    as_requester, project, alice, django_assert_max_num_queries
):
    for _ in range(20):
        _submitted(project, alice)
    with django_assert_max_num_queries(8):
        response = as_requester.get(f"/api/v1/projects/{project.pk}/export")
        lines = b"".join(response.streaming_content).splitlines()
    assert len(lines) == 20

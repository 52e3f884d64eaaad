"""The annotator's side, end to end through the API: next -> submit -> next."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from annotator.labeling.models import Annotation, Assignment
from annotator.projects.models import Project
from annotator.quality.models import LedgerEntry
from tests import factories
from tests.api.conftest import client_for


@pytest.fixture
def tasks(project):
    project.reward_cents = 3
    project.save()
    return factories.TaskFactory.create_batch(2, project=project)


def _next(client, project):
    return client.post(f"/api/v1/projects/{project.pk}/assignments/next")


def _name_span(text: str) -> dict:
    start = text.index("Jane Roe")
    return {"start": start, "end": start + 8, "category": "NAME", "context": "license"}


def test_next_submit_next_until_204(as_alice, alice, project, tasks):
    first = _next(as_alice, project)
    assert first.status_code == 200
    body = first.json()
    assignment = Assignment.objects.get(annotator=alice)
    task = assignment.task
    assert body == {
        "id": assignment.pk,
        "task": {
            "id": task.pk,
            "path": task.snippet.source_file.path,
            "language": "Python",
            "start_line": 1,
            "end_line": task.snippet.line_count,
            "text": task.snippet.text,
            "categories": project.categories,
        },
        "expires_at": body["expires_at"],
        "draft_spans": [],
    }
    span = _name_span(task.snippet.text)
    submitted = as_alice.post(
        f"/api/v1/assignments/{assignment.pk}/submit",
        {"spans": [span], "time_spent_ms": 4200},
        format="json",
    )
    assert submitted.status_code == 200
    annotation = Annotation.objects.get(assignment=assignment)
    assert submitted.json() == {
        "id": annotation.pk,
        "assignment": assignment.pk,
        "no_pii": False,
        "problem": "",
        "spans": [span],
        "created_at": submitted.json()["created_at"],
    }
    assert annotation.time_spent_ms == 4200

    second = _next(as_alice, project).json()
    assert second["task"]["id"] != task.pk
    as_alice.post(f"/api/v1/assignments/{second['id']}/submit", {"no_pii": True}, format="json")
    empty = _next(as_alice, project)
    assert empty.status_code == 204
    assert empty.content == b""


def test_next_twice_gives_the_held_task_again(as_alice, project, tasks):
    assert _next(as_alice, project).json()["id"] == _next(as_alice, project).json()["id"]


def test_a_double_submit_gives_the_same_result_and_one_annotation(as_alice, alice, project, tasks):
    assignment = _next(as_alice, project).json()
    url = f"/api/v1/assignments/{assignment['id']}/submit"
    span = _name_span(assignment["task"]["text"])
    first = as_alice.post(url, {"spans": [span]}, format="json")
    second = as_alice.post(url, {"spans": [span]}, format="json")
    assert (first.status_code, second.status_code) == (200, 200)
    assert first.json() == second.json()
    assert Annotation.objects.filter(assignment_id=assignment["id"]).count() == 1
    assert LedgerEntry.objects.filter(annotator=alice).count() == 1  # paid once


def test_bad_spans_are_a_400_and_the_task_stays_open(as_alice, project, tasks):
    assignment = _next(as_alice, project).json()
    url = f"/api/v1/assignments/{assignment['id']}/submit"
    overlapping = [
        {"start": 0, "end": 10, "category": "NAME"},
        {"start": 5, "end": 12, "category": "EMAIL"},
    ]
    response = as_alice.post(url, {"spans": overlapping}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"spans": ["Span 5-12 overlaps span 0-10."]}
    assert Assignment.objects.get(pk=assignment["id"]).status == "in_progress"
    assert not Annotation.objects.exists()


@pytest.mark.parametrize(
    ("span", "field"),
    [
        ({"start": 0, "end": 4, "category": "SSN"}, "category"),
        ({"start": -1, "end": 4, "category": "NAME"}, "start"),
        ({"start": 0, "end": 4, "category": "NAME", "context": "fake"}, "context"),
    ],
)
def test_malformed_spans_name_the_field(as_alice, project, tasks, span, field):
    assignment = _next(as_alice, project).json()
    response = as_alice.post(
        f"/api/v1/assignments/{assignment['id']}/submit", {"spans": [span]}, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()["errors"]["spans"]["0"]


def test_nothing_marked_and_no_no_pii_is_a_400(as_alice, project, tasks):
    assignment = _next(as_alice, project).json()
    response = as_alice.post(f"/api/v1/assignments/{assignment['id']}/submit", {}, format="json")
    assert response.status_code == 400
    assert "Mark at least one span" in response.json()["detail"]


def test_submitting_replaces_drafts_left_on_the_web_page(as_alice, alice, project, tasks):
    assignment = _next(as_alice, project).json()
    Assignment.objects.filter(pk=assignment["id"]).update(
        draft_spans=[{"start": 0, "end": 2, "category": "NAME", "context": "real"}]
    )
    span = _name_span(assignment["task"]["text"])
    body = as_alice.post(
        f"/api/v1/assignments/{assignment['id']}/submit", {"spans": [span]}, format="json"
    ).json()
    assert body["spans"] == [span]


def test_an_expired_lease_is_a_409_with_the_message(as_alice, project, tasks):
    assignment = _next(as_alice, project).json()
    Assignment.objects.filter(pk=assignment["id"]).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    response = as_alice.post(
        f"/api/v1/assignments/{assignment['id']}/submit", {"no_pii": True}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert response.json()["detail"].startswith("Your time on this task ran out")
    assert not Annotation.objects.exists()


def test_a_control_task_looks_exactly_like_any_other(as_alice, alice, project):
    regular = factories.TaskFactory(project=project)
    control = factories.TaskFactory(
        project=project,
        is_control=True,
        gold_spans=[{"start": 0, "end": 4, "category": "NAME", "context": "real"}],
    )
    payloads = {}
    for _ in range(2):
        response = _next(as_alice, project)
        payloads[response.json()["task"]["id"]] = response.json()
        as_alice.post(
            f"/api/v1/assignments/{response.json()['id']}/submit", {"no_pii": True}, format="json"
        )
    assert set(payloads) == {regular.pk, control.pk}
    regular_body, control_body = payloads[regular.pk], payloads[control.pk]
    assert regular_body.keys() == control_body.keys()
    assert regular_body["task"].keys() == control_body["task"].keys()
    assert control_body["draft_spans"] == []
    for word in ("gold", "is_control", "explanation"):
        assert word not in str(control_body)


def test_skip_gives_the_task_back(as_alice, project, tasks):
    assignment = _next(as_alice, project).json()
    response = as_alice.post(f"/api/v1/assignments/{assignment['id']}/skip")
    assert response.json() == {"id": assignment["id"], "status": "skipped"}
    assert _next(as_alice, project).json()["task"]["id"] != assignment["task"]["id"]


def test_skipping_a_submitted_task_is_a_409(as_alice, project, tasks):
    assignment = _next(as_alice, project).json()
    as_alice.post(f"/api/v1/assignments/{assignment['id']}/submit", {"no_pii": True}, format="json")
    response = as_alice.post(f"/api/v1/assignments/{assignment['id']}/skip")
    assert response.status_code == 409
    assert response.json()["detail"] == "This task is already submitted."


def test_report_a_garbled_snippet(as_alice, project, tasks):
    assignment = _next(as_alice, project).json()
    response = as_alice.post(
        f"/api/v1/assignments/{assignment['id']}/report",
        {"problem": "garbled", "comment": "mojibake"},
        format="json",
    )
    assert response.json() == {"id": assignment["id"], "status": "skipped"}
    annotation = Annotation.objects.get(assignment_id=assignment["id"])
    assert (annotation.problem, annotation.comment) == ("garbled", "mojibake")


def test_report_other_needs_a_comment(as_alice, project, tasks):
    assignment = _next(as_alice, project).json()
    url = f"/api/v1/assignments/{assignment['id']}/report"
    response = as_alice.post(url, {"problem": "other"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"comment": ["Tell us what is wrong in the comment."]}
    response = as_alice.post(url, {"problem": "spam"}, format="json")
    assert list(response.json()["errors"]) == ["problem"]


def test_me_shows_skills_and_earnings(as_alice, alice, project, tasks):
    assignment = _next(as_alice, project).json()
    as_alice.post(f"/api/v1/assignments/{assignment['id']}/submit", {"no_pii": True}, format="json")
    LedgerEntry.objects.create(annotator=alice, kind="bonus", amount_cents=50)
    body = as_alice.get("/api/v1/me").json()
    assert body["username"] == "alice"
    assert body["skills"]["EMAIL"] == 90
    assert body["earnings"] == {"total_cents": 53, "by_kind": {"reward": 3, "bonus": 50}}


def test_bob_below_the_minimum_skill_gets_403_with_the_reason(bob, project, tasks):
    project.min_skill = 60
    project.save()
    response = _next(client_for(bob), project)
    assert response.status_code == 403
    assert response.json()["detail"].startswith("Your Name skill is 0; this project needs 60.")


def test_an_annotator_who_has_not_consented_gets_403(bob, project, tasks):
    bob.consented_at = None
    bob.save()
    response = _next(client_for(bob), project)
    assert response.status_code == 403
    assert "terms" in response.json()["detail"]


def test_a_paused_project_hands_out_nothing(as_alice, project, tasks):
    project.status = Project.Status.PAUSED
    project.save()
    assert _next(as_alice, project).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_submits_record_one_annotation(alice, project):
    """Two clients (a retry racing the original) submit at once: one annotation, both 200."""
    task = factories.TaskFactory(project=project)
    assignment = factories.AssignmentFactory(task=task, annotator=alice)
    span = _name_span(task.snippet.text)
    barrier = threading.Barrier(2)
    results: list = []

    def submit() -> None:
        client = client_for(alice)
        barrier.wait()
        response = client.post(
            f"/api/v1/assignments/{assignment.pk}/submit", {"spans": [span]}, format="json"
        )
        results.append((response.status_code, response.json()))
        connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [code for code, _ in results] == [200, 200]
    assert results[0][1] == results[1][1]
    assert Annotation.objects.filter(assignment=assignment).count() == 1
    assert LedgerEntry.objects.filter(assignment=assignment).count() == 1

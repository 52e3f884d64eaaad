"""The hot path's SQL statements, pinned: next task and submit, through the API and the page.

Each statement is a round trip plus ORM work, and at saturation they are what limits
throughput (benchmarks/RESULTS.md, Load). The counts include the SAVEPOINT/RELEASE pairs
that the test's own transaction turns nested `atomic` blocks into. Before the hot-path
work they were 15 (API next), 20 (API submit, "no PII"), 33 (API submit, two spans) and
34-36 (the page's submit + next swap); then 11, 18 and 19 until the policy came with
the lock, the reward and the count became one statement, and a "no PII" answer's
response stopped reading its (no) spans; and 8 for the API's next until the project's
query told whether an assignment was live; and one more each (the token's lookup)
before the token was cached; and the API's submit read its assignment before locking it
(7 "no PII", 15 with spans: a lock and two savepoints more).
"""

from datetime import timedelta

import pytest
from django.urls import reverse

from annotator.labeling.models import Assignment
from annotator.quality.services.rules import policy_for
from tests import factories
from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture
def tasks(project):
    policy_for(project)  # created on the first submit otherwise: a one-off INSERT
    return factories.TaskFactory.create_batch(4, project=project)


def _next_url(project) -> str:
    return f"/api/v1/projects/{project.pk}/assignments/next"


def _held_for_a_while(assignment_id: int) -> None:
    """As if the annotator read the snippet for ten minutes (not a too-fast submit)."""
    assignment = Assignment.objects.get(pk=assignment_id)
    Assignment.objects.filter(pk=assignment_id).update(
        created_at=assignment.created_at - timedelta(minutes=10)
    )


def _spans(text: str, count: int) -> list[dict]:
    """`count` one-character NAME spans on distinct characters of `text`."""
    return [
        {"start": 2 * i, "end": 2 * i + 1, "category": "NAME", "context": "real"}
        for i in range(count)
    ]


def test_api_next_claims_a_task_in_at_most_7_statements(
    alice, project, tasks, django_assert_max_num_queries
):
    client = client_for(alice)
    # token, project + access + live assignment (none), claim (4), load
    with django_assert_max_num_queries(7):
        response = client.post(_next_url(project))
    assert response.status_code == 200


def test_api_next_with_a_token_seen_before_skips_its_lookup(
    alice, project, tasks, django_assert_max_num_queries
):
    client = client_for(alice)
    client.get("/api/v1/me")  # the token's lookup is cached from here on
    with django_assert_max_num_queries(6):
        response = client.post(_next_url(project))
    assert response.status_code == 200


def test_api_next_returns_the_held_task_in_at_most_2_statements(
    alice, project, tasks, django_assert_max_num_queries
):
    client = client_for(alice)
    held = client.post(_next_url(project)).json()
    with django_assert_max_num_queries(2):  # project + access + live id, live assignment
        again = client.post(_next_url(project)).json()
    assert again["id"] == held["id"]


def test_api_submit_no_pii_in_at_most_6_statements(
    alice, project, tasks, django_assert_max_num_queries
):
    client = client_for(alice)
    held = client.post(_next_url(project)).json()
    _held_for_a_while(held["id"])
    url = f"/api/v1/assignments/{held['id']}/submit"
    # lock (with the policy, and the ownership check), annotation, assignment, reward +
    # count, and the test transaction's SAVEPOINT/RELEASE around the submit (the token
    # is cached)
    with django_assert_max_num_queries(6):
        response = client.post(url, {"no_pii": True}, format="json")
    assert response.status_code == 200


@pytest.mark.parametrize("count", [1, 6])
def test_api_submit_with_spans_costs_the_same_whatever_their_number(
    alice, project, tasks, count, django_assert_max_num_queries
):
    client = client_for(alice)
    held = client.post(_next_url(project)).json()
    _held_for_a_while(held["id"])
    url = f"/api/v1/assignments/{held['id']}/submit"
    spans = _spans(held["task"]["text"], count)
    # "No PII"'s 6, the span insert, the response's spans, and the drafts' write (on the
    # same locked row, in the same transaction).
    with django_assert_max_num_queries(9):
        response = client.post(url, {"spans": spans}, format="json")
    assert response.status_code == 200
    assert len(response.json()["spans"]) == count


def test_page_submit_and_next_swap_in_at_most_17_statements(
    client, alice, project, tasks, django_assert_max_num_queries
):
    client.force_login(alice)
    client.get(reverse("labeling:work", args=[project.pk]))
    held = Assignment.objects.get(annotator=alice)
    _held_for_a_while(held.pk)
    url = reverse("labeling:submit", args=[held.pk])
    with django_assert_max_num_queries(17):
        response = client.post(url, {"no_pii": "on"}, headers=HTMX)
    assert response.status_code == 200
    assert Assignment.objects.filter(annotator=alice, status="in_progress").count() == 1


def test_page_reload_in_at_most_6_statements(
    client, alice, project, tasks, django_assert_max_num_queries
):
    client.force_login(alice)
    url = reverse("labeling:work", args=[project.pk])
    client.get(url)
    with django_assert_max_num_queries(6):
        response = client.get(url)
    assert response.status_code == 200

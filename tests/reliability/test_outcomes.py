"""Lease expiry, double submits, two tabs on one assignment, a submit for a task that
reached its overlap: each has one defined outcome, through the web and the API."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from annotator.labeling import services as labeling
from annotator.labeling.models import Annotation, Assignment
from annotator.projects.models import Task
from annotator.quality.models import LedgerEntry
from tests import factories
from tests.api.conftest import client_for
from tests.quality.flow import make_task

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}
NAME = {"start": 17, "end": 25, "category": "NAME"}


@pytest.fixture
def project(requester):
    project = factories.ProjectFactory(owner=requester, overlap=1, reward_cents=5)
    make_task(project)
    return project


def tab(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def held_by(user, project) -> Assignment:
    return labeling.assignment_next(annotator=user, project=project)


def expire(assignment: Assignment) -> None:
    Assignment.objects.filter(pk=assignment.pk).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1)
    )


def web_submit(client, assignment):
    return client.post(f"/assignments/{assignment.pk}/submit/", {}, headers=HTMX)


def api_submit(user, assignment):
    body = {"spans": [NAME]}
    return client_for(user).post(f"/api/v1/assignments/{assignment.pk}/submit", body, format="json")


def test_web_a_submit_after_the_lease_ran_out_is_refused_and_says_why(alice, project):
    assignment = held_by(alice, project)
    client = tab(alice)
    client.post(f"/assignments/{assignment.pk}/spans/", NAME, headers=HTMX)
    expire(assignment)
    response = web_submit(client, assignment)
    assert response.status_code == 200
    assert "time on this task ran out" in response.content.decode()
    assert not Annotation.objects.exists() and not LedgerEntry.objects.exists()


def test_api_a_submit_after_the_lease_ran_out_is_a_409(alice, project):
    assignment = held_by(alice, project)
    expire(assignment)
    response = api_submit(alice, assignment)
    assert response.status_code == 409
    assert "ran out" in response.json()["detail"]
    assert not Annotation.objects.exists()


def test_web_a_double_submit_records_one_annotation_and_one_reward(alice, project):
    assignment = held_by(alice, project)
    client = tab(alice)
    client.post(f"/assignments/{assignment.pk}/spans/", NAME, headers=HTMX)
    first, second = web_submit(client, assignment), web_submit(client, assignment)
    assert first.status_code == second.status_code == 200
    assert Annotation.objects.filter(assignment=assignment).count() == 1
    assert LedgerEntry.objects.filter(assignment=assignment).count() == 1
    assert Task.objects.get().submitted_count == 1


def test_api_a_double_submit_returns_the_first_annotation(alice, project):
    assignment = held_by(alice, project)
    first, second = api_submit(alice, assignment), api_submit(alice, assignment)
    assert first.status_code == second.status_code == 200
    assert first.json()["id"] == second.json()["id"]
    assert LedgerEntry.objects.filter(assignment=assignment).count() == 1


def test_two_tabs_share_one_assignment_and_its_draft(alice, project):
    one, two = tab(alice), tab(alice)
    assert one.get(f"/projects/{project.pk}/work/").status_code == 200
    assert two.get(f"/projects/{project.pk}/work/").status_code == 200
    assignment = Assignment.objects.get()  # both tabs show the same task: one claim
    one.post(f"/assignments/{assignment.pk}/spans/", NAME, headers=HTMX)
    ip = {"start": 55, "end": 64, "category": "IP_ADDRESS"}
    two.post(f"/assignments/{assignment.pk}/spans/", ip, headers=HTMX)
    assignment.refresh_from_db()
    assert [s["category"] for s in assignment.draft_spans] == ["NAME", "IP_ADDRESS"]
    assert web_submit(one, assignment).status_code == 200
    assert web_submit(two, assignment).status_code == 200  # the other tab: the same answer
    late = two.post(f"/assignments/{assignment.pk}/spans/", NAME, headers=HTMX)
    assert "closed" in late.content.decode()
    spans = Annotation.objects.get().spans.values_list("category", flat=True)
    assert sorted(spans) == ["IP_ADDRESS", "NAME"]


def test_nobody_can_claim_a_task_whose_overlap_is_held(alice, bob, project):
    held_by(alice, project)
    assert labeling.assignment_next(annotator=bob, project=project) is None
    response = client_for(bob).post(f"/api/v1/projects/{project.pk}/assignments/next")
    assert response.status_code == 204


def test_a_late_submit_for_a_task_that_reached_its_overlap_is_refused(alice, bob, project):
    late = held_by(alice, project)
    expire(late)  # the slot is free again: bob takes it and completes the task
    bobs = held_by(bob, project)
    assert api_submit(bob, bobs).status_code == 200
    assert Task.objects.get().status == Task.Status.COMPLETE

    assert api_submit(alice, late).status_code == 409
    assert "ran out" in web_submit(tab(alice), late).content.decode()
    task = Task.objects.get()
    assert task.submitted_count == 1  # never past its overlap
    assert Annotation.objects.filter(assignment__task=task).count() == 1

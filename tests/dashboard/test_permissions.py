"""Every dashboard page is for requesters only and scoped to their own projects."""

import pytest
from django.urls import reverse

from annotator.accounts.models import User
from tests import factories

pytestmark = pytest.mark.django_db

PROJECT_PAGES = [
    "dashboard:project-detail", "dashboard:project-edit", "dashboard:project-rules",
    "dashboard:project-gold", "dashboard:project-validation", "dashboard:disagreement-list",
    "dashboard:detector-compare",
]  # fmt: skip
GLOBAL_PAGES = [
    "dashboard:home", "dashboard:project-new", "dashboard:annotator-list", "dashboard:inbox",
    "dashboard:simulations",
]  # fmt: skip
POSTS = ["dashboard:project-status", "dashboard:detector-compare", "dashboard:project-gold"]


def urls_of(busy) -> list[str]:
    project = busy.project.pk
    urls = [reverse(name, args=[project]) for name in PROJECT_PAGES]
    urls += [reverse(name) for name in GLOBAL_PAGES]
    urls.append(reverse("dashboard:task-detail", args=[project, busy.tasks[0].pk]))
    urls.append(reverse("dashboard:annotator-detail", args=[busy.workers[0].pk]))
    return urls


def test_every_page_renders_for_the_requester(requester_client, busy):
    for url in urls_of(busy):
        response = requester_client.get(url)
        assert response.status_code == 200, url


def test_anonymous_visitors_are_sent_to_log_in(client, busy):
    for url in urls_of(busy):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.url, url


def test_annotators_get_403_everywhere(client, busy):
    client.force_login(busy.workers[0])
    for url in urls_of(busy):
        assert client.get(url).status_code == 403, url
    sanction = busy.workers[1].sanctions.first()
    assert client.post(reverse("dashboard:sanction-lift", args=[sanction.pk])).status_code == 403


def test_mallory_gets_404_on_requesters_project_pages(client, mallory, busy):
    client.force_login(mallory)
    project = busy.project.pk
    for name in PROJECT_PAGES:
        assert client.get(reverse(name, args=[project])).status_code == 404, name
    for name in POSTS:
        assert client.post(reverse(name, args=[project]), {}).status_code == 404, name
    task = reverse("dashboard:task-detail", args=[project, busy.tasks[0].pk])
    assert client.get(task).status_code == 404
    response = client.get(reverse("dashboard:annotator-list"))
    assert list(response.context["page"]) == []  # nobody worked in mallory's projects
    history = client.get(reverse("dashboard:annotator-detail", args=[busy.workers[0].pk]))
    assert list(history.context["assignments"]) == [] and list(history.context["sanctions"]) == []
    assert client.get(reverse("dashboard:inbox")).context["items"] == []


def test_mallory_cannot_open_a_task_of_her_project_under_requesters_id(client, mallory, busy):
    theirs = factories.ProjectFactory(owner=mallory)
    client.force_login(mallory)
    url = reverse("dashboard:task-detail", args=[theirs.pk, busy.tasks[0].pk])
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("who", ["superuser", "admin role"])
def test_admins_see_every_project(client, busy, who):
    admin = factories.UserFactory(
        username="root", role=User.Role.ADMIN if who == "admin role" else User.Role.ANNOTATOR,
        is_superuser=who == "superuser",
    )  # fmt: skip
    client.force_login(admin)
    assert (
        client.get(reverse("dashboard:project-detail", args=[busy.project.pk])).status_code == 200
    )
    rows = client.get(reverse("dashboard:annotator-list")).context["page"]
    assert {r.username for r in rows} == {"ann", "ben", "vera"}

"""The permission matrix over every endpoint: who gets in, who gets 401, 403 or 404."""

import pytest

from annotator.core.models import Job
from annotator.labeling.models import Assignment
from annotator.projects.models import Project
from tests import factories
from tests.api.conftest import client_for

SPAN = {"start": 0, "end": 4, "category": "NAME"}
CONTROL_ITEM = {"snippet": "{snippet}", "spans": [SPAN]}

# (method, path, body) for every endpoint only requesters (and admins) may use.
REQUESTER_ENDPOINTS = [
    ("get", "/api/v1/datasets", None),
    ("post", "/api/v1/datasets", {"name": "fresh"}),
    ("get", "/api/v1/datasets/{dataset}", None),
    ("post", "/api/v1/datasets/{dataset}/files", {"files": [{"path": "a.py", "content": "x=1\n"}]}),
    ("get", "/api/v1/datasets/{dataset}/snippets", None),
    ("get", "/api/v1/jobs/{job}", None),
    ("get", "/api/v1/projects", None),
    (
        "post",
        "/api/v1/projects",
        {"name": "p", "dataset": "{dataset}", "kind": "generation", "categories": ["NAME"]},
    ),
    ("get", "/api/v1/projects/{project}", None),
    ("post", "/api/v1/projects/{project}/start", None),
    ("post", "/api/v1/projects/{project}/pause", None),
    ("get", "/api/v1/projects/{project}/stats", None),
    ("post", "/api/v1/projects/{project}/control-tasks", {"items": [CONTROL_ITEM]}),
    ("get", "/api/v1/projects/{project}/export?format=jsonl&kind=raw", None),
    ("post", "/api/v1/annotators", {"username": "newbie", "password": "plum-violet-stapler-42"}),
    ("get", "/api/v1/annotators/{annotator}", None),
    ("patch", "/api/v1/annotators/{annotator}/skills", {"skills": {"NAME": 70}, "reason": "test"}),
]  # fmt: skip

# Endpoints that act on one object of the requester: another requester must get 404.
OBJECT_ENDPOINTS = [e for e in REQUESTER_ENDPOINTS if "{dataset}" in e[1] or "{project}" in e[1]]
OBJECT_ENDPOINTS += [e for e in REQUESTER_ENDPOINTS if "{job}" in e[1]]

ANNOTATOR_ENDPOINTS = [
    ("post", "/api/v1/projects/{project}/assignments/next", None),
    ("post", "/api/v1/assignments/{assignment}/submit", {"spans": [SPAN]}),
    ("post", "/api/v1/assignments/{assignment}/skip", None),
    ("post", "/api/v1/assignments/{assignment}/report", {"problem": "binary"}),
    ("get", "/api/v1/me", None),
]


@pytest.fixture
def ids(requester, alice, dataset, project):
    snippet = factories.SnippetFactory(source_file__dataset=dataset)
    task = factories.TaskFactory(project=project, snippet=snippet)
    assignment = factories.AssignmentFactory(task=task, annotator=alice)
    job = Job.objects.create(kind=Job.Kind.IMPORT, owner=requester)
    return {
        "dataset": dataset.pk,
        "project": project.pk,
        "snippet": snippet.pk,
        "job": job.pk,
        "annotator": alice.pk,
        "assignment": assignment.pk,
    }


def _fill(value, ids: dict):
    """Put the fixture ids into a path or body ("{project}" -> 12, kept an int in bodies)."""
    if isinstance(value, str):
        if value.startswith("{") and value.endswith("}") and value[1:-1] in ids:
            return ids[value[1:-1]]
        return value.format(**ids)
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    return value


def _call(client, endpoint, ids):
    method, path, body = endpoint
    kwargs = {"format": "json"} if body is not None else {}
    return getattr(client, method)(_fill(path, ids), _fill(body, ids), **kwargs)


def _id(endpoint) -> str:
    return f"{endpoint[0].upper()} {endpoint[1]}"


EVERY_ENDPOINT = [
    *REQUESTER_ENDPOINTS,
    *ANNOTATOR_ENDPOINTS,
    ("delete", "/api/v1/auth/token", None),
]


@pytest.mark.parametrize("endpoint", EVERY_ENDPOINT, ids=_id)
def test_anonymous_gets_401(anon, ids, endpoint):
    response = _call(anon, endpoint, ids)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize("endpoint", REQUESTER_ENDPOINTS, ids=_id)
def test_annotator_gets_403_on_requester_endpoints(as_alice, ids, endpoint):
    response = _call(as_alice, endpoint, ids)
    assert response.status_code == 403
    assert response.json()["detail"] == "This endpoint is for requesters."


@pytest.mark.parametrize("endpoint", OBJECT_ENDPOINTS, ids=_id)
def test_mallory_gets_404_on_the_requesters_objects(mallory, ids, endpoint):
    response = _call(client_for(mallory), endpoint, ids)
    assert response.status_code == 404


@pytest.mark.parametrize("caller", ["requester", "admin"])
@pytest.mark.parametrize("endpoint", REQUESTER_ENDPOINTS, ids=_id)
def test_the_owner_and_an_admin_are_let_in(request, ids, caller, endpoint):
    """Let in, not necessarily successful: starting an active project is a 409, say."""
    response = _call(client_for(request.getfixturevalue(caller)), endpoint, ids)
    assert response.status_code not in {401, 403, 404}, response.content
    assert response.status_code < 500


def test_mallory_lists_none_of_the_requesters_things(mallory, ids):
    client = client_for(mallory)
    assert client.get("/api/v1/datasets").json()["results"] == []
    assert client.get("/api/v1/projects").json()["results"] == []


def test_mallory_cannot_build_a_project_on_the_requesters_dataset(mallory, ids):
    body = {"name": "p", "dataset": ids["dataset"], "categories": ["NAME"]}
    response = client_for(mallory).post("/api/v1/projects", body, format="json")
    assert response.status_code == 400
    assert "dataset" in response.json()["errors"]
    assert not Project.objects.filter(owner__username="mallory").exists()


@pytest.mark.parametrize("endpoint", ANNOTATOR_ENDPOINTS[1:4], ids=_id)
def test_bob_cannot_touch_alices_assignment(bob, ids, endpoint):
    bob.consented_at = bob.date_joined
    bob.save()
    assert _call(client_for(bob), endpoint, ids).status_code == 404


@pytest.mark.parametrize(
    "body", [{"spans": [SPAN]}, {"spans": "not a list"}], ids=["valid", "malformed"]
)
def test_bob_submitting_alices_assignment_gets_404_whatever_the_body(bob, ids, body):
    bob.consented_at = bob.date_joined
    bob.save()
    url = f"/api/v1/assignments/{ids['assignment']}/submit"
    response = client_for(bob).post(url, body, format="json")
    assert response.status_code == 404
    assert response.json()["detail"] == "No Assignment matches the given query."
    assert Assignment.objects.get(pk=ids["assignment"]).status == Assignment.Status.IN_PROGRESS


def test_a_requester_cannot_take_tasks(as_requester, ids):
    response = as_requester.post(f"/api/v1/projects/{ids['project']}/assignments/next")
    assert response.status_code == 403
    assert "Requesters do not take tasks" in response.json()["detail"]

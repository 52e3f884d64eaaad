"""Hostile spans are refused with a message, through the API (400) and the page (the
error is shown, htmx style, and the draft is unchanged). The project labels NAME, EMAIL,
IP_ADDRESS and PASSWORD; the snippet is tests.quality.flow.CODE."""

import pytest
from django.test import Client

from annotator.labeling import services as labeling
from annotator.projects.services import SpanInput
from tests import factories
from tests.api.conftest import client_for
from tests.quality.flow import JANE, make_task

pytestmark = pytest.mark.django_db

HOSTILE = {
    "out of range": {"start": 80, "end": 10_000, "category": "NAME"},
    "negative": {"start": -3, "end": 5, "category": "NAME"},
    "reversed": {"start": 25, "end": 17, "category": "NAME"},
    "empty": {"start": 17, "end": 17, "category": "NAME"},
    "overlapping": {"start": 20, "end": 30, "category": "EMAIL"},  # crosses JANE (17-25)
    "unknown category": {"start": 27, "end": 45, "category": "CREDIT_CARD"},
    "category outside the project": {"start": 27, "end": 45, "category": "KEY"},
    "context on a category without one": {
        "start": 55,
        "end": 64,
        "category": "IP_ADDRESS",
        "context": "placeholder",
    },
}


@pytest.fixture
def held(requester, alice):
    project = factories.ProjectFactory(owner=requester)
    make_task(project)
    assignment = labeling.assignment_next(annotator=alice, project=project)
    labeling.assignment_span_add(assignment=assignment, span=SpanInput(*JANE))
    return assignment


@pytest.mark.parametrize("span", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_hostile_span_is_refused_by_the_api_with_a_400_and_a_message(alice, held, span):
    jane = dict(zip(("start", "end", "category"), JANE, strict=True))
    response = client_for(alice).post(
        f"/api/v1/assignments/{held.pk}/submit", {"spans": [jane, span]}, format="json"
    )
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid" and len(body["detail"]) > 10
    held.refresh_from_db()
    assert held.status == "in_progress"


@pytest.mark.parametrize("span", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_hostile_span_is_refused_by_the_page_with_a_message(alice, held, span):
    client = Client()
    client.force_login(alice)
    response = client.post(f"/assignments/{held.pk}/spans/", span, headers={"HX-Request": "true"})
    assert response.status_code == 200  # htmx swaps 200s only: the error is in the fragment
    held.refresh_from_db()
    if span.get("context") == "placeholder":
        # The page's form sends its context select with every category: the page drops a
        # context the category cannot have (the API, where it is deliberate, refuses it).
        assert [s["context"] for s in held.draft_spans] == ["real", "real"]
        return
    assert 'class="notice notice-error" role="alert"' in response.content.decode()
    assert [(s["start"], s["end"]) for s in held.draft_spans] == [(17, 25)]

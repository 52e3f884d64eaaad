"""CSRF: every state-changing URL refuses a cookie-authenticated request without a token."""

import pytest
from django.test import Client

from tests.security.test_permission_matrix import ROLES, RULES, url_for
from tests.security.world import build_world, url_patterns

# Nothing to forge: it takes no cookie, it trades a password for a token.
NO_COOKIE_AUTH = {"api:token"}


def _writes():
    return [
        p
        for p in url_patterns()
        if p.name in RULES and RULES[p.name].method != "GET" and p.name not in NO_COOKIE_AUTH
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("pattern", _writes(), ids=lambda p: p.name)
def test_a_post_without_a_csrf_token_is_refused(pattern):
    rule = RULES[pattern.name]
    world = build_world()
    role = "r" if rule.allowed == "*" else rule.allowed[0]
    client = Client(enforce_csrf_checks=True)
    client.force_login(getattr(world, ROLES[role]))
    response = getattr(client, rule.method.lower())(url_for(world, pattern))
    assert response.status_code == 403, response.status_code
    assert "CSRF" in response.content.decode()


@pytest.mark.django_db
def test_the_same_post_with_the_token_gets_through():
    """The refusal above is CSRF's doing: with the token, the span is added."""
    world = build_world()
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.alice)
    page = client.get(f"/projects/{world.project.pk}/work/")
    token = page.cookies["csrftoken"].value
    response = client.post(
        f"/assignments/{world.assignment.pk}/spans/",
        {"start": 17, "end": 25, "category": "NAME"},
        headers={"X-CSRFToken": token, "HX-Request": "true"},
    )
    assert response.status_code == 200
    world.assignment.refresh_from_db()
    assert len(world.assignment.draft_spans) == 1

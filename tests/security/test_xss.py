"""Hostile text renders verbatim on every page, under a CSP that forbids inline script.

The corpus is seeded everywhere people can put text: snippet code, file paths, dataset
and project names, instructions, feedback, sanction reasons and usernames. Then every
GET page of the site is fetched as every role allowed on it.
"""

import re

import pytest
from django.test import Client

from annotator.dashboard import services as dashboard_services
from annotator.labeling import services as labeling
from annotator.quality.services import rules
from tests import factories
from tests.security.test_permission_matrix import ROLES, RULES, url_for
from tests.security.world import build_world, url_patterns

PAYLOADS = [
    "<script>alert(1)</script>",
    "</pre><img src=x onerror=alert(1)>",
    "{{ 7*7 }}",
    "{% debug %}",
    "&lt;b&gt;",
    "\"'><svg onload=alert(1)>",
    "javascript:alert(1)",
    "\u202eevil.exe\u202c",
    "bell\x07 escape\x1b[31m tab\tend",
]
ONE_LINE = " ".join(PAYLOADS[:7])
CODE = "".join(f"x = {p}\n" for p in PAYLOADS)
# What must never reach a browser unescaped.
RAW = ["<script>alert", "<img src=x", "<svg onload", 'href="javascript:', 'src="javascript:']
FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.IGNORECASE | re.DOTALL)


def hostile_world():
    world = build_world(text=CODE)
    world.project.name = world.project.instructions = ONE_LINE
    world.project.save(update_fields=["name", "instructions"])
    world.dataset.name = world.dataset.description = ONE_LINE
    world.dataset.save(update_fields=["name", "description"])
    world.snippet.source_file.path = f"src/{ONE_LINE}.py"
    world.snippet.source_file.save(update_fields=["path"])
    evil = factories.UserFactory(username="<svg onload=alert(1)>")
    labeling.assignment_next(annotator=evil, project=world.project)
    rules.sanction_impose(
        annotator=evil, project=world.project, rule="manual", action="warn", reason=ONE_LINE
    )
    dashboard_services.feedback_send(
        annotator=world.alice, project=world.project, body=ONE_LINE, assignment=world.assignment
    )
    return world


def check_page(name: str, role: str, response) -> None:
    if "text/html" not in response.get("Content-Type", ""):
        return
    csp = response.get("Content-Security-Policy", "")
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp, (name, role, csp)
    html = response.content.decode()
    for raw in RAW:
        assert raw not in html, (name, role, raw)
    assert "&lt;b&gt;" not in html.replace("&amp;lt;b&amp;gt;", ""), (name, role)
    for attributes, body in FORM.findall(html):
        if 'method="post"' in attributes.lower():
            assert 'name="csrfmiddlewaretoken"' in body, (name, role, attributes)


@pytest.mark.django_db
def test_hostile_text_renders_verbatim_on_every_page_for_every_role():
    world = hostile_world()
    pages = 0
    for pattern in url_patterns():
        rule = RULES[pattern.name]
        if rule.method != "GET":
            continue
        roles = ROLES if rule.allowed == "*" else rule.allowed
        for role in roles:
            client = Client()
            if ROLES[role] is not None:
                client.force_login(getattr(world, ROLES[role]))
            response = client.get(url_for(world, pattern))
            assert response.status_code < 500, (pattern.name, role)
            check_page(pattern.name, role, response)
            pages += response.status_code == 200
    assert pages > 40  # the crawl really saw the site


@pytest.mark.django_db
def test_the_labeling_page_shows_the_hostile_code_as_text():
    world = hostile_world()
    client = Client()
    client.force_login(world.alice)
    html = client.get(f"/projects/{world.project.pk}/work/").content.decode()
    for escaped in ("&lt;script&gt;alert(1)&lt;/script&gt;", "{{ 7*7 }}", "{% debug %}"):
        assert escaped in html
    assert "&amp;lt;b&amp;gt;" in html and "\u202e" in html


@pytest.mark.django_db
def test_the_dashboard_shows_hostile_names_as_text():
    world = hostile_world()
    client = Client()
    client.force_login(world.requester)
    html = client.get(f"/dashboard/datasets/{world.dataset.pk}/").content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "src/&lt;script&gt;" in html

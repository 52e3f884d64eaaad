"""The OpenAPI schema and the docs page that renders it under the site's CSP."""

import os

import pytest
import yaml

from annotator.api.urls import v1

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop in the test

CONTRACT = {
    "/api/v1/auth/token": {"post", "delete"},
    "/api/v1/datasets": {"get", "post"},
    "/api/v1/datasets/{dataset_id}/files": {"post"},
    "/api/v1/datasets/{dataset_id}/snippets": {"get"},
    "/api/v1/jobs/{job_id}": {"get"},
    "/api/v1/projects": {"get", "post"},
    "/api/v1/projects/{project_id}/start": {"post"},
    "/api/v1/projects/{project_id}/pause": {"post"},
    "/api/v1/projects/{project_id}/stats": {"get"},
    "/api/v1/projects/{project_id}/control-tasks": {"post"},
    "/api/v1/projects/{project_id}/export": {"get"},
    "/api/v1/projects/{project_id}/assignments/next": {"post"},
    "/api/v1/assignments/{assignment_id}/submit": {"post"},
    "/api/v1/assignments/{assignment_id}/skip": {"post"},
    "/api/v1/assignments/{assignment_id}/report": {"post"},
    "/api/v1/annotators": {"post"},
    "/api/v1/annotators/{annotator_id}": {"get"},
    "/api/v1/annotators/{annotator_id}/skills": {"patch"},
    "/api/v1/me": {"get"},
}


@pytest.fixture
def schema(anon, db) -> dict:
    response = anon.get("/api/schema/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi")
    return yaml.safe_load(response.content)


def test_the_schema_is_openapi_3_with_every_contract_path(schema):
    assert schema["openapi"].startswith("3.")
    for path, methods in CONTRACT.items():
        assert methods <= set(schema["paths"].get(path, {})), path
    assert len(schema["paths"]) == len(v1)  # every route is documented, nothing else


def test_the_schema_documents_token_auth_pagination_and_errors(schema):
    assert schema["components"]["securitySchemes"]["tokenAuth"]["type"] == "apiKey"
    snippets = schema["paths"]["/api/v1/datasets/{dataset_id}/snippets"]["get"]
    page = snippets["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert page.endswith("/PaginatedSnippetList")
    create = schema["paths"]["/api/v1/projects"]["post"]["responses"]
    assert create["400"]["content"]["application/json"]["schema"]["$ref"].endswith("/Error")
    nxt = schema["paths"]["/api/v1/projects/{project_id}/assignments/next"]["post"]
    assert {"200", "204", "403"} <= set(nxt["responses"])


def test_the_schema_comes_as_json_too(anon, db):
    response = anon.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.json()["info"]["title"] == "annotator API"


def test_the_task_payload_has_no_gold_in_the_schema(schema):
    payload = schema["components"]["schemas"]["TaskPayload"]["properties"]
    assert not {"gold_spans", "is_control", "explanation"} & set(payload)


def test_the_docs_page_loads_its_files_from_our_own_origin(anon, db):
    response = anon.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "<style" not in html and "<script>" not in html  # nothing inline for CSP to block
    assert "script-src 'self'" in response["Content-Security-Policy"]
    init = anon.get("/api/docs/?script=")
    assert init["Content-Type"].startswith("application/javascript")
    assert '"/api/schema/"' in init.content.decode()


@pytest.mark.browser
def test_the_docs_page_renders_in_a_browser_without_csp_violations(live_server, page):
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".opblock", timeout=15000)
    assert page.locator(".opblock").count() >= len(CONTRACT)
    assert page.console_errors == []

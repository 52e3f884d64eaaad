"""Property-based run of the whole API from its own schema: no input may cause a 500.

Schemathesis reads the schema served at /api/schema/, generates valid and invalid
requests for every operation and sends them to the WSGI app in-process (no server;
same database transaction as the test). Path ids point at the requester's real
objects, so requests reach the validation and the services rather than a 404.
"""

import json

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from django.test import Client, override_settings
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from annotator.core.models import Job
from annotator.wsgi import application
from tests import factories
from tests.api.conftest import client_for

MAX_EXAMPLES = 5


def _served_schema() -> dict:
    # Loaded at collection, before pytest-django opens the test hosts; no database needed.
    # (schemathesis.pytest.from_fixture would load it later, but its lazy loader breaks on
    # pytest 9: it writes Function._nodeid, which pytest 9 no longer has.)
    with override_settings(ALLOWED_HOSTS=["testserver"]):
        response = Client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200, response.content
    return json.loads(response.content)


schema = schemathesis.openapi.from_dict(_served_schema())
schema.app = application


@pytest.fixture
def wsgi_in_test_transaction(db, settings):
    settings.ALLOWED_HOSTS = ["localhost"]  # the Host header schemathesis sends
    # The bare WSGI app would close the test's connection after each request (it is
    # inside the test transaction); Django's own test client unhooks this the same way.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def real_ids(requester, alice, dataset, project) -> dict:
    snippets = factories.SnippetFactory.create_batch(2, source_file__dataset=dataset)
    factories.TaskFactory(project=project, snippet=snippets[0])
    assignment = factories.AssignmentFactory(task__project=project, annotator=requester)
    job = Job.objects.create(kind=Job.Kind.IMPORT, owner=requester)
    return {
        "dataset_id": dataset.pk,
        "project_id": project.pk,
        "job_id": job.pk,
        "annotator_id": alice.pk,
        "assignment_id": assignment.pk,
    }


@pytest.fixture
def token_header(requester) -> dict:
    return {"Authorization": client_for(requester)._credentials["HTTP_AUTHORIZATION"]}


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,  # the same requests on every run: a CI failure reproduces
)
def test_no_request_makes_the_api_fail(case, wsgi_in_test_transaction, real_ids, token_header):
    if case.path_parameters:
        case.path_parameters = {k: real_ids.get(k, v) for k, v in case.path_parameters.items()}
    case.call_and_validate(headers=token_header, checks=[not_a_server_error])

"""PostgreSQL restarted while annotators work: the app recovers by itself, and a submit in
flight either succeeds or fails with a clear retryable 503, never half-written.

A restart is, for the app, its connections being closed by the server. The tests do just
that to the app's own connections (pg_terminate_backend from a second connection), on a
live server with real threads and persistent connections, without touching anyone
else's database, and for the web page as well as the API.

A real restart of a real server is tested too, in test_postgres_restart.py: a throwaway
cluster restarted (`pg_ctl restart -m fast`, and stopped for 3 s then started) under the app
running in gunicorn, with the same outcome: only successes and retryable 503s, recovery
without restarting the app, each acknowledged submit stored once and nothing half-written.
"""

import threading

import psycopg
import pytest
import requests
from django.conf import settings
from django.db import connection
from django.test import Client

from annotator.labeling import services as labeling
from annotator.labeling.models import Annotation, Assignment
from annotator.projects.services import SpanInput
from annotator.quality.models import LedgerEntry
from tests import factories
from tests.api.conftest import client_for
from tests.quality.flow import JANE, make_task
from tests.reliability.processes import wait_for, worker_database_url

pytestmark = [pytest.mark.django_db(transaction=True)]


def admin_connection() -> psycopg.Connection:
    url = worker_database_url().replace("postgres://", "postgresql://")
    return psycopg.connect(url, autocommit=True)


def terminate_app_connections(*, waiting_on_a_lock: bool = False) -> int:
    """Close the live server's connections to the test database, as a restart would.

    The test's own connection (it checks the rows afterwards) is spared.
    """
    connection.ensure_connection()
    own = connection.connection.info.backend_pid
    condition = "AND wait_event_type = 'Lock'" if waiting_on_a_lock else ""
    with admin_connection() as conn:
        rows = conn.execute(
            f"""SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                WHERE datname = current_database() AND pid <> pg_backend_pid()
                AND pid <> %s {condition}""",
            [own],
        ).fetchall()
    return len(rows)


def browser_for(live_server, user) -> requests.Session:
    client = Client()
    client.force_login(user)
    session = requests.Session()
    session.cookies.set(
        settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value
    )
    return session


@pytest.fixture
def held(requester, alice):
    project = factories.ProjectFactory(owner=requester, overlap=1, reward_cents=5)
    make_task(project)
    assignment = labeling.assignment_next(annotator=alice, project=project)
    labeling.assignment_span_add(assignment=assignment, span=SpanInput(*JANE))
    return assignment


def test_the_first_request_after_a_restart_succeeds(live_server, alice, held):
    browser = browser_for(live_server, alice)
    page = f"{live_server.url}/projects/{held.task.project_id}/work/"
    assert browser.get(page, timeout=10).status_code == 200
    assert terminate_app_connections() >= 1  # the server thread's persistent connection
    assert browser.get(page, timeout=10).status_code == 200  # CONN_HEALTH_CHECKS reconnects


def _submit_web(live_server, alice, assignment):
    browser = browser_for(live_server, alice)
    browser.get(f"{live_server.url}/projects/{assignment.task.project_id}/work/", timeout=10)
    token = browser.cookies.get("csrftoken")
    browser.cookies.set("csrftoken", token)  # Secure cookies are not sent over http
    url = f"{live_server.url}/assignments/{assignment.pk}/submit/"
    headers = {"X-CSRFToken": token, "HX-Request": "true", "Referer": live_server.url}
    return lambda: browser.post(url, data={}, headers=headers, timeout=20)


def _submit_api(live_server, alice, assignment):
    token = client_for(alice)._credentials["HTTP_AUTHORIZATION"]
    url = f"{live_server.url}/api/v1/assignments/{assignment.pk}/submit"
    body = {"spans": [{"start": 17, "end": 25, "category": "NAME"}]}
    return lambda: requests.post(url, json=body, headers={"Authorization": token}, timeout=20)


@pytest.mark.parametrize("via", [_submit_web, _submit_api], ids=["web", "api"])
def test_a_submit_cut_off_mid_transaction_writes_nothing_and_can_be_retried(
    live_server, alice, held, via
):
    submit = via(live_server, alice, held)
    answers = []
    with admin_connection() as blocker:
        # Hold the task row: the submit writes its annotation, spans and reward, then waits
        # on its last statement (counting the slot), in the middle of its transaction.
        blocker.autocommit = False
        blocker.execute("SELECT 1 FROM projects_task WHERE id = %s FOR UPDATE", [held.task_id])
        thread = threading.Thread(target=lambda: answers.append(submit()))
        thread.start()
        wait_for(
            lambda: terminate_app_connections(waiting_on_a_lock=True),
            timeout=15,
            what="the submit to wait inside its transaction",
        )
        blocker.rollback()
    thread.join(timeout=20)
    cut = answers[0]
    assert cut.status_code == 503 and cut.headers["Retry-After"] == "5"
    assert "nothing was saved" in cut.text and "try again" in cut.text
    held.refresh_from_db()
    assert held.status == Assignment.Status.IN_PROGRESS
    assert not Annotation.objects.filter(assignment=held).exists()
    assert not LedgerEntry.objects.filter(assignment=held).exists()
    held.task.refresh_from_db()
    assert held.task.submitted_count == 0

    retried = submit()

    assert retried.status_code == 200
    annotation = Annotation.objects.get(assignment=held)
    assert list(annotation.spans.values_list("start", "end", "category")) == [JANE]
    assert LedgerEntry.objects.filter(assignment=held).count() == 1
    held.task.refresh_from_db()
    assert held.task.submitted_count == 1

"""PostgreSQL really restarted while an annotator works through the API.

A throwaway cluster (initdb and pg_ctl in a temp dir, 127.0.0.1 on a free port) is
migrated and seeded; the app runs under gunicorn against it, and an annotator takes and
submits tasks in a loop while the cluster is restarted (`pg_ctl restart -m fast`), then
stopped for 3 s and started again, and finally restarted while a submit waits inside its
transaction, after its annotation, spans and reward were written.

The outcome: each answer is a success or the retryable 503 (Retry-After: 5, code
`database_unavailable`), never a 500, and a 503 only for a request in flight while the
server was away; the same gunicorn workers serve the first request after each restart, and
it succeeds; the database holds each acknowledged submit once and whole (annotation, spans,
reward, counted slot) and nothing of the cut one until its retry succeeds.
"""

import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

import psycopg
import pytest
import requests
from django.conf import settings

from tests.quality.flow import EMAIL, JANE
from tests.reliability.processes import AppServer, Postgres, Redis, wait_for

SPANS = [JANE, EMAIL]
PAUSE = 0.05  # between retries of a 503 (a real client waits Retry-After: 5 s)
MAX_CALLS = 4000  # bounds the loop even if a deadline were missed
SEED = (
    "import json; from tests.reliability.builders import annotator_with_tasks; "
    "print(json.dumps(annotator_with_tasks(tasks=200)))"
)


def manage(database: Postgres, *args: str) -> str:
    """`manage.py <args>` against the throwaway cluster; its standard output."""
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DATABASE_URL": database.url},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, f"manage.py {args[0]} failed:\n{done.stderr}"
    return done.stdout


def connect(database: Postgres) -> psycopg.Connection:
    return psycopg.connect(database.url.replace("postgres://", "postgresql://"), autocommit=True)


@pytest.fixture
def database():
    cluster = Postgres()
    try:
        cluster.create()
        manage(cluster, "migrate", "--noinput")
        yield cluster
    finally:
        cluster.destroy()


@pytest.fixture
def server(database, tmp_path):
    broker = Redis()  # its own: the jobs the submits enqueue are never run, then dropped
    app = AppServer(database_url=database.url, redis_url=broker.url, log=tmp_path / "web.log")
    try:
        broker.start()
        yield app.start()
    finally:
        app.stop()
        broker.stop()


@dataclass(frozen=True)
class Call:
    action: str  # "next" or "submit"
    assignment: int | None
    sent: float  # time.monotonic()
    answered: float
    status: int  # 0: no HTTP answer at all
    retry_after: str | None
    body: str


class Annotator:
    """One annotator on the API: take the next task, submit it, retry a 503 after a pause."""

    def __init__(self, url: str, *, project: int, authorization: str):
        self.url, self.project = url, project
        self.session = requests.Session()
        self.session.headers["Authorization"] = authorization
        self.calls: list[Call] = []
        self.stop = threading.Event()

    def _post(self, action: str, path: str, assignment: int | None, body=None):
        sent = time.monotonic()
        try:
            response = self.session.post(f"{self.url}{path}", json=body, timeout=20)
        except requests.RequestException as exc:
            self.calls.append(Call(action, assignment, sent, time.monotonic(), 0, None, repr(exc)))
            return None
        retry_after = response.headers.get("Retry-After")
        self.calls.append(
            Call(action, assignment, sent, time.monotonic(), response.status_code, retry_after,
                 response.text)
        )  # fmt: skip
        return response

    def next(self):
        return self._post("next", f"/api/v1/projects/{self.project}/assignments/next", None)

    def submit(self, assignment: int):
        body = {"spans": [{"start": s, "end": e, "category": c} for s, e, c in SPANS]}
        body["time_spent_ms"] = 20_000
        return self._post("submit", f"/api/v1/assignments/{assignment}/submit", assignment, body)

    def work(self) -> None:
        """Take and submit tasks until told to stop (or out of tasks or calls)."""
        while not self.stop.is_set() and len(self.calls) < MAX_CALLS:
            taken = self.next()
            if taken is not None and taken.status_code == 204:
                return  # no task left: the waits below then time out and say so
            if taken is None or taken.status_code != 200:
                time.sleep(PAUSE)
                continue
            while not self.stop.is_set() and len(self.calls) < MAX_CALLS:
                answer = self.submit(taken.json()["id"])
                if answer is not None and answer.status_code != 503:
                    break
                time.sleep(PAUSE)

    def wait_for_submits(self, count: int, *, sent_after: float) -> None:
        wait_for(
            lambda: sum(
                c.action == "submit" and c.status == 200 and c.sent >= sent_after
                for c in self.calls
            ) >= count,
            timeout=20,
            what=f"{count} submits to succeed",
        )  # fmt: skip


def timed(action) -> tuple[float, float]:
    begin = time.monotonic()
    action()
    return begin, time.monotonic()


def stop_for_a_while(database: Postgres) -> None:
    database.stop()
    time.sleep(3)
    database.start()


def waiting_on_a_lock(database: Postgres) -> int:
    with connect(database) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        ).fetchone()
    return row[0] if row else 0


def restart_during_a_submit(database: Postgres, ann: Annotator) -> tuple[int, tuple]:
    """Restart while a submit has written its annotation, spans and reward and waits for
    the task row (held by another session) to count its slot."""
    held = ann.next().json()
    blocker = connect(database)
    try:
        # NO KEY UPDATE blocks the count's UPDATE but not the foreign-key checks at COMMIT
        # (KEY SHARE): a submit that committed before counting would be caught half-written.
        blocker.execute("BEGIN")
        blocker.execute(
            "SELECT 1 FROM projects_task WHERE id = %s FOR NO KEY UPDATE", [held["task"]["id"]]
        )
        submit = threading.Thread(target=ann.submit, args=(held["id"],))
        submit.start()
        wait_for(lambda: waiting_on_a_lock(database), timeout=15, what="the submit to wait")
        window = timed(database.restart)
        submit.join(timeout=25)
        assert not submit.is_alive()
    finally:
        blocker.close()
    return held["id"], window


def stored(database: Postgres) -> dict[int, tuple]:
    """Per assignment: status, annotations, spans, ledger entries."""
    with connect(database) as conn:
        rows = conn.execute(
            """SELECT a.id, a.status,
                 (SELECT count(*) FROM labeling_annotation n WHERE n.assignment_id = a.id),
                 (SELECT count(*) FROM labeling_span s
                  JOIN labeling_annotation n ON n.id = s.annotation_id
                  WHERE n.assignment_id = a.id),
                 (SELECT count(*) FROM quality_ledgerentry l WHERE l.assignment_id = a.id)
               FROM labeling_assignment a"""
        ).fetchall()
    return {row[0]: tuple(row[1:]) for row in rows}


def miscounted_tasks(database: Postgres) -> list[tuple]:
    with connect(database) as conn:
        return conn.execute(
            """SELECT t.id, t.submitted_count, count(n.id) FROM projects_task t
               LEFT JOIN labeling_assignment a ON a.task_id = t.id
               LEFT JOIN labeling_annotation n ON n.assignment_id = a.id
               GROUP BY t.id HAVING t.submitted_count <> count(n.id) OR count(n.id) > 1"""
        ).fetchall()


def loose_ledger_entries(database: Postgres) -> int:
    with connect(database) as conn:
        row = conn.execute(
            """SELECT count(*) FROM quality_ledgerentry l WHERE NOT EXISTS
                 (SELECT 1 FROM labeling_annotation n WHERE n.assignment_id = l.assignment_id)"""
        ).fetchone()
    return row[0] if row else -1


def assert_clear_and_retryable(call: Call) -> None:
    assert call.retry_after == "5", call
    answer = json.loads(call.body)
    assert answer["code"] == "database_unavailable", call
    assert "nothing was saved" in answer["detail"] and "try again" in answer["detail"]


def assert_503_only_while_away(calls: list[Call], windows: list[tuple]) -> None:
    """Every answer is a success or the retryable 503, and a 503 only for a request in
    flight while the server was away: the first request after a restart succeeds."""
    assert {c.status for c in calls} <= {200, 503}, [c for c in calls if c.status not in (200, 503)]
    for call in (c for c in calls if c.status == 503):
        assert_clear_and_retryable(call)
        assert any(call.sent <= end and call.answered >= begin for begin, end in windows), call


def assert_stored_once_and_whole(database: Postgres, acknowledged: set[int]) -> None:
    """An acknowledged submit: one annotation with its spans, one reward, a counted slot.
    Anything else: nothing at all."""
    rows = stored(database)
    assert acknowledged <= set(rows)
    for assignment, row in rows.items():
        whole = ("submitted", 1, len(SPANS), 1)
        assert row == (whole if assignment in acknowledged else ("in_progress", 0, 0, 0)), (
            assignment,
            row,
        )
    assert miscounted_tasks(database) == []
    assert loose_ledger_entries(database) == 0


@pytest.mark.worker
def test_a_real_restart_mid_work_gives_503s_and_keeps_every_acknowledged_submit_once(
    database, server
):
    ann = Annotator(server.url, **json.loads(manage(database, "shell", "-v", "0", "-c", SEED)))
    workers = server.worker_pids()
    loop = threading.Thread(target=ann.work, daemon=True)
    loop.start()
    try:
        ann.wait_for_submits(5, sent_after=0)
        windows = [timed(database.restart)]
        ann.wait_for_submits(5, sent_after=windows[-1][1])
        windows.append(timed(lambda: stop_for_a_while(database)))
        ann.wait_for_submits(5, sent_after=windows[-1][1])
    finally:
        ann.stop.set()
        loop.join(timeout=30)
    assert not loop.is_alive()
    assert any(c.status == 503 and c.sent >= windows[1][0] for c in ann.calls)  # it was away
    cut, window = restart_during_a_submit(database, ann)
    windows.append(window)

    assert_clear_and_retryable(ann.calls[-1])
    assert stored(database)[cut] == ("in_progress", 0, 0, 0)  # no annotation, span, reward
    assert miscounted_tasks(database) == []  # nor a counted slot
    assert ann.submit(cut).status_code == 200  # the retry

    assert_503_only_while_away(ann.calls, windows)
    # Recovered by itself: the same gunicorn master and workers throughout.
    assert server.process.poll() is None and server.worker_pids() == workers
    acknowledged = {c.assignment for c in ann.calls if c.action == "submit" and c.status == 200}
    assert_stored_once_and_whole(database, acknowledged)

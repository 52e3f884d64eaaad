"""Real processes for the fault tests: Celery workers, a throwaway Redis, free ports.

Each helper cleans up after itself (kill by pid, wait), so a failing test leaves no
process behind and the test database can be dropped at the end of the run.
"""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from django.conf import settings

from annotator import celery_app

VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(condition: Callable[[], object], *, timeout: float, what: str, step=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"Timed out after {timeout:.0f}s waiting for {what}.")


def worker_database_url() -> str:
    db = settings.DATABASES["default"]
    user, host, port = db.get("USER") or "postgres", db.get("HOST") or "127.0.0.1", db.get("PORT")
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{host}:{port or 5432}/{db['NAME']}"


class Worker:
    """`celery worker -P solo` on one queue, against the test database."""

    def __init__(self, *, queue: str, broker: str, log: Path, env: dict | None = None):
        self.log = log
        self.env = {
            **os.environ,
            "DATABASE_URL": worker_database_url(),
            "REDIS_URL": broker,
            "PYTHONUNBUFFERED": "1",
            **(env or {}),
        }
        self.args = [
            str(VENV_BIN / "celery"), "-A", "annotator", "worker", "-P", "solo", "-Q", queue,
            "--without-heartbeat", "--without-gossip", "--without-mingle", "-l", "INFO",
        ]  # fmt: skip
        self.process: subprocess.Popen | None = None

    def start(self) -> "Worker":
        out = self.log.open("ab")
        self.process = subprocess.Popen(
            self.args, env=self.env, stdout=out, stderr=subprocess.STDOUT, cwd=settings.BASE_DIR
        )
        return self

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def kill(self) -> None:
        """SIGKILL: no shutdown, no ack, no requeue: what an OOM kill or a power cut does."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


class Redis:
    """A private redis-server on a free port, no persistence: stopping it loses everything."""

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "Redis":
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for(self._answers, timeout=10, what="redis-server to start")
        return self

    def _answers(self) -> bool:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), 0.2):
            return True
        return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


@contextlib.contextmanager
def broker_at(url: str) -> Iterator[None]:
    """Point this process's Celery app at another broker, and back afterwards."""
    old = celery_app.conf.broker_url
    _switch(url)
    try:
        yield
    finally:
        _switch(old)


def _switch(url: str) -> None:
    # Forget the app's pools without closing them: kombu keeps one pool per broker URL
    # and hands the same one back when we switch back.
    celery_app.conf.broker_url = url
    celery_app._after_fork()

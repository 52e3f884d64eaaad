"""Real processes for the fault tests: Celery workers, a throwaway Redis, a throwaway
PostgreSQL cluster, the app under gunicorn, free ports.

Each helper cleans up after itself (kill by pid, wait), so a failing test leaves no
process behind and the test database can be dropped at the end of the run.
"""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import requests
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


class LoggedProcess:
    """A child process whose output goes to `log`; `args` and `env` set by the subclass."""

    args: list[str]
    env: dict
    log: Path
    process: subprocess.Popen | None = None

    def _launch(self) -> None:
        out = self.log.open("ab")
        self.process = subprocess.Popen(
            self.args, env=self.env, stdout=out, stderr=subprocess.STDOUT, cwd=settings.BASE_DIR
        )

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


class Worker(LoggedProcess):
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

    def start(self) -> "Worker":
        self._launch()
        return self


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


def _pg_bin() -> Path:
    """The newest PostgreSQL server binaries Debian installed (/usr/lib/postgresql/<major>)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parts[-3]))
    if not found:
        raise AssertionError("No PostgreSQL server binaries under /usr/lib/postgresql.")
    return found[-1].parent


class Postgres:
    """A throwaway PostgreSQL cluster: its own data directory and socket in a temp dir, a
    free port on 127.0.0.1 only. Unlike the shared server, it can really be restarted.

    Runs as the `postgres` OS user when the tests run as root (the server refuses root).
    `destroy()` stops it whatever state it is in and removes the directory.
    """

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="annotator-pg-"))
        self.data = self.dir / "data"
        self.log = self.dir / "server.log"

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/annotator"

    def _run(self, program: str, *args: str, timeout: float = 30) -> None:
        command = [str(_pg_bin() / program), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(
            command, cwd=self.dir, capture_output=True, text=True, timeout=timeout, check=False
        )
        if done.returncode != 0:
            log = self.text()[-2000:]
            raise AssertionError(
                f"{program} {' '.join(args)} failed:\n{done.stdout}{done.stderr}{log}"
            )

    def _ctl(self, action: str, *args: str) -> None:
        # -w: return once the server accepts connections (or is fully down); -t bounds that.
        self._run("pg_ctl", action, "-D", str(self.data), "-w", "-t", "20", *args, timeout=30)

    def create(self) -> "Postgres":
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust",
                  "-E", "UTF8", "--no-locale", "--no-sync")  # fmt: skip
        self.start()
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "annotator")
        return self

    def start(self) -> None:
        self._ctl("start", "-l", str(self.log), "-o", self._options())

    def restart(self) -> None:
        """`pg_ctl restart -m fast`: sessions are cut, open transactions rolled back."""
        self._ctl("restart", "-m", "fast", "-l", str(self.log), "-o", self._options())

    def stop(self) -> None:
        self._ctl("stop", "-m", "fast")

    def _options(self) -> str:
        return f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.dir}"

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def destroy(self) -> None:
        pidfile = self.data / "postmaster.pid"
        try:
            if pidfile.exists():
                self._ctl("stop", "-m", "immediate")
        except (AssertionError, subprocess.TimeoutExpired):
            with contextlib.suppress(OSError, ValueError, IndexError):  # our own postmaster
                os.kill(int(pidfile.read_text().split()[0]), signal.SIGKILL)
            raise
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


class AppServer(LoggedProcess):
    """The app under gunicorn on 127.0.0.1, as production runs it (docker-compose.yml)."""

    def __init__(self, *, database_url: str, redis_url: str, log: Path, workers: int = 2, env=None):
        self.port = free_port()
        self.log = log
        self.workers = workers
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "ALLOWED_HOSTS": "127.0.0.1",
            "DEBUG": "0",
            "SECURE_SSL_REDIRECT": "0",
            "STATIC_MANIFEST": "0",
            "API_THROTTLE_USER": "100000/minute",  # the tests call faster than people do
            "PYTHONUNBUFFERED": "1",
            **(env or {}),
        }
        self.args = [
            str(VENV_BIN / "gunicorn"), "annotator.wsgi:application",
            "--bind", f"127.0.0.1:{self.port}", "--workers", str(workers),
            "--timeout", "30", "--graceful-timeout", "5", "--access-logfile", "-",
        ]  # fmt: skip

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "AppServer":
        self._launch()
        wait_for(self._healthy, timeout=30, what="gunicorn to answer /healthz")
        wait_for(lambda: len(self.worker_pids()) == self.workers, timeout=10, what="the workers")
        return self

    def _healthy(self) -> bool:
        assert self.process and self.process.poll() is None, f"gunicorn exited:\n{self.text()}"
        with contextlib.suppress(requests.RequestException):
            return requests.get(f"{self.url}/healthz", timeout=2).status_code == 200
        return False

    def worker_pids(self) -> set[int]:
        """The master's children: a worker that died or was replaced changes this set."""
        assert self.process is not None
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return {int(pid) for pid in children.read_text().split()}

"""A local HTTP server and a Celery worker for a simulation run, inside this process.

`simulate` uses them when no `--url` is given: Django's threaded live server bound to
127.0.0.1 on a free port (one thread per request, like the test live server), and, when
a broker is configured, an embedded Celery worker so import and aggregation jobs run.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext

from django.conf import settings
from django.test.testcases import LiveServerThread
from django.test.utils import override_settings
from rest_framework.throttling import SimpleRateThrottle

HOST = "127.0.0.1"
# Every simulated annotator calls from 127.0.0.1: the per-address password throttle
# (10/minute) would refuse the crowd's logins, and a per-user rate meant for people
# would slow a crowd that clicks without thinking.
SIMULATION_RATES = {"auth": "100000/minute", "user": "1000000/minute", "anon": "100000/minute"}


@contextmanager
def generous_throttles() -> Iterator[None]:
    # DRF binds the rates dict to the throttle class at import: swap it, then restore.
    saved = SimpleRateThrottle.THROTTLE_RATES
    SimpleRateThrottle.THROTTLE_RATES = {**saved, **SIMULATION_RATES}
    try:
        yield
    finally:
        SimpleRateThrottle.THROTTLE_RATES = saved


def _no_static(handler):
    return handler


# Enrolling and logging in a simulated annotator hashes its password twice (~0.3 s each
# with PBKDF2): most of a small run's setup. Its accounts are locked after the run
# (scenario_retire), so a fast hasher is used for new hashes; old ones still verify.
FAST_HASHER = "django.contrib.auth.hashers.MD5PasswordHasher"


@contextmanager
def local_server() -> Iterator[str]:
    """Serve the app on 127.0.0.1 (free port) for the duration; yields the base URL."""
    overrides = {
        "ALLOWED_HOSTS": [*settings.ALLOWED_HOSTS, HOST],
        "SECURE_SSL_REDIRECT": False,
        "PASSWORD_HASHERS": [FAST_HASHER, *settings.PASSWORD_HASHERS],
    }
    with override_settings(**overrides), generous_throttles():
        thread = LiveServerThread(HOST, _no_static, port=0)
        thread.daemon = True
        thread.start()
        thread.is_ready.wait()
        if thread.error:
            raise thread.error
        try:
            yield f"http://{HOST}:{thread.port}"
        finally:
            thread.terminate()


def embedded_worker():
    """A Celery worker thread on the configured broker, or nothing when jobs run eagerly."""
    from annotator import celery_app

    if celery_app.conf.task_always_eager:
        return nullcontext()
    from celery.contrib.testing.worker import start_worker

    return start_worker(celery_app, perform_ping_check=False, shutdown_timeout=30)

"""The throttles count in one Redis round trip and decide exactly as DRF's history list."""

import threading
from types import SimpleNamespace

import pytest
from django.core.cache import caches
from rest_framework.throttling import UserRateThrottle

from annotator.api.throttles import UserThrottle
from tests import factories
from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db


def _with_rate(throttle_class, rate: str, now: list[float]):
    throttle = throttle_class()
    throttle.rate = rate
    throttle.num_requests, throttle.duration = throttle.parse_rate(rate)
    throttle.timer = lambda: now[0]
    return throttle


def test_decisions_and_waits_are_drfs_at_every_step(alice):
    """The same callers' times through both: every answer and every Retry-After equal."""
    request = SimpleNamespace(user=alice)
    now = [1_000_000.0]
    # Bursts, a pause of most of the window, a request right at the edge of the window.
    steps = [0, 0.1, 0.1, 0.2, 0.3, 1, 5, 30, 59.9, 60.0, 60.1, 60.2, 61, 90, 200, 200.5, 200.5]
    seen = []
    for step in steps:
        now[0] = 1_000_000.0 + step
        ours = _with_rate(UserThrottle, "4/minute", now)
        drfs = _with_rate(UserRateThrottle, "4/minute", now)
        allowed = ours.allow_request(request, None)
        assert allowed == drfs.allow_request(request, None), step
        if not allowed:
            assert ours.wait() == pytest.approx(drfs.wait(), abs=1e-6), step
        seen.append(allowed)
    assert True in seen and False in seen  # both answers were compared


def test_a_lowered_rate_recommends_no_time_as_drf_does(alice):
    request = SimpleNamespace(user=alice)
    now = [2_000_000.0]
    for _ in range(5):
        _with_rate(UserThrottle, "5/minute", now).allow_request(request, None)
        _with_rate(UserRateThrottle, "5/minute", now).allow_request(request, None)
    ours, drfs = (
        _with_rate(UserThrottle, "2/minute", now),
        _with_rate(UserRateThrottle, "2/minute", now),
    )
    assert ours.allow_request(request, None) is drfs.allow_request(request, None) is False
    assert ours.wait() is drfs.wait() is None


def test_concurrent_requests_never_get_past_the_limit(alice):
    """DRF's read-then-write lets simultaneous requests slip through; the script cannot."""
    request = SimpleNamespace(user=alice)
    allowed, start = [], threading.Barrier(8)

    def caller() -> None:
        start.wait()
        for _ in range(15):
            allowed.append(UserThrottle().allow_request(request, None))  # own connection
        caches["default"].close()

    threads = [threading.Thread(target=caller) for _ in range(8)]
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(UserThrottle.THROTTLE_RATES, "user", "50/minute")
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    assert len(allowed) == 120
    assert allowed.count(True) == 50


def test_the_user_rate_answers_429_with_retry_after(alice, monkeypatch):
    monkeypatch.setitem(UserThrottle.THROTTLE_RATES, "user", "2/minute")
    client = client_for(alice)
    statuses = [client.get("/api/v1/me").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    refused = client.get("/api/v1/me")
    assert refused.json()["code"] == "throttled"
    assert 58 <= int(refused["Retry-After"]) <= 60


def test_each_user_has_a_count_of_their_own(alice, monkeypatch):
    monkeypatch.setitem(UserThrottle.THROTTLE_RATES, "user", "1/minute")
    carol = factories.UserFactory(username="carol")
    assert client_for(alice).get("/api/v1/me").status_code == 200
    assert client_for(carol).get("/api/v1/me").status_code == 200
    assert client_for(alice).get("/api/v1/me").status_code == 429


def test_without_redis_drfs_list_does_the_counting(alice, settings, monkeypatch):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    monkeypatch.setitem(UserThrottle.THROTTLE_RATES, "user", "1/minute")
    request = SimpleNamespace(user=alice)
    assert UserThrottle().allow_request(request, None) is True
    refused = UserThrottle()
    assert refused.allow_request(request, None) is False
    assert 59 <= refused.wait() <= 60

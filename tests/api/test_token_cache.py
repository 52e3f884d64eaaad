"""The API token's lookup is cached in Redis, and revoking or deactivating still acts at once."""

import time

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from annotator.accounts.models import User
from annotator.api.authentication import CachedTokenAuthentication
from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db


def _token_reads(client) -> int:
    """How many times a GET /me read the token table (and that it answered 200)."""
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/api/v1/me").status_code == 200
    return sum("authtoken_token" in q["sql"] for q in queries)


def test_a_token_seen_before_is_not_read_from_the_database_again(alice):
    client = client_for(alice)
    assert _token_reads(client) == 1
    assert _token_reads(client) == 0


def test_with_the_cache_at_zero_every_request_reads_the_token(alice, settings):
    settings.API_TOKEN_CACHE_SECONDS = 0
    client = client_for(alice)
    assert [_token_reads(client), _token_reads(client)] == [1, 1]


def test_a_revoked_token_stops_working_at_once(alice):
    client = client_for(alice)
    assert client.get("/api/v1/me").status_code == 200  # cached now
    assert client.delete("/api/v1/auth/token").status_code == 204
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["detail"] == "Invalid token."


def test_a_token_deleted_by_its_users_deletion_stops_working_at_once(alice):
    client = client_for(alice)
    assert client.get("/api/v1/me").status_code == 200
    User.objects.get(pk=alice.pk).delete()
    assert client.get("/api/v1/me").status_code == 401


def test_a_deactivated_user_is_refused_at_once(alice):
    client = client_for(alice)
    assert client.get("/api/v1/me").status_code == 200
    alice.is_active = False
    alice.save()
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["detail"] == "User inactive or deleted."


def test_a_new_role_is_seen_at_once(alice, project):
    client = client_for(alice)
    assert client.post(f"/api/v1/projects/{project.pk}/assignments/next").status_code == 204
    alice.role = User.Role.REQUESTER
    alice.save(update_fields=["role"])
    response = client.post(f"/api/v1/projects/{project.pk}/assignments/next")
    assert response.status_code == 403
    assert "Requesters do not take tasks" in response.json()["detail"]


def test_a_change_no_signal_sees_is_honoured_within_the_cache_time(alice, settings):
    settings.API_TOKEN_CACHE_SECONDS = 1
    client = client_for(alice)
    assert client.get("/api/v1/me").status_code == 200
    User.objects.filter(pk=alice.pk).update(is_active=False)  # no save(): no signal
    assert client.get("/api/v1/me").status_code == 200  # the documented bound, not more
    time.sleep(1.2)
    assert client.get("/api/v1/me").status_code == 401


def _value(redis, name: bytes) -> bytes:
    if redis.type(name) == b"zset":  # a throttle's log
        return b" ".join(redis.zrange(name, 0, -1))
    return redis.get(name) or b""


def test_redis_holds_neither_the_token_nor_the_password_hash(alice):
    alice.set_password("correct horse battery staple")
    alice.save()
    client = client_for(alice)
    assert client.get("/api/v1/me").status_code == 200
    key = Token.objects.get(user=alice).key.encode()
    redis = caches["default"]._cache.get_client()
    stored = [(name, _value(redis, name)) for name in redis.keys("*")]
    assert any(b"api-token:" in name for name, _ in stored)  # the entry is there
    for name, value in stored:
        assert key not in name and key not in value
        assert alice.password.encode() not in value


def test_a_cached_user_saved_by_a_view_keeps_their_password(alice):
    alice.set_password("correct horse battery staple")
    alice.save()
    key = Token.objects.create(user=alice).key
    authenticate = CachedTokenAuthentication().authenticate_credentials
    authenticate(key)  # read from the database and cached
    user, token = authenticate(key)  # from the cache
    assert token.key == key and user.pk == alice.pk
    user.first_name = "Alice"
    user.save()  # the password was never read: save() leaves it as it was
    alice.refresh_from_db()
    assert alice.first_name == "Alice"
    assert alice.check_password("correct horse battery staple")

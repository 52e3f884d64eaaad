"""A Redis cache that fails open: with Redis down, reads miss and writes are dropped.

What the cache holds here is disposable (API throttle counters, live job progress), so
an unreachable Redis must not turn labeling into 500s. Each failure is logged; the
durable state is in PostgreSQL. Errors other than "cannot reach Redis" still raise.
"""

import logging

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError, ConnectionError)


def _warn(operation: str, exc: Exception) -> None:
    logger.warning("Cache unavailable, %s skipped (failing open): %s", operation, exc)


class _OneClientPerPool(RedisCacheClient):
    """Django's client builds a new `redis.Redis` for every cache call, ~0.1 ms of CPU
    each (its table of ~200 reply callbacks); the API's hot path makes 2 calls per
    request. A `redis.Redis` is safe to share (each command borrows a pooled connection),
    so one per pool serves them all."""

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        clients = self.__dict__.setdefault("_clients", {})
        if pool not in clients:
            clients[pool] = self._client(connection_pool=pool)
        return clients[pool]


class FailOpenRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _OneClientPerPool

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except UNREACHABLE as exc:
            _warn("get", exc)
            return default

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except UNREACHABLE as exc:
            _warn("get_many", exc)
            return {}

    def has_key(self, key, version=None):
        try:
            return super().has_key(key, version)
        except UNREACHABLE as exc:
            _warn("has_key", exc)
            return False

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().add(key, value, timeout, version)
        except UNREACHABLE as exc:
            _warn("add", exc)
            return False

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            super().set(key, value, timeout, version)
        except UNREACHABLE as exc:
            _warn("set", exc)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set_many(data, timeout, version)
        except UNREACHABLE as exc:
            _warn("set_many", exc)
            return list(data)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().touch(key, timeout, version)
        except UNREACHABLE as exc:
            _warn("touch", exc)
            return False

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except UNREACHABLE as exc:
            _warn("delete", exc)
            return False

    def delete_many(self, keys, version=None):
        try:
            super().delete_many(keys, version)
        except UNREACHABLE as exc:
            _warn("delete_many", exc)

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except UNREACHABLE as exc:
            _warn("incr", exc)
            raise ValueError(f"Key {key!r} not found (cache unavailable).") from exc

    def clear(self):
        try:
            return super().clear()
        except UNREACHABLE as exc:
            _warn("clear", exc)
            return False

"""The API's throttles: DRF's rates and 429s, counted in one Redis round trip.

DRF's `SimpleRateThrottle` keeps each caller's request times as a pickled list in the
cache: a read and a write per request (two round trips), a list that grows with the rate
(at 1200/minute, every request of the last minute is unpickled and pickled again), and,
between the read and the write, a race that lets concurrent requests past the limit.
Here the same sliding log is a Redis sorted set that one Lua script prunes, counts and
appends to, atomically: the same decisions and the same `Retry-After` as DRF's (tested
against it), in one round trip, and exact under concurrency.

Without Redis (the demo's in-memory cache) the classes fall back to DRF's list; with
Redis unreachable they let requests through, as the fail-open cache does for DRF's.
"""

import logging
import secrets

from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache.backends.redis import RedisCache
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle

from annotator.core.cache import UNREACHABLE

logger = logging.getLogger(__name__)

# KEYS[1]: the caller's log. ARGV: the cut-off (times at or before it have passed, as in
# DRF), now, the limit, a unique member for this request, the log's lifetime in seconds.
# Returns {allowed (1/0), requests in the window (this one included if allowed), the
# oldest one's time when refused}.
_SLIDING_LOG = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local count = redis.call('ZCARD', KEYS[1])
if count < tonumber(ARGV[3]) then
    redis.call('ZADD', KEYS[1], ARGV[2], ARGV[4])
    redis.call('EXPIRE', KEYS[1], ARGV[5])
    return {1, count + 1, false}
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {0, count, oldest[2]}
"""


class OneRoundTripMixin:
    """For a `SimpleRateThrottle`: the sliding log in Redis (see the module doc)."""

    # Not DRF's key: a process still running DRF's class (a rolling deploy) keeps its
    # pickled list apart instead of meeting a sorted set at the same key.
    cache_format = "throttle-log_%(scope)s_%(ident)s"
    _counted: tuple[int, float | None] | None = None

    def allow_request(self, request, view) -> bool:
        backend = caches[DEFAULT_CACHE_ALIAS]
        if not isinstance(backend, RedisCache):
            return super().allow_request(request, view)
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        key = backend.make_and_validate_key(self.key)
        client = backend._cache.get_client(key, write=True)  # Django's client: its pool
        member = f"{self.now!r}:{secrets.token_hex(4)}"
        args = [self.now - self.duration, self.now, self.num_requests, member, self.duration]
        try:
            allowed, count, oldest = client.register_script(_SLIDING_LOG)(keys=[key], args=args)
        except UNREACHABLE as exc:
            logger.warning("Cache unavailable, throttle skipped (failing open): %s", exc)
            return True
        self._counted = (count, float(oldest) if oldest is not None else None)
        return bool(allowed)

    def wait(self) -> float | None:
        """DRF's recommendation (`SimpleRateThrottle.wait`) from the counted window."""
        if self._counted is None:
            return super().wait()
        count, oldest = self._counted
        remaining = self.duration - (self.now - oldest) if oldest is not None else self.duration
        available = self.num_requests - count + 1
        if available <= 0:
            return None
        return remaining / float(available)


class UserThrottle(OneRoundTripMixin, UserRateThrottle):
    """Rate `user`, per signed-in user (anonymous callers: per client address)."""


class AnonThrottle(OneRoundTripMixin, AnonRateThrottle):
    """Rate `anon`, per client address, for anonymous callers only."""


class PasswordThrottle(OneRoundTripMixin, SimpleRateThrottle):
    """Slows password guessing at the token endpoint: counted per client address."""

    scope = "auth"

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

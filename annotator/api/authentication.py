"""Token authentication with the token's row and user kept in the cache (Redis).

DRF's `TokenAuthentication` reads the token and its user from PostgreSQL on every
request: on the labeling hot path a statement (and its ORM work) per request, about a
tenth of the server's CPU per next + submit pair. Here a hit costs one cache round trip.

Revocation stays immediate: deleting a token (`api.services.token_revoke`, the admin, a
deleted user) and saving a user (deactivation, a new role, consent) drop the cached
entry at once, from every process, since the cache is shared. `API_TOKEN_CACHE_SECONDS`
(default 60) bounds what those signals cannot see: an entry is never older, so a change
is honoured within that time even when it bypassed `save()` and `delete()` (a
`QuerySet.update()`, raw SQL), when the cache was unreachable at that moment, or when a
request read the old row between the change and its commit and cached it afterwards.
With the setting at 0, or Redis down (the cache fails open), every request reads the
database as DRF does. Without REDIS_URL (the demo: one process, an in-memory cache) each
process has its own entries, so only that bound holds across processes.

Redis never holds a token nor a password hash: the entry's name is the token's SHA-256,
its value the user (password unread) and the token's creation time.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token


def _token_key(key: str) -> str:
    return "api-token:" + hashlib.sha256(key.encode()).hexdigest()


def _user_key(user_id: int) -> str:
    """Where a user's cached token entry is named, so that saving the user can drop it."""
    return f"api-token-user:{user_id}"


class CachedTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`, as DRF's, with the lookup cached (see the module doc)."""

    def authenticate_credentials(self, key):
        seconds = settings.API_TOKEN_CACHE_SECONDS
        if seconds <= 0:
            return super().authenticate_credentials(key)
        name = _token_key(key)
        cached = cache.get(name)
        if cached is None:
            user, token = self._from_database(key)
            # Not the token: Redis never holds one (nor the user's link back to it).
            user._state.fields_cache.pop("auth_token", None)
            entry = (user, token.created)
            cache.set_many({name: entry, _user_key(user.pk): name}, seconds)
            return user, token
        user, created = cached
        if not user.is_active:  # never cached so, but a check costs nothing
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return user, Token(key=key, user=user, created=created)

    def _from_database(self, key: str) -> tuple:
        """DRF's lookup, with the same 401s, but the user's password hash left unread:
        it stays out of Redis (a view that reads it loads it then)."""
        try:
            token = Token.objects.select_related("user").defer("user__password").get(key=key)
        except Token.DoesNotExist:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return token.user, token


def token_cache_forget(*, key: str | None = None, user_id: int | None = None) -> None:
    """Drop the cached entry of token `key`, or of the token of user `user_id`."""
    _forget(key, user_id)


def _forget(key: str | None, user_id: int | None) -> None:
    names = []
    if key is not None:
        names.append(_token_key(key))
    if user_id is not None:
        user_entry = _user_key(user_id)
        names.append(user_entry)
        cached = cache.get(user_entry)
        if cached is not None:
            names.append(cached)
    cache.delete_many(names)


# Cache invalidation, not domain logic: it must follow every path that deletes a token or
# changes a user (services, the admin, cascades), which only the model signals see.
@receiver(post_delete, sender=Token, dispatch_uid="api_token_cache_token_deleted")
@receiver(post_save, sender=Token, dispatch_uid="api_token_cache_token_saved")
def _token_changed(sender, instance: Token, created: bool = False, **kwargs) -> None:
    if not created:  # a new token cannot be in the cache yet
        token_cache_forget(key=instance.key, user_id=instance.user_id)


@receiver(post_delete, sender=settings.AUTH_USER_MODEL, dispatch_uid="api_token_cache_user_deleted")
@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="api_token_cache_user_saved")
def _user_changed(sender, instance, **kwargs) -> None:
    token_cache_forget(user_id=instance.pk)

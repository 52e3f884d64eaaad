from rest_framework.throttling import SimpleRateThrottle


class PasswordThrottle(SimpleRateThrottle):
    """Slows password guessing at the token endpoint: counted per client address."""

    scope = "auth"

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

"""Turns a lost database connection into a clear, retryable answer; the CSP on pages.

When PostgreSQL restarts (or a connection is cut), the request in flight fails with
OperationalError or InterfaceError. Its transaction is rolled back by the database, so
nothing was half-written; the client only needs to know it may try again. Django then
drops the broken connection at the end of the request, and `CONN_HEALTH_CHECKS` makes
the next request open a fresh one.
"""

import logging

from csp.middleware import CSPMiddleware
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
MESSAGE = (
    "The database is briefly unavailable; nothing was saved by this request. "
    "Please try again in a few seconds."
)


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.warning("Database unavailable on %s %s: %s", request.method, request.path, exception)
        if request.path.startswith("/api/"):
            body = {"detail": MESSAGE, "code": "database_unavailable", "errors": {}}
            response: HttpResponse = JsonResponse(body, status=503)
        else:
            response = HttpResponse(MESSAGE, status=503, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response


class PageCSPMiddleware(CSPMiddleware):
    """django-csp's Content-Security-Policy on every response but JSON.

    The policy governs what a document may load and run; a JSON answer (the API's) is
    no document, and with `nosniff` no page can load it as a script either. django-csp
    builds the header anew for each response, ~50 us: a third of the middleware stack's
    time on an API call. Pages, the API docs and every other type keep it.
    """

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        return super().process_response(request, response)

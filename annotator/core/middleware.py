"""Turns a lost database connection into a clear, retryable answer.

When PostgreSQL restarts (or a connection is cut), the request in flight fails with
OperationalError or InterfaceError. Its transaction is rolled back by the database, so
nothing was half-written; the client only needs to know it may try again. Django then
drops the broken connection at the end of the request, and `CONN_HEALTH_CHECKS` makes
the next request open a fresh one.
"""

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse

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

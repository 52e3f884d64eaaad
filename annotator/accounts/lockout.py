"""What a locked-out client sees (django-axes calls this after too many failed logins)."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render


def lockout_response(
    request: HttpRequest, original_response=None, credentials=None
) -> HttpResponse:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    retry_after = str(minutes * 60)
    if request.path.startswith("/api/"):
        # The API's error shape (annotator/api/errors.py), so scripts read it like any other.
        response: HttpResponse = JsonResponse(
            {
                "detail": f"Too many failed logins; try again in {minutes} minutes.",
                "code": "locked_out",
                "errors": {},
            },
            status=429,
        )
    else:
        response = render(request, "registration/locked_out.html", {"minutes": minutes}, status=429)
    response["Retry-After"] = retry_after
    return response

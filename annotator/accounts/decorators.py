from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse


def requester_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Logged-in requesters and admins only; everyone else gets 403."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_requester:
            raise PermissionDenied("This page is for requesters.")
        return view(request, *args, **kwargs)

    return wrapped

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django_htmx.http import HttpResponseClientRedirect


def requester_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Logged-in requesters and admins only; everyone else gets 403."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_requester:
            raise PermissionDenied("This page is for requesters.")
        return view(request, *args, **kwargs)

    return wrapped


def consent_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Logged in, and (for annotators) the terms accepted; else off to log in or consent."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        user = request.user
        if not user.is_requester and user.consented_at is None:
            if getattr(request, "htmx", False):
                return HttpResponseClientRedirect("/accounts/consent/")
            return redirect("accounts:consent")
        return view(request, *args, **kwargs)

    return wrapped

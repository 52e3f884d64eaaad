from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from annotator.accounts.decorators import requester_required
from annotator.dashboard import selectors


@requester_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "dashboard/home.html", selectors.home_context(user=request.user))

"""Sign-up and the consent page shown before any work."""

from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from annotator.accounts import services
from annotator.accounts.forms import ConsentForm, SignUpForm


def sign_up(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("labeling:home")
    form = SignUpForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user = services.user_sign_up(
            username=data["username"], email=data.get("email", ""), password=data["password1"]
        )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("accounts:consent")
    return render(request, "accounts/signup.html", {"form": form})


@login_required
def consent(request: HttpRequest) -> HttpResponse:
    form = ConsentForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        services.user_consent(user=request.user)
        return redirect("labeling:home")
    return render(
        request, "accounts/consent.html", {"form": form, "consented_at": request.user.consented_at}
    )

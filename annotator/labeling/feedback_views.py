"""The annotator's feedback page: write to a project's requester, read the replies."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from annotator.accounts.decorators import consent_required
from annotator.core.exceptions import DomainError
from annotator.dashboard import inbox, services
from annotator.dashboard.forms import FeedbackForm
from annotator.labeling.models import Assignment
from annotator.projects.models import Project


def _projects_of(user):
    """Projects the annotator has worked in: whom they can write to."""
    return Project.objects.filter(tasks__assignments__annotator=user).distinct().order_by("name")


@consent_required
def feedback(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = FeedbackForm(request.POST or None, projects=_projects_of(user))
    assignment = None
    assignment_id = request.POST.get("assignment") or request.GET.get("assignment")
    if assignment_id and str(assignment_id).isdigit():
        assignment = Assignment.objects.filter(annotator=user, pk=assignment_id).first()
    if request.method == "POST" and form.is_valid():
        try:
            services.feedback_send(annotator=user, assignment=assignment, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Your message was sent to the project's requester.")
            return redirect("labeling:feedback")
    context = {
        "form": form,
        "assignment": assignment,
        "threads": inbox.feedback_for_annotator(user),
        "open_reports": inbox.open_reports_for_annotator(user),
    }
    return render(request, "labeling/feedback.html", context)

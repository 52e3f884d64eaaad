"""The labeling pages: the project list, the task page and its htmx actions.

Every action answers an htmx request with the `labeling-task` partial of the work
page (the same task with a message, or the next task), and a plain request with a
redirect to the work page.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from annotator.core.exceptions import DomainError
from annotator.labeling import selectors, services
from annotator.labeling.forms import ReportForm, SpanForm, SubmitForm, first_error
from annotator.labeling.models import Assignment
from annotator.projects.models import Project

WORK_PAGE = "labeling/work.html"


@login_required
def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_requester:
        projects = selectors.projects_for_preview(request.user)
    else:
        projects = selectors.projects_for_annotator(request.user)
    return render(request, "labeling/home.html", {"projects": projects})


@login_required
def work(request: HttpRequest, project_id: int) -> HttpResponse:
    """The task page. Requesters see a read-only preview of their own project."""
    if request.user.is_requester:
        project = get_object_or_404(selectors.projects_for_preview(request.user), pk=project_id)
        return render(request, WORK_PAGE, selectors.preview_context(project))
    project = get_object_or_404(selectors.projects_for_annotator(request.user), pk=project_id)
    return _render_task(request, project)


def _render_task(
    request: HttpRequest, project: Project, *, error: str = "", notice: str = ""
) -> HttpResponse:
    assignment = services.assignment_next(annotator=request.user, project=project)
    if assignment is None:
        context = selectors.empty_context(project)
    else:
        context = selectors.labeling_context(assignment)
    context |= {"error": error, "notice": notice}
    template = f"{WORK_PAGE}#labeling-task" if request.htmx else WORK_PAGE
    return render(request, template, context)


def _answer(
    request: HttpRequest, assignment: Assignment, *, error: str = "", notice: str = ""
) -> HttpResponse:
    project = assignment.task.project
    if request.htmx:
        return _render_task(request, project, error=error, notice=notice)
    if error:
        messages.error(request, error)
    elif notice:
        messages.success(request, notice)
    return redirect("labeling:work", project_id=project.pk)


def _own_assignment(request: HttpRequest, assignment_id: int) -> Assignment:
    return get_object_or_404(selectors.assignments_for_annotator(request.user), pk=assignment_id)


@login_required
@require_POST
def span_add(request: HttpRequest, assignment_id: int) -> HttpResponse:
    assignment = _own_assignment(request, assignment_id)
    form = SpanForm(request.POST)
    error = "" if form.is_valid() else first_error(form)
    if not error:
        try:
            services.assignment_span_add(assignment=assignment, span=form.span())
        except DomainError as exc:
            error = str(exc)
    return _answer(request, assignment, error=error)


@login_required
@require_POST
def span_remove(request: HttpRequest, assignment_id: int, index: int) -> HttpResponse:
    assignment = _own_assignment(request, assignment_id)
    try:
        services.assignment_span_remove(assignment=assignment, index=index)
    except DomainError as exc:
        return _answer(request, assignment, error=str(exc))
    return _answer(request, assignment)


@login_required
@require_POST
def submit(request: HttpRequest, assignment_id: int) -> HttpResponse:
    assignment = _own_assignment(request, assignment_id)
    form = SubmitForm(request.POST)
    form.is_valid()  # a lone optional checkbox: always valid
    elapsed = timezone.now() - assignment.created_at
    try:
        services.assignment_submit(
            assignment=assignment,
            no_pii=form.cleaned_data.get("no_pii", False),
            time_spent_ms=int(elapsed.total_seconds() * 1000),
        )
    except DomainError as exc:
        return _answer(request, assignment, error=str(exc))
    return _answer(request, assignment, notice="Submitted.")


@login_required
@require_POST
def skip(request: HttpRequest, assignment_id: int) -> HttpResponse:
    assignment = _own_assignment(request, assignment_id)
    try:
        services.assignment_skip(assignment=assignment)
    except DomainError as exc:
        return _answer(request, assignment, error=str(exc))
    return _answer(request, assignment, notice="Skipped.")


@login_required
@require_POST
def report(request: HttpRequest, assignment_id: int) -> HttpResponse:
    assignment = _own_assignment(request, assignment_id)
    form = ReportForm(request.POST)
    if not form.is_valid():
        return _answer(request, assignment, error=first_error(form))
    try:
        services.assignment_report(assignment=assignment, **form.cleaned_data)
    except DomainError as exc:
        return _answer(request, assignment, error=str(exc))
    return _answer(request, assignment, notice="Thanks for the report.")

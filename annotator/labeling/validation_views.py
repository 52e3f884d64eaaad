"""The validation page: a snippet with the crowd's final spans, judged by a validator.

Every action answers an htmx request with the `validation-task` partial of the page
and a plain request with a redirect. The validator's unsent answers (verdicts, "all
found?") travel with every post and are rendered back, so adding a missed span does
not lose them; missed spans themselves are the assignment's draft spans.
"""

from bisect import bisect_right

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from annotator.core.exceptions import DomainError
from annotator.labeling import selectors, services
from annotator.labeling.forms import SpanForm, first_error
from annotator.labeling.models import Assignment
from annotator.labeling.rendering import Mark, render_lines
from annotator.projects.models import Project
from annotator.quality.services import validation

PAGE = "labeling/validate.html"
VERDICTS = {"accept", "reject"}


def _answers(request: HttpRequest, n_spans: int) -> tuple[bool | None, dict[int, str]]:
    """The unsent answers in a post: all_found (None: not answered) and verdicts."""
    found = {"yes": True, "no": False}.get(request.POST.get("all_found", ""))
    verdicts = {
        i: request.POST[f"verdict-{i}"]
        for i in range(n_spans)
        if request.POST.get(f"verdict-{i}") in VERDICTS
    }
    return found, verdicts


def _line_of(lines, offset: int) -> int:
    starts = [line.offset for line in lines]
    return lines[bisect_right(starts, offset) - 1].number


def _task_context(assignment: Assignment, found, verdicts) -> dict:
    task = assignment.task
    snippet = task.snippet
    shown, missed = task.review_spans, assignment.draft_spans
    marks = [
        Mark(s["start"], s["end"], s["category"], s["context"], i) for i, s in enumerate(shown)
    ]
    # Missed spans get negative indexes so the page can tell them from reviewed ones.
    marks += [
        Mark(s["start"], s["end"], s["category"], s["context"], -1 - j)
        for j, s in enumerate(missed)
    ]
    lines = render_lines(snippet.text, marks, start_line=snippet.start_line)

    def described(i: int, span: dict) -> dict:
        text = snippet.text[span["start"] : span["end"]]
        return {**span, "index": i, "text": text, "line": _line_of(lines, span["start"])}

    return {
        "assignment": assignment,
        "snippet_path": snippet.source_file.path,
        "first_line": snippet.start_line,
        "last_line": snippet.end_line,
        "lines": lines,
        "review": [
            {**described(i, s), "verdict": verdicts.get(i, "")} for i, s in enumerate(shown)
        ],
        "missed": [described(j, s) for j, s in enumerate(missed)],
        "all_found": found,
    }


def _page(request, project: Project, *, found=None, verdicts=None, error="", notice=""):
    assignment = services.assignment_next(annotator=request.user, project=project)
    context = {
        "project": project,
        "categories": selectors.category_choices(project),
        "error": error,
        "notice": notice,
    }
    if assignment is not None:
        context |= _task_context(assignment, found, verdicts or {})
    template = f"{PAGE}#validation-task" if request.htmx else PAGE
    return render(request, template, context)


def _validation_projects(request: HttpRequest):
    if request.user.is_requester:
        return selectors.projects_for_preview(request.user).filter(kind=Project.Kind.VALIDATION)
    return selectors.projects_for_annotator(request.user).filter(kind=Project.Kind.VALIDATION)


@login_required
def validate(request: HttpRequest, project_id: int) -> HttpResponse:
    """The validation page; its requester sees the estimated precision and recall."""
    project = get_object_or_404(_validation_projects(request), pk=project_id)
    if request.user.is_requester:
        metrics = validation.validation_metrics(project=project)
        return render(request, PAGE, {"project": project, "metrics": metrics, "preview": True})
    return _page(request, project)


def _own(request: HttpRequest, assignment_id: int) -> Assignment:
    assignments = selectors.assignments_for_annotator(request.user).filter(
        task__project__kind=Project.Kind.VALIDATION
    )
    return get_object_or_404(assignments, pk=assignment_id)


def _answer(request, assignment: Assignment, *, keep: bool, error="", notice=""):
    project = assignment.task.project
    if not request.htmx:
        if error:
            messages.error(request, error)
        elif notice:
            messages.success(request, notice)
        return redirect("labeling:validate", project_id=project.pk)
    found, verdicts = _answers(request, len(assignment.task.review_spans)) if keep else (None, {})
    return _page(request, project, found=found, verdicts=verdicts, error=error, notice=notice)


@login_required
@require_POST
def missed_add(request: HttpRequest, assignment_id: int) -> HttpResponse:
    assignment = _own(request, assignment_id)
    form = SpanForm(request.POST)
    error = "" if form.is_valid() else first_error(form)
    if not error:
        try:
            validation.validation_missed_add(assignment=assignment, span=form.span())
        except DomainError as exc:
            error = str(exc)
    return _answer(request, assignment, keep=True, error=error)


@login_required
@require_POST
def missed_remove(request: HttpRequest, assignment_id: int, index: int) -> HttpResponse:
    assignment = _own(request, assignment_id)
    error = ""
    try:
        services.assignment_span_remove(assignment=assignment, index=index)
    except DomainError as exc:
        error = str(exc)
    return _answer(request, assignment, keep=True, error=error)


@login_required
@require_POST
def validate_submit(request: HttpRequest, assignment_id: int) -> HttpResponse:
    assignment = _own(request, assignment_id)
    found, verdicts = _answers(request, len(assignment.task.review_spans))
    if found is None:
        return _answer(request, assignment, keep=True, error="Say whether every PII was found.")
    elapsed = timezone.now() - assignment.created_at
    try:
        validation.validation_submit(
            assignment=assignment,
            all_found=found,
            verdicts=verdicts,
            time_spent_ms=int(elapsed.total_seconds() * 1000),
        )
    except DomainError as exc:
        return _answer(request, assignment, keep=True, error=str(exc))
    return _answer(request, assignment, keep=False, notice="Submitted.")

"""The labeling pages: home, the task page (also for quizzes) and its htmx actions.

Every action answers an htmx request with the `labeling-task` partial of the work
page (the same task with a message, the quiz feedback, or the next task), and a
plain request with a redirect to the work page.
"""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from annotator.accounts.decorators import consent_required
from annotator.core import taxonomy
from annotator.core.exceptions import DomainError
from annotator.labeling import selectors, services
from annotator.labeling.forms import (
    ChangeForm,
    OptForm,
    ReportForm,
    SpanForm,
    SubmitForm,
    first_error,
)
from annotator.labeling.models import Assignment
from annotator.projects.models import Project
from annotator.projects.services import SpanInput
from annotator.quality.services import quizzes
from annotator.quality.services.access import AccessRefused, Reason

WORK_PAGE = "labeling/work.html"
SEEN_KEY = "instructions_seen"  # session: ids of projects whose instructions were shown
# Session: {assignment id: [ids of the suggestions the annotator rejected there]}, for
# the most recent assignments only; a rejection only matters while the task is open.
REJECTED_KEY = "rejected_suggestions"
REJECTED_KEEP = 20


@consent_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.is_requester:
        context = {"projects": selectors.projects_for_preview(user)}
    else:
        context = {
            "statuses": quizzes.category_statuses(annotator=user),
            "open_projects": selectors.open_projects(user),
            "progress": selectors.annotator_progress(user),
        }
    return render(request, "labeling/home.html", context)


@consent_required
def work(request: HttpRequest, project_id: int) -> HttpResponse:
    """The task page. Requesters see a read-only preview of their own project."""
    if request.user.is_requester:
        project = get_object_or_404(selectors.projects_for_preview(request.user), pk=project_id)
        return _render_work(request, project, selectors.preview_context(project))
    listed = selectors.projects_listed_for_annotator(request.user)
    project = get_object_or_404(listed, pk=project_id)
    return _render_task(request, project, first_visit=_first_visit(request, project))


def _first_visit(request: HttpRequest, project: Project) -> bool:
    """True once per user and project (per session): the instructions open by themselves."""
    seen = request.session.get(SEEN_KEY, [])
    if project.pk in seen:
        return False
    request.session[SEEN_KEY] = [*seen, project.pk]
    return True


def _render_task(
    request: HttpRequest, project: Project, *, error: str = "", notice: str = "", **extra
) -> HttpResponse:
    user = request.user
    if project.kind == Project.Kind.QUIZ:
        context = _quiz_context(user, project)
    else:
        try:
            assignment = services.assignment_next(annotator=user, project=project)
        except AccessRefused as refused:
            assignment, blockers = None, refused.decision.reasons
        else:
            blockers = []
        if assignment is None:
            context = selectors.empty_context(project) | {"blockers": blockers}
        else:
            hidden = _rejected_suggestions(request, assignment.pk)
            context = selectors.labeling_context(assignment, hidden_suggestions=hidden)
    context |= {"error": error, "notice": notice, **extra}
    context["progress"] = selectors.annotator_progress(user)
    return _render_work(request, project, context)


def _render_work(request: HttpRequest, project: Project, context: dict) -> HttpResponse:
    if request.htmx:
        return render(request, f"{WORK_PAGE}#labeling-task", context)
    # Page-level facts, outside the swapped partial: a submit does not pay for them again.
    context["sections"] = selectors.instruction_sections(project)
    context["bonus_rule"] = selectors.bonus_rule(project)
    context["suggestions_shown"] = selectors.suggestions_shown(project)
    return render(request, WORK_PAGE, context)


def _quiz_context(user, project: Project) -> dict:
    if not quizzes.quiz_is_open(annotator=user, project=project):
        locked = "This quiz unlocks once you pass or opt out of the one before it."
        return selectors.empty_context(project) | {"blockers": [Reason("locked", locked)]}
    assignment = quizzes.quiz_next(annotator=user, project=project)
    progress = quizzes.quiz_progress(annotator=user, project=project)
    base = (
        selectors.labeling_context(assignment) if assignment else selectors.empty_context(project)
    )
    return base | {"quiz": progress}


def _answer(
    request: HttpRequest, assignment: Assignment, *, error: str = "", notice: str = "", **extra
) -> HttpResponse:
    project = assignment.task.project
    if request.htmx:
        return _render_task(request, project, error=error, notice=notice, **extra)
    if error:
        messages.error(request, error)
    elif notice:
        messages.success(request, notice)
    return redirect("labeling:work", project_id=project.pk)


def _own_assignment(request: HttpRequest, assignment_id: int) -> Assignment:
    return get_object_or_404(selectors.assignments_for_annotator(request.user), pk=assignment_id)


@consent_required
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


@consent_required
@require_POST
def span_change(request: HttpRequest, assignment_id: int, index: int) -> HttpResponse:
    assignment = _own_assignment(request, assignment_id)
    form = ChangeForm(request.POST)
    error = "" if form.is_valid() else first_error(form)
    if not error:
        try:
            services.assignment_span_change(assignment=assignment, index=index, **form.cleaned_data)
        except DomainError as exc:
            error = str(exc)
    return _answer(request, assignment, error=error)


@consent_required
@require_POST
def span_remove(request: HttpRequest, assignment_id: int, index: int) -> HttpResponse:
    assignment = _own_assignment(request, assignment_id)
    try:
        services.assignment_span_remove(assignment=assignment, index=index)
    except DomainError as exc:
        return _answer(request, assignment, error=str(exc))
    return _answer(request, assignment)


# --- suggestions: the detector's spans, when the project shows them ------------------------


def _own_suggestion(assignment: Assignment, suggestion_id: int):
    if not selectors.suggestions_shown(assignment.task.project):
        raise Http404("This project shows no suggestions.")
    return get_object_or_404(selectors.suggestions_for_assignment(assignment), pk=suggestion_id)


def _rejected_suggestions(request: HttpRequest, assignment_id: int) -> list[int]:
    return request.session.get(REJECTED_KEY, {}).get(str(assignment_id), [])


@consent_required
@require_POST
def suggestion_accept(request: HttpRequest, assignment_id: int, suggestion_id: int) -> HttpResponse:
    """Turn a suggestion into a draft span; with `edit`, focus its change control next."""
    assignment = _own_assignment(request, assignment_id)
    suggestion = _own_suggestion(assignment, suggestion_id)
    span = SpanInput(suggestion.start, suggestion.end, suggestion.category, suggestion.context)
    try:
        locked = services.assignment_span_add(assignment=assignment, span=span)
    except DomainError as exc:
        return _answer(request, assignment, error=str(exc))
    starts = [raw["start"] for raw in locked.draft_spans]
    edit = starts.index(span.start) if request.POST.get("edit") else None
    return _answer(request, assignment, edit_index=edit)


@consent_required
@require_POST
def suggestion_reject(request: HttpRequest, assignment_id: int, suggestion_id: int) -> HttpResponse:
    """Hide a suggestion on this assignment only: another annotator still sees it."""
    assignment = _own_assignment(request, assignment_id)
    suggestion = _own_suggestion(assignment, suggestion_id)
    rejected = dict(request.session.get(REJECTED_KEY, {}))
    key = str(assignment.pk)
    ids = [*rejected.pop(key, []), suggestion.pk]
    kept = list(rejected.items())[-(REJECTED_KEEP - 1) :]  # the newest, this one last
    request.session[REJECTED_KEY] = dict([*kept, (key, sorted(set(ids)))])
    return _answer(request, assignment)


@consent_required
@require_POST
def submit(request: HttpRequest, assignment_id: int) -> HttpResponse:
    assignment = _own_assignment(request, assignment_id)
    form = SubmitForm(request.POST)
    form.is_valid()  # a lone optional checkbox: always valid
    elapsed = timezone.now() - assignment.created_at
    answer = {"no_pii": form.cleaned_data.get("no_pii", False)}
    answer["time_spent_ms"] = int(elapsed.total_seconds() * 1000)
    is_quiz = assignment.task.project.kind == Project.Kind.QUIZ
    try:
        if is_quiz:
            quizzes.quiz_answer_submit(assignment=assignment, **answer)
        else:
            services.assignment_submit(assignment=assignment, **answer)
    except DomainError as exc:
        return _answer(request, assignment, error=str(exc))
    if is_quiz:
        return _after_quiz_answer(request, assignment)
    return _answer(request, assignment, notice="Submitted.")


def _after_quiz_answer(request: HttpRequest, assignment: Assignment) -> HttpResponse:
    assignment.refresh_from_db()
    try:
        feedback = quizzes.quiz_feedback(assignment=assignment)
    except DomainError:  # an exam question: no feedback, on to the next one
        return _answer(request, assignment, notice="Answer recorded.")
    if not request.htmx:
        return redirect("labeling:quiz-feedback", assignment_id=assignment.pk)
    return _render_feedback(request, feedback)


def _render_feedback(request: HttpRequest, feedback: quizzes.Feedback) -> HttpResponse:
    project = feedback.assignment.task.project
    context = selectors.empty_context(project) | selectors.feedback_context(feedback)
    context["quiz"] = quizzes.quiz_progress(annotator=request.user, project=project)
    context["progress"] = selectors.annotator_progress(request.user)
    return _render_work(request, project, context)


@consent_required
def quiz_feedback(request: HttpRequest, assignment_id: int) -> HttpResponse:
    """A submitted training answer next to the expected one (never before submission)."""
    assignment = _own_assignment(request, assignment_id)
    try:
        feedback = quizzes.quiz_feedback(assignment=assignment)
    except DomainError as exc:
        raise Http404(str(exc)) from exc
    return _render_feedback(request, feedback)


@consent_required
@require_POST
def quiz_retake(request: HttpRequest, project_id: int) -> HttpResponse:
    project = get_object_or_404(
        selectors.projects_listed_for_annotator(request.user).filter(kind=Project.Kind.QUIZ),
        pk=project_id,
    )
    try:
        quizzes.quiz_retake(annotator=request.user, project=project)
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect("labeling:work", project_id=project.pk)


@consent_required
@require_POST
def category_opt(request: HttpRequest, category: str) -> HttpResponse:
    """Opt out of a category, or back in, from the home page."""
    if category not in taxonomy.PII_CATEGORIES:
        raise Http404("No such category.")
    form = OptForm(request.POST)
    if form.is_valid():
        opted_out = form.cleaned_data["opted_out"]
        quizzes.skill_opt(annotator=request.user, category=category, opted_out=opted_out)
        label = taxonomy.Category(category).label
        messages.success(request, f"You opted {'out of' if opted_out else 'back in to'} {label}.")
    return redirect("labeling:home")


@consent_required
@require_POST
def skip(request: HttpRequest, assignment_id: int) -> HttpResponse:
    assignment = _own_assignment(request, assignment_id)
    try:
        _refuse_in_quiz(assignment)
        services.assignment_skip(assignment=assignment)
    except DomainError as exc:
        return _answer(request, assignment, error=str(exc))
    return _answer(request, assignment, notice="Skipped.")


@consent_required
@require_POST
def report(request: HttpRequest, assignment_id: int) -> HttpResponse:
    assignment = _own_assignment(request, assignment_id)
    form = ReportForm(request.POST)
    if not form.is_valid():
        return _answer(request, assignment, error=first_error(form))
    try:
        _refuse_in_quiz(assignment)
        services.assignment_report(assignment=assignment, **form.cleaned_data)
    except DomainError as exc:
        return _answer(request, assignment, error=str(exc))
    return _answer(request, assignment, notice="Thanks for the report.")


def _refuse_in_quiz(assignment: Assignment) -> None:
    # Quiz questions are re-served until answered: skipping one would only delay it.
    if assignment.task.project.kind == Project.Kind.QUIZ:
        raise DomainError("Quiz questions cannot be skipped or reported.")

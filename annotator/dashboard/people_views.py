"""Annotators, the feedback inbox and simulation results (requesters only)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from annotator.accounts.decorators import requester_required
from annotator.core.exceptions import DomainError
from annotator.dashboard import annotators, inbox, selectors, services, simulations
from annotator.dashboard.forms import BanForm, ReplyForm, SkillForm
from annotator.quality.models import Action, Sanction
from annotator.quality.selectors import sanctions_for_requester
from annotator.quality.services import rules, skills

ANNOTATORS_PER_PAGE = 50
INBOX_PAGE = "dashboard/inbox.html"


@requester_required
def annotator_list(request: HttpRequest) -> HttpResponse:
    projects = selectors.owned_projects(request.user)
    project = None
    if request.GET.get("project"):
        project = get_object_or_404(projects, pk=request.GET["project"])
    table = annotators.annotator_table(user=request.user, project=project)
    page = Paginator(table, ANNOTATORS_PER_PAGE).get_page(request.GET.get("page"))
    context = {"page": page, "project": project, "projects": projects.only("pk", "name")}
    template = "dashboard/annotators.html" + ("#annotator-table" if request.htmx else "")
    return render(request, template, context)


def _annotator(request: HttpRequest, annotator_id: int):
    return get_object_or_404(annotators.annotators_for_requester(request.user), pk=annotator_id)


def _annotator_page(request, annotator, *, skill_form=None, ban_form=None) -> HttpResponse:
    context = annotators.annotator_history(user=request.user, annotator=annotator)
    projects = selectors.owned_projects(request.user)
    context["skill_form"] = skill_form or SkillForm()
    context["ban_form"] = ban_form or BanForm(projects=projects)
    return render(request, "dashboard/annotator_detail.html", context)


@requester_required
def annotator_detail(request: HttpRequest, annotator_id: int) -> HttpResponse:
    return _annotator_page(request, _annotator(request, annotator_id))


@require_POST
@requester_required
def annotator_skill(request: HttpRequest, annotator_id: int) -> HttpResponse:
    annotator = _annotator(request, annotator_id)
    form = SkillForm(request.POST)
    if form.is_valid():
        try:
            skills.skill_set(annotator=annotator, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"{annotator.username}'s skill was changed.")
            return redirect("dashboard:annotator-detail", annotator_id=annotator.pk)
    return _annotator_page(request, annotator, skill_form=form)


@require_POST
@requester_required
def annotator_ban(request: HttpRequest, annotator_id: int) -> HttpResponse:
    annotator = _annotator(request, annotator_id)
    form = BanForm(request.POST, projects=selectors.owned_projects(request.user))
    if form.is_valid():
        try:
            rules.sanction_impose(
                annotator=annotator, project=form.cleaned_data["project"],
                rule=Sanction.Rule.MANUAL, action=Action.BAN,
                reason=form.cleaned_data["reason"], actor=request.user,
            )  # fmt: skip
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"{annotator.username} is banned from the project.")
            return redirect("dashboard:annotator-detail", annotator_id=annotator.pk)
    return _annotator_page(request, annotator, ban_form=form)


@require_POST
@requester_required
def sanction_lift(request: HttpRequest, sanction_id: int) -> HttpResponse:
    sanction = get_object_or_404(sanctions_for_requester(request.user), pk=sanction_id)
    rules.sanction_lift(sanction=sanction, actor=request.user)
    messages.success(request, "The sanction was lifted.")
    return redirect("dashboard:annotator-detail", annotator_id=sanction.annotator_id)


@requester_required
def inbox_list(request: HttpRequest) -> HttpResponse:
    context = {"items": inbox.inbox(request.user), "form": ReplyForm()}
    return render(request, INBOX_PAGE, context)


def _inbox_item(request, item, form) -> HttpResponse:
    template = "dashboard/_inbox_item.html"
    return render(request, template, {"item": item, "form": form})


@require_POST
@requester_required
def feedback_reply(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """Answer a message or a problem report; htmx swaps the answered item in place."""
    form = ReplyForm(request.POST)
    if kind == "report":
        target = get_object_or_404(inbox.reports_for_requester(request.user), pk=pk)
    else:
        target = get_object_or_404(inbox.feedback_for_requester(request.user), pk=pk)
    if form.is_valid():
        reply, actor = form.cleaned_data["reply"], request.user
        try:
            if kind == "report":
                feedback = services.problem_report_reply(
                    annotation=target, reply=reply, actor=actor
                )
            else:
                feedback = services.feedback_reply(feedback=target, reply=reply, actor=actor)
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            if not request.htmx:
                return redirect("dashboard:inbox")
            item = inbox.item_of(feedback)
            return _inbox_item(request, item, ReplyForm())
    if not request.htmx:
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
        return redirect("dashboard:inbox")
    return _inbox_item(request, inbox.item_for(kind, target), form)


@require_POST
@requester_required
def feedback_read(request: HttpRequest, pk: int) -> HttpResponse:
    feedback = get_object_or_404(inbox.feedback_for_requester(request.user), pk=pk)
    services.feedback_mark_read(feedback=feedback)
    if request.htmx:
        return _inbox_item(request, inbox.item_of(feedback), ReplyForm())
    return redirect("dashboard:inbox")


@requester_required
def simulation_results(request: HttpRequest) -> HttpResponse:
    return render(request, "dashboard/simulations.html", simulations.latest_sweep_context())

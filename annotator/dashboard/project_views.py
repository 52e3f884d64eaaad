"""Project pages of the dashboard: create, configure, rules, gold, status, the project
page with its charts, disagreements and the detector comparison (requesters only)."""

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from annotator.accounts.decorators import requester_required
from annotator.core.exceptions import DomainError
from annotator.dashboard import detector, disagreements, project_stats, selectors, services
from annotator.dashboard.forms import (
    GoldUploadForm,
    PolicyForm,
    ProjectCreateForm,
    ProjectSettingsForm,
    StatusForm,
)
from annotator.projects import services as project_services
from annotator.projects.models import Project
from annotator.quality.services.rules import policy_for

PROJECT_PAGE = "dashboard/project_detail.html"


def _own_project(request: HttpRequest, project_id: int) -> Project:
    projects = selectors.owned_projects(request.user).select_related("dataset", "owner")
    return get_object_or_404(projects, pk=project_id)


@requester_required
def project_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = ProjectCreateForm(
        request.POST or None,
        datasets=selectors.datasets_for_requester(user),
        projects=selectors.owned_projects(user),
    )
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        try:
            with transaction.atomic():
                project = project_services.project_create(owner=user, **fields)
                project_services.project_add_tasks(project=project)
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, f"Project created in draft with {project.tasks.count()} tasks."
            )
            return redirect("dashboard:project-detail", project_id=project.pk)
    return render(request, "dashboard/project_form.html", {"form": form, "project": None})


@requester_required
def project_edit(request: HttpRequest, project_id: int) -> HttpResponse:
    project = _own_project(request, project_id)
    initial = ProjectSettingsForm.initial_from(project)
    form = ProjectSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.project_configure(project=project, fields=form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Settings saved.")
            return redirect("dashboard:project-detail", project_id=project.pk)
    return render(request, "dashboard/project_form.html", {"form": form, "project": project})


@requester_required
def project_rules(request: HttpRequest, project_id: int) -> HttpResponse:
    project = _own_project(request, project_id)
    policy = policy_for(project)
    form = PolicyForm(request.POST or None, policy=policy)
    if request.method == "POST" and form.is_valid():
        try:
            services.policy_update(project=project, fields=form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Quality rules saved.")
            return redirect("dashboard:project-detail", project_id=project.pk)
    return render(request, "dashboard/project_rules.html", {"form": form, "project": project})


@requester_required
def project_gold(request: HttpRequest, project_id: int) -> HttpResponse:
    project = _own_project(request, project_id)
    form = GoldUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            count = services.gold_import(project=project, text=form.cleaned_data["file"])
        except DomainError as exc:
            form.add_error("file", str(exc))
        else:
            messages.success(request, f"{count} control tasks set from the gold file.")
            return redirect("dashboard:project-detail", project_id=project.pk)
    context = {"form": form, "project": project, "controls": project.tasks.filter(is_control=True)}
    return render(request, "dashboard/project_gold.html", context)


@require_POST
@requester_required
def project_status(request: HttpRequest, project_id: int) -> HttpResponse:
    project = _own_project(request, project_id)
    form = StatusForm(request.POST)
    if form.is_valid():
        try:
            project_services.project_set_status(project=project, status=form.cleaned_data["status"])
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"The project is now {project.get_status_display().lower()}.")
    return redirect("dashboard:project-detail", project_id=project.pk)


@requester_required
def project_detail(request: HttpRequest, project_id: int) -> HttpResponse:
    """The project page; htmx polls its `project-progress` partial for the ETA."""
    project = _own_project(request, project_id)
    context = project_stats.project_page_context(project)
    if request.htmx and request.htmx.target == "project-progress":
        return render(request, f"{PROJECT_PAGE}#project-progress", context)
    return render(request, PROJECT_PAGE, context)


@requester_required
def project_validation(request: HttpRequest, project_id: int) -> HttpResponse:
    """Precision and recall from the validation chain (its own fragment: it is slower)."""
    project = _own_project(request, project_id)
    context = project_stats.validation_figures(project)
    template = "dashboard/project_validation.html"
    return render(request, template + ("#validation-estimates" if request.htmx else ""), context)


@requester_required
def disagreement_list(request: HttpRequest, project_id: int) -> HttpResponse:
    project = _own_project(request, project_id)
    page = disagreements.contested_page(project, request.GET.get("page"))
    return render(request, "dashboard/disagreements.html", {"project": project, "page": page})


@requester_required
def task_detail(request: HttpRequest, project_id: int, task_id: int) -> HttpResponse:
    project = _own_project(request, project_id)
    task = get_object_or_404(project.tasks.select_related("snippet__source_file"), pk=task_id)
    context = {"project": project, "task": task, "columns": disagreements.task_columns(task)}
    return render(request, "dashboard/task_detail.html", context)


@requester_required
def detector_compare(request: HttpRequest, project_id: int) -> HttpResponse:
    """GET shows the cached comparison; POST computes it (htmx swaps the result in)."""
    project = _own_project(request, project_id)
    if request.method == "POST":
        result = detector.comparison_refresh(project)
    else:
        result = detector.cached_comparison(project)
    context = {"project": project, "result": result, "max_tasks": detector.MAX_TASKS}
    template = "dashboard/detector.html" + ("#detector-result" if request.htmx else "")
    return render(request, template, context)

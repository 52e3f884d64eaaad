"""The requester's export page: direct downloads per format, and export jobs polled
with htmx. Every view starts from the requester's own projects or export jobs."""

from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from annotator.accounts.decorators import requester_required
from annotator.exports import formats, selectors, services
from annotator.exports.spec import FLAVOURS, SpecError, spec_from_query

PAGE = "exports/project_export.html"


@require_GET
@requester_required
def project_jsonl(request: HttpRequest, project_id: int) -> StreamingHttpResponse:
    """Stream a project's annotations, one JSON record per task (see exports.formats)."""
    project = get_object_or_404(selectors.exportable_projects(request.user), pk=project_id)
    rows = selectors.project_export_rows(project=project)
    response = StreamingHttpResponse(formats.jsonl_lines(rows), content_type="application/x-ndjson")
    filename = f"project-{project.pk}-annotations.jsonl"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
@requester_required
def project_export(request: HttpRequest, project_id: int) -> HttpResponse:
    project = get_object_or_404(selectors.exportable_projects(request.user), pk=project_id)
    job = None
    if request.GET.get("job", "").isdigit():
        jobs = selectors.export_jobs_for_owner(request.user)
        job = jobs.filter(pk=request.GET["job"], params__project_id=project.pk).first()
    context = {
        "project": project,
        "flavours": FLAVOURS,
        "categories": selectors.export_categories(project),
        "export": selectors.export_job_view(job) if job else None,
    }
    return render(request, PAGE, context)


@require_GET
@requester_required
def project_download(request: HttpRequest, project_id: int) -> HttpResponse:
    """The same stream as the API's export endpoint, with the same query parameters."""
    project = get_object_or_404(selectors.exportable_projects(request.user), pk=project_id)
    try:
        spec = spec_from_query(request.GET)
    except SpecError as exc:
        return HttpResponseBadRequest(f"{exc.field}: {exc}", content_type="text/plain")
    chunks = formats.batched_text(selectors.export_chunks(project=project, spec=spec))
    response = StreamingHttpResponse(chunks, content_type=spec.flavour.content_type)
    response["Content-Disposition"] = f'attachment; filename="{spec.filename(project.pk)}"'
    return response


@require_POST
@requester_required
def job_start(request: HttpRequest, project_id: int) -> HttpResponse:
    project = get_object_or_404(selectors.exportable_projects(request.user), pk=project_id)
    try:
        spec = spec_from_query(request.POST)
    except SpecError as exc:
        return render(request, f"{PAGE}#export-job", {"project": project, "error": str(exc)})
    job = services.export_start(owner=request.user, project=project, spec=spec)
    if not request.htmx:
        return redirect(reverse("exports:project-export", args=[project.pk]) + f"?job={job.pk}")
    context = {"project": project, "export": selectors.export_job_view(job)}
    return render(request, f"{PAGE}#export-job", context)


@require_GET
@requester_required
def job_status(request: HttpRequest, job_id: int) -> HttpResponse:
    job = get_object_or_404(selectors.export_jobs_for_owner(request.user), pk=job_id)
    project_id = job.params.get("project_id")
    if not request.htmx:
        return redirect(reverse("exports:project-export", args=[project_id]) + f"?job={job.pk}")
    context = {"export": selectors.export_job_view(job)}
    return render(request, f"{PAGE}#export-job", context)


@require_GET
@requester_required
def job_download(request: HttpRequest, job_id: int) -> FileResponse:
    job = get_object_or_404(selectors.export_jobs_for_owner(request.user), pk=job_id)
    path = services.export_file(job)
    if path is None:
        raise Http404("This export is not ready, or its file is gone.")
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=job.result["filename"],
        content_type=job.result["content_type"],
    )

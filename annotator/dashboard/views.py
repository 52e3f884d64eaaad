from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django_htmx.http import HttpResponseStopPolling

from annotator.accounts.decorators import requester_required
from annotator.catalog import services as catalog_services
from annotator.core.exceptions import DomainError
from annotator.dashboard import inbox, selectors
from annotator.dashboard.forms import DatasetUploadForm

JOB_PAGE = "dashboard/job_detail.html"


@requester_required
def home(request: HttpRequest) -> HttpResponse:
    context = selectors.home_context(user=request.user)
    context["unread"] = inbox.unread_count(request.user)
    return render(request, "dashboard/home.html", context)


@requester_required
def dataset_list(request: HttpRequest) -> HttpResponse:
    context = selectors.dataset_list_context(user=request.user)
    return render(request, "dashboard/dataset_list.html", context)


@requester_required
def dataset_new(request: HttpRequest) -> HttpResponse:
    form = DatasetUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = catalog_services.dataset_create_from_upload(
                owner=request.user,
                name=form.cleaned_data["name"],
                upload=form.cleaned_data["file"],
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("dashboard:job-detail", job_id=job.pk)
    return render(request, "dashboard/dataset_new.html", {"form": form})


@requester_required
def dataset_detail(request: HttpRequest, dataset_id: int) -> HttpResponse:
    dataset = get_object_or_404(selectors.datasets_for_requester(request.user), pk=dataset_id)
    context = selectors.dataset_detail_context(dataset=dataset, page_number=request.GET.get("page"))
    return render(request, "dashboard/dataset_detail.html", context)


@requester_required
def snippet_detail(request: HttpRequest, snippet_id: int) -> HttpResponse:
    snippet = get_object_or_404(selectors.snippets_for_requester(request.user), pk=snippet_id)
    return render(
        request, "dashboard/snippet_detail.html", selectors.snippet_context(snippet=snippet)
    )


@requester_required
def job_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    """The import job page; htmx polls its `job-status` partial until the job ends."""
    job = get_object_or_404(selectors.import_jobs_for_requester(request.user), pk=job_id)
    context = selectors.job_context(job=job)
    if not request.htmx:
        return render(request, JOB_PAGE, context)
    fragment = render_to_string(f"{JOB_PAGE}#job-status", context, request=request)
    if job.is_finished:
        return HttpResponseStopPolling(fragment)
    return HttpResponse(fragment)

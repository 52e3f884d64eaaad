from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet

from annotator.accounts.models import User
from annotator.catalog.models import Dataset, Snippet, SourceFile
from annotator.core.models import Job
from annotator.core.progress import progress_get
from annotator.projects.models import Project

FILES_PER_PAGE = 50


def sees_everything(user) -> bool:
    """Superusers and the admin role see every requester's data; requesters their own."""
    return user.is_superuser or user.role == User.Role.ADMIN


def datasets_for_requester(user):
    qs = Dataset.objects.all() if sees_everything(user) else Dataset.objects.filter(owner=user)
    return qs.annotate(file_count=Count("files", distinct=True))


def owned_projects(user) -> QuerySet[Project]:
    """The projects a requester may open (no annotations: cheap to filter and join)."""
    return Project.objects.all() if sees_everything(user) else Project.objects.filter(owner=user)


def projects_for_requester(user):
    return owned_projects(user).select_related("dataset").annotate(task_count=Count("tasks"))


def import_jobs_for_requester(user) -> QuerySet[Job]:
    qs = Job.objects.filter(kind=Job.Kind.IMPORT)
    return qs if sees_everything(user) else qs.filter(owner=user)


def snippets_for_requester(user) -> QuerySet[Snippet]:
    qs = Snippet.objects.select_related("source_file", "dataset")
    return qs if sees_everything(user) else qs.filter(dataset__owner=user)


def home_context(*, user) -> dict:
    return {
        "datasets": datasets_for_requester(user),
        "projects": projects_for_requester(user),
    }


def dataset_list_context(*, user) -> dict:
    datasets = datasets_for_requester(user).annotate(snippet_count=Count("snippets", distinct=True))
    return {"datasets": datasets, "jobs": import_jobs_for_requester(user)[:10]}


def dataset_files_page(*, dataset: Dataset, page_number) -> Page:
    # Never load file contents for a listing: they can be megabytes each.
    files = (
        SourceFile.objects.filter(dataset=dataset)
        .only("path", "language", "license", "repository", "line_count", "dataset_id")
        .annotate(snippet_count=Count("snippets"))
        .order_by("path", "pk")
    )
    return Paginator(files, FILES_PER_PAGE).get_page(page_number)


def dataset_detail_context(*, dataset: Dataset, page_number) -> dict:
    page = dataset_files_page(dataset=dataset, page_number=page_number)
    first_snippets = dict(
        Snippet.objects.filter(source_file__in=[f.pk for f in page], index=0).values_list(
            "source_file_id", "pk"
        )
    )
    for source in page:
        source.first_snippet_id = first_snippets.get(source.pk)
    return {"dataset": dataset, "page": page, "snippet_total": dataset.snippets.count()}


@dataclass(frozen=True)
class NumberedLine:
    number: int
    text: str


def snippet_lines(snippet: Snippet) -> list[NumberedLine]:
    """The snippet's lines with their real line numbers in the file."""
    lines = snippet.text.split("\n")
    if snippet.text.endswith("\n"):
        lines.pop()  # the newline ends the last line, it does not start a new one
    return [NumberedLine(snippet.start_line + i, line) for i, line in enumerate(lines)]


def snippet_context(*, snippet: Snippet) -> dict:
    siblings = Snippet.objects.filter(source_file_id=snippet.source_file_id)
    return {
        "snippet": snippet,
        "dataset": snippet.dataset,
        "lines": snippet_lines(snippet),
        "previous": siblings.filter(index=snippet.index - 1).values_list("pk", flat=True).first(),
        "next": siblings.filter(index=snippet.index + 1).values_list("pk", flat=True).first(),
    }


def job_context(*, job: Job) -> dict:
    live = progress_get(job.pk) if not job.is_finished else None
    result = job.result or {}
    skipped = {k: v for k, v in (result.get("files_skipped") or {}).items() if v}
    return {
        "job": job,
        "percent": round((live.fraction if live else job.progress) * 100),
        "done": live.done if live else 0,
        "total": live.total if live else 0,
        "rate": f"{live.rate:.1f}" if live else "",
        "result": result,
        "skipped": skipped,
        "dataset_id": job.params.get("dataset_id"),
    }

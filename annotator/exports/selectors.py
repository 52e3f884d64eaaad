"""Reads behind the exports: scoped projects and the streamed task rows."""

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import TypeVar

from django.db.models import F, QuerySet

from annotator.core.models import Job
from annotator.core.progress import progress_get
from annotator.core.taxonomy import Category
from annotator.exports import bio, formats
from annotator.exports.formats import (
    AnnotationRow,
    FinalSpanRow,
    SnippetRow,
    SpanRow,
    TaskRow,
    gold_span_rows,
)
from annotator.exports.spec import ExportSpec
from annotator.labeling.models import Annotation, Span
from annotator.projects.models import FinalSpan, Project, Task

EXPORT_CHUNK = 500
R = TypeVar("R")


def exportable_projects(user) -> QuerySet[Project]:
    """Projects whose annotations this user may download: their own, or all for superusers."""
    projects = Project.objects.select_related("dataset")
    if user.is_superuser:
        return projects
    return projects.filter(owner=user)


def _export_tasks(project: Project, *, only_validated: bool = False) -> QuerySet[Task]:
    tasks = Task.objects.filter(project=project)
    if only_validated:
        tasks = tasks.filter(validation=Task.Validation.ACCEPTED)
    return tasks.order_by("pk")


_TASK_COLUMNS = (
    "pk",
    "snippet_id",
    "snippet__source_file__path",
    "snippet__source_file__language",
    "snippet__source_file__license",
    "snippet__source_file__repository",
    "snippet__start_line",
    "snippet__line_count",
    "snippet__start_offset",
    "snippet__text",
    "is_control",
    "gold_spans",
)


def _annotation_rows(
    task_ids: list[int], categories: tuple[str, ...] = ()
) -> dict[int, list[AnnotationRow]]:
    """Every submitted annotation of these tasks, with its spans, by task id."""
    spans = Span.objects.filter(annotation__assignment__task_id__in=task_ids)
    if categories:
        spans = spans.filter(category__in=categories)
    by_annotation: dict[int, list[SpanRow]] = defaultdict(list)
    span_columns = ("annotation_id", "start", "end", "category", "context")
    for annotation_id, *values in spans.order_by().values_list(*span_columns):
        by_annotation[annotation_id].append(SpanRow(*values))
    answers = Annotation.objects.filter(assignment__task_id__in=task_ids).values_list(
        "pk", "assignment__task_id", "assignment__annotator_id", "no_pii", "problem",
        "assignment__submitted_at", "created_at", "time_spent_ms",
    )  # fmt: skip
    by_task: dict[int, list[AnnotationRow]] = defaultdict(list)
    for pk, task_id, annotator, no_pii, problem, submitted, created, spent in answers.order_by():
        spans_of = tuple(by_annotation.get(pk, ()))
        row = AnnotationRow(pk, annotator, no_pii, problem, submitted or created, spent, spans_of)
        by_task[task_id].append(row)
    return by_task


def project_export_rows(
    *, project: Project, spec: ExportSpec | None = None, chunk_size: int = EXPORT_CHUNK
) -> Iterator[TaskRow]:
    """Yield one TaskRow per task, by task id, over a server-side cursor (kind=raw).

    Plain tuples, not model instances (the export is a hot path). Memory stays at one
    chunk of tasks; queries are 1 + 2 per chunk (annotations, then spans), whatever the
    number of tasks. Of the filters, raw exports honour `categories` (on spans) and
    `only_validated` (on tasks). Control tasks keep their gold: requesters only.
    """
    spec = spec or ExportSpec()
    dataset = project.dataset.name
    tasks = _export_tasks(project, only_validated=spec.only_validated)
    cursor = tasks.values_list(*_TASK_COLUMNS).iterator(chunk_size=chunk_size)
    while chunk := list(islice(cursor, chunk_size)):
        answers = _annotation_rows([values[0] for values in chunk], spec.categories)
        for values in chunk:
            yield _task_row(values, dataset, answers.get(values[0], ()))


def _task_row(values: tuple, dataset: str, answers: Iterable[AnnotationRow]) -> TaskRow:
    pk, snippet, path, language, license_, repository, line, lines, *rest = values
    offset, text, control, gold = rest
    return TaskRow(
        task_id=pk,
        snippet_id=snippet,
        dataset=dataset,
        path=path,
        language=language,
        license=license_,
        repository=repository,
        start_line=line,
        end_line=line + lines - 1,
        start_offset=offset,
        text=text,
        is_control=control,
        gold_spans=gold_span_rows(gold) if control else (),
        annotations=tuple(answers),
    )


# --- aggregated: final spans of finalised generation tasks ------------------------------

_SNIPPET_COLUMNS = (
    "pk",
    "round",
    "validation",
    "snippet_id",
    "snippet__source_file_id",
    "snippet__source_file__path",
    "snippet__source_file__language",
    "snippet__source_file__content_hash",
    "snippet__start_line",
    "snippet__line_count",
    "snippet__start_offset",
    "snippet__text",
)


def aggregated_tasks(project: Project, spec: ExportSpec) -> QuerySet[Task]:
    """Tasks whose current round has final spans: finalised, aggregated, not control.

    Control tasks are left out: they carry the requester's gold, not crowd labels.
    Ordered by file and position in it, so the files format can group as it streams.
    """
    tasks = Task.objects.filter(
        project=project,
        is_control=False,
        status=Task.Status.FINAL,
        aggregated_at__isnull=False,
    )
    if spec.only_validated:
        tasks = tasks.filter(validation=Task.Validation.ACCEPTED)
    return tasks.order_by("snippet__source_file_id", "snippet__index", "pk")


def _final_spans(task_ids: list[int], spec: ExportSpec) -> dict[int, list[FinalSpanRow]]:
    """The current round's non-rejected final spans of these tasks, filtered."""
    spans = FinalSpan.objects.filter(task_id__in=task_ids, round=F("task__round")).exclude(
        verdict=FinalSpan.Verdict.REJECTED
    )
    if spec.categories:
        spans = spans.filter(category__in=spec.categories)
    if spec.min_confidence is not None:
        spans = spans.filter(confidence__gte=spec.min_confidence)
    by_task: dict[int, list[FinalSpanRow]] = {}
    columns = ("task_id", "start", "end", "category", "context", "confidence", "verdict")
    for task_id, *values in spans.order_by().values_list(*columns):
        by_task.setdefault(task_id, []).append(FinalSpanRow(*values))
    return by_task


def _snippet_row(values: tuple, dataset: str, spans: list[FinalSpanRow]) -> SnippetRow:
    task_id, round_, validation, snippet_id, file_id, path, language, digest, *rest = values
    start_line, line_count, start_offset, text = rest
    return SnippetRow(
        task_id=task_id,
        snippet_id=snippet_id,
        dataset=dataset,
        source_file_id=file_id,
        path=path,
        language=language,
        content_hash=digest,
        start_line=start_line,
        line_count=line_count,
        start_offset=start_offset,
        text=text,
        round=round_,
        validation=validation,
        spans=tuple(spans),
    )


def aggregated_rows(
    *, project: Project, spec: ExportSpec, chunk_size: int = EXPORT_CHUNK
) -> Iterator[SnippetRow]:
    """Yield one SnippetRow per exported task over a server-side cursor.

    Plain tuples, not model instances (the export is a hot path): one query for the
    cursor plus one for the spans of each chunk of `chunk_size` tasks.
    """
    dataset_name = project.dataset.name
    cursor = (
        aggregated_tasks(project, spec)
        .values_list(*_SNIPPET_COLUMNS)
        .iterator(chunk_size=chunk_size)
    )
    while chunk := list(islice(cursor, chunk_size)):
        spans = _final_spans([values[0] for values in chunk], spec)
        for values in chunk:
            yield _snippet_row(values, dataset_name, spans.get(values[0], []))


def export_task_count(*, project: Project, spec: ExportSpec) -> int:
    if spec.kind == "raw":
        return _export_tasks(project, only_validated=spec.only_validated).count()
    return aggregated_tasks(project, spec).count()


def _counted(rows: Iterable[R], on_row: Callable[[int], None] | None) -> Iterator[R]:
    for done, row in enumerate(rows, start=1):
        yield row
        if on_row is not None:
            on_row(done)


def export_chunks(
    *,
    project: Project,
    spec: ExportSpec,
    chunk_size: int = EXPORT_CHUNK,
    on_row: Callable[[int], None] | None = None,
) -> Iterator[str]:
    """The export's text, one record (a snippet, or a file) per chunk, in a stable order.

    `on_row(n)` is called after the n-th snippet was read (progress of export jobs).
    """
    if spec.kind == "raw":
        raw = project_export_rows(project=project, spec=spec, chunk_size=chunk_size)
        yield from formats.jsonl_lines(_counted(raw, on_row))
        return
    rows = _counted(aggregated_rows(project=project, spec=spec, chunk_size=chunk_size), on_row)
    if spec.format == "bio":
        yield from bio.bio_chunks(rows)
    elif spec.format == "bigcode":
        yield from map(formats.jsonl_line, map(formats.bigcode_record, rows))
    elif spec.format == "files":
        yield from map(formats.jsonl_line, formats.files_records(rows))
    else:
        yield from map(formats.jsonl_line, map(formats.aggregated_record, rows))


def export_jobs_for_owner(user) -> QuerySet[Job]:
    """Export jobs whose files this user may download: their own only."""
    return Job.objects.filter(kind=Job.Kind.EXPORT, owner=user)


def export_job_view(job: Job) -> dict:
    """What the export page shows of a job: live progress while it runs, the file after."""
    live = None if job.is_finished else progress_get(job.pk)
    result = job.result or {}
    return {
        "job": job,
        "percent": round(100 * (live.fraction if live else job.progress)),
        "done": live.done if live else result.get("snippets", 0),
        "total": live.total if live else result.get("snippets", 0),
        "rate": round(live.rate) if live else None,
        "size": result.get("size"),
        "filename": result.get("filename", ""),
    }


def export_categories(project: Project) -> list[tuple[str, str]]:
    """The categories worth filtering on: the project's own, and AMBIGUOUS."""
    codes = [*project.categories, Category.AMBIGUOUS]
    return [(code, Category(code).label) for code in codes]

"""Reads behind the exports: scoped projects and the streamed task rows."""

from collections.abc import Iterator

from django.db.models import Prefetch, QuerySet

from annotator.exports.formats import AnnotationRow, SpanRow, TaskRow, gold_span_rows
from annotator.labeling.models import Assignment
from annotator.projects.models import Project, Task

EXPORT_CHUNK = 500


def exportable_projects(user) -> QuerySet[Project]:
    """Projects whose annotations this user may download: their own, or all for superusers."""
    projects = Project.objects.select_related("dataset")
    if user.is_superuser:
        return projects
    return projects.filter(owner=user)


def _export_tasks(project: Project) -> QuerySet[Task]:
    submitted = (
        Assignment.objects.filter(annotation__isnull=False)
        .select_related("annotation")
        .order_by("annotation__id")
    )
    return (
        Task.objects.filter(project=project)
        .select_related("snippet__source_file")
        # The whole file is never needed here, only its metadata.
        .defer("snippet__source_file__content")
        .prefetch_related(
            Prefetch("assignments", queryset=submitted), "assignments__annotation__spans"
        )
        .order_by("pk")
    )


def _annotation_rows(task: Task) -> tuple[AnnotationRow, ...]:
    rows = []
    for assignment in task.assignments.all():
        annotation = assignment.annotation
        rows.append(
            AnnotationRow(
                annotation_id=annotation.pk,
                annotator_id=assignment.annotator_id,
                no_pii=annotation.no_pii,
                problem=annotation.problem,
                submitted_at=assignment.submitted_at or annotation.created_at,
                time_spent_ms=annotation.time_spent_ms,
                spans=tuple(
                    SpanRow(s.start, s.end, s.category, s.context) for s in annotation.spans.all()
                ),
            )
        )
    return tuple(rows)


def project_export_rows(*, project: Project, chunk_size: int = EXPORT_CHUNK) -> Iterator[TaskRow]:
    """Yield one TaskRow per task, by task id, over a server-side cursor.

    Memory stays at one chunk of tasks; queries are 1 + 2 per chunk (assignments with
    their annotations, then spans), whatever the number of tasks.
    """
    dataset_name = project.dataset.name
    for task in _export_tasks(project).iterator(chunk_size=chunk_size):
        snippet = task.snippet
        source = snippet.source_file
        yield TaskRow(
            task_id=task.pk,
            snippet_id=snippet.pk,
            dataset=dataset_name,
            path=source.path,
            language=source.language,
            license=source.license,
            repository=source.repository,
            start_line=snippet.start_line,
            end_line=snippet.end_line,
            start_offset=snippet.start_offset,
            text=snippet.text,
            is_control=task.is_control,
            gold_spans=gold_span_rows(task.gold_spans) if task.is_control else (),
            annotations=_annotation_rows(task),
        )

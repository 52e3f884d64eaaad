"""Writes on projects and their tasks."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import transaction

from annotator.catalog.models import Dataset, Snippet
from annotator.core import taxonomy
from annotator.core.exceptions import DomainError
from annotator.projects.models import Pipeline, Project, Task

TASK_BATCH = 2000


@dataclass(frozen=True)
class SpanInput:
    """A labeled span in snippet offsets: [start, end), 0-based, end exclusive."""

    start: int
    end: int
    category: str
    context: str = taxonomy.Context.REAL


def spans_validate(
    *, spans: Sequence[SpanInput], text: str, categories: Iterable[str]
) -> list[SpanInput]:
    """Check spans against a snippet and a project's categories; return them sorted.

    AMBIGUOUS is always allowed. Raises DomainError naming the first bad span.
    """
    allowed = set(categories) | {taxonomy.Category.AMBIGUOUS}
    ordered = sorted(spans, key=lambda s: (s.start, s.end))
    previous: SpanInput | None = None
    for span in ordered:
        where = f"Span {span.start}-{span.end}"
        if span.start < 0 or span.end > len(text):
            raise DomainError(f"{where} lies outside the snippet (0-{len(text)}).")
        if span.start >= span.end:
            raise DomainError(f"{where} is empty or reversed.")
        if span.category not in taxonomy.Category.values:
            raise DomainError(f"{where}: unknown category {span.category!r}.")
        if span.category not in allowed:
            raise DomainError(f"{where}: this project does not label {span.category}.")
        if span.context not in taxonomy.Context.values:
            raise DomainError(f"{where}: unknown context {span.context!r}.")
        if span.context != taxonomy.Context.REAL and not taxonomy.has_context(span.category):
            raise DomainError(f"{where}: {span.category} takes no context.")
        if previous is not None and span.start < previous.end:
            raise DomainError(f"{where} overlaps span {previous.start}-{previous.end}.")
        previous = span
    return ordered


def project_create(
    *,
    owner,
    dataset: Dataset,
    name: str,
    categories: Sequence[str],
    kind: str = Project.Kind.GENERATION,
    pipeline: Pipeline | None = None,
    **settings,
) -> Project:
    """Create a project in draft; raises DomainError on a bad category list."""
    try:
        ordered = taxonomy.validate_categories(list(categories))
    except ValueError as exc:
        raise DomainError(str(exc)) from exc
    if dataset.owner_id != owner.pk and not owner.is_superuser:
        raise DomainError("You can only build projects on your own datasets.")
    return Project.objects.create(
        owner=owner,
        dataset=dataset,
        name=name,
        kind=kind,
        pipeline=pipeline,
        categories=ordered,
        **settings,
    )


def project_set_status(*, project: Project, status: str) -> Project:
    allowed = {
        Project.Status.DRAFT: {Project.Status.ACTIVE},
        Project.Status.ACTIVE: {Project.Status.PAUSED, Project.Status.FINISHED},
        Project.Status.PAUSED: {Project.Status.ACTIVE, Project.Status.FINISHED},
        Project.Status.FINISHED: set(),
    }
    if status not in allowed[project.status]:
        raise DomainError(f"A {project.status} project cannot become {status}.")
    project.status = status
    project.save(update_fields=["status", "updated_at"])
    return project


@transaction.atomic
def project_add_tasks(*, project: Project, snippet_ids: Iterable[int] | None = None) -> int:
    """Add a task for each snippet of the dataset (or the given ones) not yet in the project.

    Returns the number of tasks created. Safe to call again: existing tasks are kept.
    """
    if snippet_ids is None:
        snippet_ids = (
            Snippet.objects.filter(dataset=project.dataset)
            .order_by("pk")
            .values_list("pk", flat=True)
            .iterator(chunk_size=TASK_BATCH)
        )
    existing = set(project.tasks.values_list("snippet_id", flat=True))
    created = 0
    batch: list[Task] = []
    for snippet_id in snippet_ids:
        if snippet_id in existing:
            continue
        batch.append(Task(project=project, snippet_id=snippet_id))
        if len(batch) == TASK_BATCH:
            created += len(Task.objects.bulk_create(batch))
            batch = []
    created += len(Task.objects.bulk_create(batch))
    return created


@transaction.atomic
def control_task_set(
    *, project: Project, snippet: Snippet, gold: Sequence[SpanInput], explanation: str = ""
) -> Task:
    """Make the snippet a control task of the project with these gold spans."""
    if snippet.dataset_id != project.dataset_id:
        raise DomainError("The snippet belongs to another dataset.")
    spans = spans_validate(spans=gold, text=snippet.text, categories=project.categories)
    gold_spans = [
        {"start": s.start, "end": s.end, "category": s.category, "context": s.context}
        for s in spans
    ]
    task, _ = Task.objects.update_or_create(
        project=project,
        snippet=snippet,
        defaults={"is_control": True, "gold_spans": gold_spans, "explanation": explanation},
    )
    return task

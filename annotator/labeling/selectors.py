"""Reads for the labeling pages: scoped querysets and the page context."""

from bisect import bisect_right
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from annotator.core import taxonomy
from annotator.labeling.models import Annotation, Assignment
from annotator.labeling.rendering import Line, Mark, render_lines
from annotator.projects.models import Project, Task


@dataclass(frozen=True)
class CategoryChoice:
    code: str
    label: str
    chip: str
    has_context: bool


@dataclass(frozen=True)
class DraftSpan:
    index: int
    start: int
    end: int
    category: str
    context: str
    text: str
    line: int  # file line number where the span starts

    @property
    def chip(self) -> str:
        return taxonomy.LOOKS[self.category].chip

    @property
    def context_label(self) -> str:
        return taxonomy.Context(self.context).label


def projects_for_annotator(user) -> QuerySet[Project]:
    """Projects an annotator may work on. The one place to add skill and ban filters."""
    return (
        Project.objects.filter(status=Project.Status.ACTIVE)
        .annotate(open_tasks=Count("tasks", filter=Q(tasks__status=Task.Status.OPEN)))
        .order_by("name", "pk")
    )


def projects_for_preview(user) -> QuerySet[Project]:
    """Projects a requester may preview: their own (all of them for superusers)."""
    projects = Project.objects.all() if user.is_superuser else Project.objects.filter(owner=user)
    return projects.annotate(
        open_tasks=Count("tasks", filter=Q(tasks__status=Task.Status.OPEN))
    ).order_by("name", "pk")


def assignments_for_annotator(user) -> QuerySet[Assignment]:
    return Assignment.objects.filter(annotator=user).select_related(
        "task__project", "task__snippet__source_file"
    )


def assignment_live(*, annotator, project: Project) -> Assignment | None:
    """The annotator's in-progress assignment in the project whose lease still runs."""
    return (
        assignments_for_annotator(annotator)
        .filter(
            task__project=project,
            status=Assignment.Status.IN_PROGRESS,
            lease_expires_at__gt=timezone.now(),
        )
        .order_by("-lease_expires_at")
        .first()
    )


def category_choices(project: Project) -> list[CategoryChoice]:
    codes = [*project.categories, taxonomy.Category.AMBIGUOUS]
    return [
        CategoryChoice(
            code=code,
            label=taxonomy.Category(code).label,
            chip=taxonomy.LOOKS[code].chip,
            has_context=taxonomy.has_context(code),
        )
        for code in codes
    ]


def _draft_spans(assignment: Assignment, lines: list[Line]) -> list[DraftSpan]:
    text = assignment.task.snippet.text
    starts = [line.offset for line in lines]
    spans = []
    for index, raw in enumerate(assignment.draft_spans):
        line = lines[bisect_right(starts, raw["start"]) - 1]
        span_text = text[raw["start"] : raw["end"]]
        spans.append(DraftSpan(index=index, text=span_text, line=line.number, **raw))
    return spans


def code_lines(*, text: str, start_line: int, draft_spans: list[dict]) -> list[Line]:
    marks = [
        Mark(s["start"], s["end"], s["category"], s["context"], i)
        for i, s in enumerate(draft_spans)
    ]
    return render_lines(text, marks, start_line=start_line)


def labeling_context(assignment: Assignment) -> dict:
    """Everything the labeling page shows for an assignment.

    Never includes gold spans or `is_control`: a control task must look exactly like
    any other task, or annotators would learn to spot them.
    """
    task = assignment.task
    snippet = task.snippet
    lines = code_lines(
        text=snippet.text, start_line=snippet.start_line, draft_spans=assignment.draft_spans
    )
    return {
        "assignment": assignment,
        "project": task.project,
        "snippet_path": snippet.source_file.path,
        "snippet_language": snippet.source_file.language,
        "first_line": snippet.start_line,
        "last_line": snippet.end_line,
        "lines": lines,
        "draft_spans": _draft_spans(assignment, lines),
        "categories": category_choices(task.project),
        "contexts": taxonomy.Context.choices,
        "problems": Annotation.Problem.choices,
    }


def empty_context(project: Project) -> dict:
    """The page when the annotator has no task left in the project."""
    return {"project": project, "categories": category_choices(project)}


def preview_context(project: Project) -> dict:
    """A read-only look at the project's first open task, for its requester."""
    task = (
        project.tasks.filter(status=Task.Status.OPEN)
        .select_related("snippet__source_file")
        .order_by("pk")
        .first()
    )
    context: dict = {"project": project, "preview": True, "categories": category_choices(project)}
    if task is not None:
        snippet = task.snippet
        context |= {
            "snippet_path": snippet.source_file.path,
            "snippet_language": snippet.source_file.language,
            "first_line": snippet.start_line,
            "last_line": snippet.end_line,
            "lines": code_lines(text=snippet.text, start_line=snippet.start_line, draft_spans=[]),
        }
    return context

"""The disagreement browser: tasks whose crowd labels are least certain, and one task
with every annotator's spans side by side with the aggregate (reads only)."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Count, F, Min, Q, QuerySet

from annotator.labeling.models import Assignment
from annotator.labeling.rendering import Line, Mark, lexer_for, render_lines
from annotator.projects.models import FinalSpan, Project, Task

TASKS_PER_PAGE = 50


def contested_tasks(project: Project) -> QuerySet[Task]:
    """Answered ordinary tasks, least confident first (the weakest final span decides),
    then those with the most distinct answers; tasks with no final span come last."""
    current = Q(final_spans__round=F("round"))
    return (
        Task.objects.filter(project=project, is_control=False, submitted_count__gt=0)
        .select_related("snippet__source_file")
        .only("pk", "status", "round", "validation", "submitted_count",
              "snippet__start_line", "snippet__source_file__path")
        .annotate(
            min_confidence=Min("final_spans__confidence", filter=current),
            final_count=Count("final_spans", filter=current),
        )
        .order_by(F("min_confidence").asc(nulls_last=True), "-submitted_count", "pk")
    )  # fmt: skip


def contested_page(project: Project, page_number) -> Page:
    return Paginator(contested_tasks(project), TASKS_PER_PAGE).get_page(page_number)


@dataclass(frozen=True)
class Column:
    title: str
    subtitle: str
    lines: list[Line]
    span_count: int
    annotator_id: int | None = None


def _column(title, subtitle, snippet, spans, lexer, annotator_id=None) -> Column:
    marks = [Mark(s[0], s[1], s[2], s[3], i) for i, s in enumerate(spans)]
    lines = render_lines(snippet.text, marks, start_line=snippet.start_line, lexer=lexer)
    return Column(title, subtitle, lines, len(marks), annotator_id)


def _answer_subtitle(assignment: Assignment) -> str:
    annotation = getattr(assignment, "annotation", None)
    if annotation is None:
        return ""
    if annotation.problem:
        return f"problem report: {annotation.get_problem_display()}"
    if annotation.no_pii:
        return "no PII"
    return f"round {assignment.task.round}" if assignment.task.round > 1 else ""


def task_columns(task: Task) -> list[Column]:
    """The aggregate (or gold), then one column per submitted answer, oldest first."""
    snippet = task.snippet
    lexer = lexer_for(snippet.source_file.path, snippet.source_file.language)
    columns = []
    if task.is_control:
        gold = [(s["start"], s["end"], s["category"], s["context"]) for s in task.gold_spans]
        columns.append(_column("Gold", "control task", snippet, gold, lexer))
    else:
        finals = FinalSpan.objects.filter(task=task, round=task.round).order_by("start")
        spans = [(f.start, f.end, f.category, f.context) for f in finals]
        weakest = min((f.confidence for f in finals), default=None)
        note = "not aggregated yet" if task.aggregated_at is None else (
            f"lowest confidence {weakest:.2f}" if weakest is not None else "no PII"
        )  # fmt: skip
        columns.append(_column("Aggregate", note, snippet, spans, lexer))
    answers = (
        Assignment.objects.filter(task=task, status=Assignment.Status.SUBMITTED)
        .select_related("annotator", "annotation", "task")
        .prefetch_related("annotation__spans")
        .order_by("submitted_at", "pk")
    )
    for assignment in answers:
        spans = [(s.start, s.end, s.category, s.context) for s in assignment.annotation.spans.all()]
        columns.append(
            _column(
                assignment.annotator.username,
                _answer_subtitle(assignment),
                snippet,
                spans,
                lexer,
                assignment.annotator_id,
            )
        )
    return columns

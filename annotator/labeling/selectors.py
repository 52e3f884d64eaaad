"""Reads for the labeling pages: scoped querysets and the page context."""

from bisect import bisect_right
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from django.db import connection
from django.db.models import BigIntegerField, Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils import timezone

from annotator.core import taxonomy
from annotator.detection.models import Suggestion
from annotator.labeling.models import Annotation, Assignment
from annotator.labeling.rendering import SUGGESTION, Line, Mark, lexer_for, render_lines
from annotator.projects.models import Project, Task
from annotator.quality.services.access import accessible_projects


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


@dataclass(frozen=True)
class SuggestedSpan:
    """A detector suggestion as the labeling page shows it (never gold: see Suggestion)."""

    pk: int
    start: int
    end: int
    category: str
    context: str
    text: str
    line: int  # file line number where the suggestion starts

    @property
    def chip(self) -> str:
        return taxonomy.LOOKS[self.category].chip

    @property
    def context_label(self) -> str:
        return taxonomy.Context(self.context).label


def projects_for_annotator(user) -> QuerySet[Project]:
    """Active projects the annotator may work on (consent, skills, bans: see quality access)."""
    active = Project.objects.filter(status=Project.Status.ACTIVE)
    return (
        accessible_projects(annotator=user, projects=active)
        .annotate(open_tasks=Count("tasks", filter=Q(tasks__status=Task.Status.OPEN)))
        .order_by("name", "pk")
    )


def projects_for_preview(user) -> QuerySet[Project]:
    """Projects a requester may preview: their own (all of them for superusers)."""
    projects = Project.objects.all() if user.is_superuser else Project.objects.filter(owner=user)
    return projects.annotate(
        open_tasks=Count("tasks", filter=Q(tasks__status=Task.Status.OPEN))
    ).order_by("name", "pk")


_UNKNOWN = object()


def assignments_for_annotator(user) -> QuerySet[Assignment]:
    # Not the whole file's content: every labeling request goes through here, and the
    # pages and the API only show the snippet's text and the file's path and language.
    return (
        Assignment.objects.filter(annotator=user)
        .select_related("task__project", "task__snippet__source_file")
        .defer("task__snippet__source_file__content")
    )


def assignment_rows_for_annotator(user) -> QuerySet[Assignment]:
    """The annotator's assignments alone, for actions whose service locks and reads the
    task itself (the API's skip and report): no joins to build on a hot path."""
    return Assignment.objects.filter(annotator=user)


def _live() -> Q:
    return Q(status=Assignment.Status.IN_PROGRESS, lease_expires_at__gt=timezone.now())


def with_live_assignment(*, annotator, projects: QuerySet[Project]) -> QuerySet[Project]:
    """`projects`, each annotated `live_assignment_id`: the id of what `assignment_live`
    would return at the time of the query, or None.

    For a hot path (the API's next task), used at once: most calls hold no assignment,
    and the project's own query then tells so instead of a lookup of its own.
    """
    # In SQL: built from the ORM, this subquery cost more CPU than the lookup it spares.
    quote = connection.ops.quote_name
    a, t = quote(Assignment._meta.db_table), quote(Task._meta.db_table)
    live = RawSQL(
        f"""(SELECT a."id" FROM {a} a JOIN {t} t ON t."id" = a."task_id"
            WHERE a."annotator_id" = %s AND t."project_id" = {quote(Project._meta.db_table)}."id"
              AND a."status" = %s AND a."lease_expires_at" > %s
            ORDER BY a."lease_expires_at" DESC LIMIT 1)""",
        [
            annotator.pk,
            Assignment.Status.IN_PROGRESS,
            connection.ops.adapt_datetimefield_value(timezone.now()),
        ],
        output_field=BigIntegerField(),
    )
    return projects.annotate(live_assignment_id=live)


def assignment_live(*, annotator, project: Project) -> Assignment | None:
    """The annotator's in-progress assignment in the project whose lease still runs.

    No query for a project from `with_live_assignment` that found none.
    """
    known = getattr(project, "live_assignment_id", _UNKNOWN)
    if known is None:
        return None
    live = assignments_for_annotator(annotator).filter(_live())
    live = live.filter(task__project=project) if known is _UNKNOWN else live.filter(pk=known)
    return live.order_by("-lease_expires_at").first()


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


def code_lines(
    *,
    text: str,
    start_line: int,
    draft_spans: list[dict],
    path: str = "",
    language: str = "",
    suggestions: Sequence[Suggestion] = (),
) -> list[Line]:
    """`suggestions` must not overlap the draft spans or each other (visible_suggestions)."""
    marks = [
        Mark(s["start"], s["end"], s["category"], s["context"], i)
        for i, s in enumerate(draft_spans)
    ]
    marks += [Mark(s.start, s.end, s.category, s.context, s.pk, SUGGESTION) for s in suggestions]
    lexer = lexer_for(path, language)
    return render_lines(text, marks, start_line=start_line, lexer=lexer)


def suggestions_shown(project: Project) -> bool:
    """Suggestions appear only where the requester turned them on, and never in quizzes."""
    return project.show_suggestions and project.kind == Project.Kind.GENERATION


def suggestions_for_assignment(assignment: Assignment) -> QuerySet[Suggestion]:
    """The detector's suggestions on the assignment's snippet, in the project's categories.

    The same for every task of a snippet: they come from the detector, never from gold.
    """
    return Suggestion.objects.filter(
        snippet_id=assignment.task.snippet_id, category__in=assignment.task.project.categories
    ).order_by("start", "-score", "pk")


def visible_suggestions(
    suggestions: Iterable[Suggestion], *, draft_spans: list[dict], hidden: Collection[int] = ()
) -> list[Suggestion]:
    """Those not rejected (`hidden`) and not overlapping a draft span or a kept one.

    Two sources may propose overlapping spans: the first in (start, -score) order wins.
    """
    taken = [(d["start"], d["end"]) for d in draft_spans]
    kept = []
    for suggestion in suggestions:
        if suggestion.pk in hidden:
            continue
        if any(suggestion.start < end and start < suggestion.end for start, end in taken):
            continue
        kept.append(suggestion)
        taken.append((suggestion.start, suggestion.end))
    return kept


def _suggested_spans(text: str, suggestions: list[Suggestion], lines: list[Line]) -> list:
    starts = [line.offset for line in lines]
    return [
        SuggestedSpan(
            pk=s.pk,
            start=s.start,
            end=s.end,
            category=s.category,
            context=s.context,
            text=text[s.start : s.end],
            line=lines[bisect_right(starts, s.start) - 1].number,
        )
        for s in suggestions
    ]


def labeling_context(assignment: Assignment, *, hidden_suggestions: Collection[int] = ()) -> dict:
    """Everything the labeling page shows for an assignment.

    Never includes gold spans or `is_control`: a control task must look exactly like
    any other task, or annotators would learn to spot them. `suggestions` is None when
    the project does not show them (the page then has no suggestion markup at all).
    `hidden_suggestions`: ids the annotator rejected on this assignment.
    """
    task = assignment.task
    snippet = task.snippet
    suggested = None
    if suggestions_shown(task.project):
        suggested = visible_suggestions(
            suggestions_for_assignment(assignment),
            draft_spans=assignment.draft_spans,
            hidden=hidden_suggestions,
        )
    lines = code_lines(
        text=snippet.text,
        start_line=snippet.start_line,
        draft_spans=assignment.draft_spans,
        path=snippet.source_file.path,
        language=snippet.source_file.language,
        suggestions=suggested or (),
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
        "suggestions": (
            None if suggested is None else _suggested_spans(snippet.text, suggested, lines)
        ),
        "categories": category_choices(task.project),
        "contexts": taxonomy.Context.choices,
        "problems": Annotation.Problem.choices,
        # Counted on the server: the client's clock may be off, its counter only adds.
        "elapsed_seconds": int((timezone.now() - assignment.created_at).total_seconds()),
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
            "lines": code_lines(
                text=snippet.text,
                start_line=snippet.start_line,
                draft_spans=[],
                path=snippet.source_file.path,
                language=snippet.source_file.language,
            ),
        }
    return context


# --- the annotator's side: progress, access and the home page ------------------------


@dataclass(frozen=True)
class Progress:
    done_today: int
    earnings_cents: int  # everything earned: rewards, bonuses and adjustments
    bonus_cents: int
    bonus_level: str  # a short description, "" when there is none


def annotator_progress(user) -> Progress:
    """The progress strip: one query (three subqueries on the user's row), as every
    labeling response carries it."""
    from annotator.accounts.models import User
    from annotator.quality.models import LedgerEntry

    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    done = (
        Assignment.objects.filter(
            annotator=OuterRef("pk"), status=Assignment.Status.SUBMITTED, submitted_at__gte=today
        )
        .exclude(task__project__kind=Project.Kind.QUIZ)
        .values("annotator")
        .annotate(n=Count("pk"))
        .values("n")
    )
    ledger = LedgerEntry.objects.filter(annotator=OuterRef("pk")).values("annotator")
    earned = ledger.exclude(kind=LedgerEntry.Kind.PAYOUT).annotate(n=Sum("amount_cents"))
    bonus = ledger.filter(kind=LedgerEntry.Kind.BONUS).annotate(n=Sum("amount_cents"))
    row = (
        User.objects.filter(pk=user.pk)
        .values(
            done=Coalesce(Subquery(done), 0),
            earned=Coalesce(Subquery(earned.values("n")), 0),
            bonus=Coalesce(Subquery(bonus.values("n")), 0),
        )
        .get()
    )
    return Progress(
        done_today=row["done"],
        earnings_cents=row["earned"],
        bonus_cents=row["bonus"],
        bonus_level=_bonus_level(user, row["bonus"]),
    )


def _bonus_level(user, bonus_cents: int) -> str:
    return f"{bonus_cents / 100:.2f} earned in bonuses" if bonus_cents else "none yet"


@dataclass(frozen=True)
class BonusRule:
    accuracy: int  # percent of a day's control answers right, in this project
    cents: int


def bonus_rule(project: Project) -> BonusRule | None:
    """The project's daily bonus offer, if it makes one.

    Only the rule is shown, never the day's control count: a count that moves after a
    submit would tell the annotator which task was a control task.
    """
    from annotator.quality.models import QualityPolicy

    policy = QualityPolicy.objects.filter(project=project, bonus_cents__gt=0).first()
    return BonusRule(policy.bonus_accuracy, policy.bonus_cents) if policy else None


def projects_listed_for_annotator(user) -> QuerySet[Project]:
    """Active projects whose page an annotator may open; access decides if work is served."""
    return (
        Project.objects.filter(status=Project.Status.ACTIVE)
        .annotate(open_tasks=Count("tasks", filter=Q(tasks__status=Task.Status.OPEN)))
        .order_by("name", "pk")
    )


def open_projects(user) -> list[tuple[Project, list]]:
    """The active labeling projects (quizzes have their own list), each with the reasons
    the annotator may not work on it (empty when they may)."""
    from annotator.quality.services.access import project_access

    projects = projects_listed_for_annotator(user).exclude(kind=Project.Kind.QUIZ)
    return [(p, project_access(annotator=user, project=p).reasons) for p in projects]


def feedback_context(feedback) -> dict:
    """The quiz feedback block: the expected spans and the answer, each over the code."""
    task = feedback.assignment.task
    snippet = task.snippet

    def lines(spans) -> list[Line]:
        raw = [
            {"start": s.start, "end": s.end, "category": s.category, "context": s.context}
            for s in spans
        ]
        return code_lines(
            text=snippet.text,
            start_line=snippet.start_line,
            draft_spans=raw,
            path=snippet.source_file.path,
            language=snippet.source_file.language,
        )

    return {
        "feedback": feedback,
        "snippet_path": snippet.source_file.path,
        "first_line": snippet.start_line,
        "last_line": snippet.end_line,
        "expected_lines": lines(feedback.expected),
        "answer_lines": lines(feedback.answered),
    }


@dataclass(frozen=True)
class InstructionSection:
    category: CategoryChoice
    examples: list[dict]  # {"text", "explanation"} to label
    counter_examples: list[dict]  # look alike, but are not labeled


def instruction_sections(project: Project) -> list[InstructionSection]:
    """Project.examples grouped per category, in the project's category order."""
    sections = []
    for choice in category_choices(project):
        rows = [e for e in project.examples or [] if e.get("category") == choice.code]
        if rows:
            sections.append(
                InstructionSection(
                    category=choice,
                    examples=[e for e in rows if e.get("is_pii")],
                    counter_examples=[e for e in rows if not e.get("is_pii")],
                )
            )
    return sections

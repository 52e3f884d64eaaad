"""Writes of the labeling flow: hand out tasks, keep draft spans, submit, skip, report."""

from dataclasses import asdict
from datetime import timedelta
from functools import partial

from django.db import IntegrityError, transaction
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from annotator.core import taxonomy
from annotator.core.exceptions import DomainError
from annotator.labeling import selectors
from annotator.labeling.models import Annotation, Assignment, Span
from annotator.projects.models import Project, Task
from annotator.projects.services import SpanInput, spans_validate
from annotator.quality.jobs import task_aggregate as task_aggregate_job
from annotator.quality.models import LedgerEntry
from annotator.quality.services.access import AccessRefused, project_access
from annotator.quality.services.rules import rules_evaluate
from annotator.quality.services.skills import control_answer_record

LEASE_EXPIRED = (
    "Your time on this task ran out, so it may have gone to someone else; "
    "your marks on it were not saved."
)


def control_is_due(*, served: int, rate: float) -> bool:
    """True when the next task (number `served + 1`) should be a control task.

    A rate of 0.1 makes every 10th task a control task: predictable spacing keeps the
    share exact for every annotator, however few tasks they do.
    """
    if rate <= 0:
        return False
    every = max(1, round(1 / rate))
    return (served + 1) % every == 0


CLAIM_ATTEMPTS = 5


def _live(now) -> Q:
    """Assignments that hold a slot: submitted, or in progress under a running lease."""
    return Q(status=Assignment.Status.SUBMITTED) | Q(
        status=Assignment.Status.IN_PROGRESS, lease_expires_at__gt=now
    )


def _claimable_tasks(*, annotator, project: Project, now) -> QuerySet[Task]:
    live = (
        Assignment.objects.filter(_live(now), task=OuterRef("pk"))
        .order_by()
        .values("task")
        .annotate(n=Count("pk"))
        .values("n")
    )
    had_it = Assignment.objects.filter(task=OuterRef("pk"), annotator=annotator)
    return (
        Task.objects.filter(project=project, status=Task.Status.OPEN)
        .filter(~Exists(had_it))
        .annotate(live=Coalesce(Subquery(live, output_field=IntegerField()), 0))
        # A task's own target (dynamic overlap, a new round) overrides the project's.
        .filter(live__lt=Coalesce(F("target_overlap"), Value(project.overlap)))
        # Closest to completion first, so finished tasks reach aggregation early.
        .order_by("-submitted_count", "pk")
    )


def _lock_task(pool: QuerySet[Task], *, overlap: int, now) -> Task | None:
    """Lock the first task of the pool that still has a free slot, skipping rows others hold.

    The slot count is taken again once the row is locked: the pool's count comes from a
    snapshot that may predate a claim committed while we waited for nothing (skip_locked).
    """
    full: list[int] = []
    for _ in range(CLAIM_ATTEMPTS):
        task = pool.exclude(pk__in=full).select_for_update(skip_locked=True, of=("self",)).first()
        if task is None or Assignment.objects.filter(_live(now), task=task).count() < (
            task.target_overlap or overlap
        ):
            return task
        full.append(task.pk)
    return None


def _claim(*, annotator, project: Project) -> Assignment | None:
    now = timezone.now()
    with transaction.atomic():
        served = Assignment.objects.filter(annotator=annotator, task__project=project).count()
        want_control = control_is_due(served=served, rate=project.control_rate)
        pool = _claimable_tasks(annotator=annotator, project=project, now=now)
        task = None
        for is_control in (want_control, not want_control):
            task = _lock_task(pool.filter(is_control=is_control), overlap=project.overlap, now=now)
            if task is not None:
                break
        if task is None:
            return None
        return Assignment.objects.create(
            task=task,
            annotator=annotator,
            lease_expires_at=now + timedelta(seconds=project.lease_seconds),
        )


def assignment_next(*, annotator, project: Project) -> Assignment | None:
    """The annotator's live assignment in the project, or a newly claimed one, or None.

    Claims respect the project's overlap (submitted plus unexpired in-progress
    assignments per task), never give an annotator the same task twice, and prefer
    the tasks nearest to completion. Leases that ran out are marked EXPIRED here.
    A new claim needs `quality.services.access.project_access`: otherwise AccessRefused (a
    DomainError whose `decision.reasons` say why); a live assignment is still returned.
    """
    if project.status != Project.Status.ACTIVE:
        return None
    current = selectors.assignment_live(annotator=annotator, project=project)
    if current is not None:
        return current
    decision = project_access(annotator=annotator, project=project)
    if not decision.allowed:
        raise AccessRefused(decision)
    Assignment.objects.filter(
        annotator=annotator,
        task__project=project,
        status=Assignment.Status.IN_PROGRESS,
        lease_expires_at__lte=timezone.now(),
    ).update(status=Assignment.Status.EXPIRED, updated_at=timezone.now())
    try:
        return _claim(annotator=annotator, project=project)
    except IntegrityError:
        # Two tabs of the same annotator raced for the same task: the loser tries once more.
        return _claim(annotator=annotator, project=project)


def _lock_open(assignment: Assignment) -> Assignment:
    """Lock the assignment row; refuse unless it is in progress with its lease running."""
    locked = Assignment.objects.select_for_update().get(pk=assignment.pk)
    if locked.status == Assignment.Status.EXPIRED:  # the beat job got there first
        raise DomainError(LEASE_EXPIRED)
    if locked.status != Assignment.Status.IN_PROGRESS:
        raise DomainError("This task is closed; take the next one.")
    if locked.lease_expires_at <= timezone.now():
        raise DomainError(LEASE_EXPIRED)
    return locked


def _validated(assignment: Assignment, spans: list[SpanInput]) -> list[SpanInput]:
    task = Task.objects.select_related("project", "snippet").get(pk=assignment.task_id)
    return spans_validate(spans=spans, text=task.snippet.text, categories=task.project.categories)


def _drafts(assignment: Assignment) -> list[SpanInput]:
    return [SpanInput(**raw) for raw in assignment.draft_spans]


@transaction.atomic
def assignment_span_add(*, assignment: Assignment, span: SpanInput) -> Assignment:
    """Add a draft span; raises DomainError (bounds, overlap, category, context, lease)."""
    locked = _lock_open(assignment)
    if not taxonomy.has_context(span.category):
        span = SpanInput(span.start, span.end, span.category)
    spans = _validated(locked, [*_drafts(locked), span])
    locked.draft_spans = [asdict(s) for s in spans]
    locked.save(update_fields=["draft_spans", "updated_at"])
    return locked


@transaction.atomic
def assignment_span_remove(*, assignment: Assignment, index: int) -> Assignment:
    locked = _lock_open(assignment)
    if not 0 <= index < len(locked.draft_spans):
        raise DomainError("That span is no longer there.")
    del locked.draft_spans[index]
    locked.save(update_fields=["draft_spans", "updated_at"])
    return locked


@transaction.atomic
def assignment_span_change(
    *, assignment: Assignment, index: int, category: str, context: str = taxonomy.Context.REAL
) -> Assignment:
    """Give a draft span another category (and context); its offsets stay."""
    locked = _lock_open(assignment)
    if not 0 <= index < len(locked.draft_spans):
        raise DomainError("That span is no longer there.")
    spans = _drafts(locked)
    old = spans[index]
    if not taxonomy.has_context(category):
        context = taxonomy.Context.REAL
    spans[index] = SpanInput(old.start, old.end, category, context)
    locked.draft_spans = [asdict(s) for s in _validated(locked, spans)]
    locked.save(update_fields=["draft_spans", "updated_at"])
    return locked


@transaction.atomic
def assignment_submit(
    *, assignment: Assignment, no_pii: bool = False, time_spent_ms: int = 0
) -> Annotation:
    """Turn the draft spans into an Annotation, pay the reward, count the task's slot.

    Idempotent: submitting an already submitted assignment (a double click, a network
    retry) returns its existing annotation and changes nothing. A lease that ran out
    is refused (DomainError), even if no one took the slot yet: the slot may be handed
    out again at any moment, and accepting late work could push a task past its overlap.
    Submitting needs either spans or `no_pii`, never both.
    """
    locked = Assignment.objects.select_for_update().get(pk=assignment.pk)
    if locked.status == Assignment.Status.SUBMITTED:
        return locked.annotation
    locked = _lock_open(locked)
    spans = _validated(locked, _drafts(locked))
    if no_pii and spans:
        raise DomainError("You marked spans and also ticked 'No PII'. Remove one or the other.")
    if not no_pii and not spans:
        raise DomainError("Mark at least one span, or tick 'No PII in this snippet'.")
    annotation = Annotation.objects.create(
        assignment=locked, no_pii=no_pii, time_spent_ms=max(0, time_spent_ms)
    )
    Span.objects.bulk_create(Span(annotation=annotation, **asdict(s)) for s in spans)
    locked.status, locked.submitted_at = Assignment.Status.SUBMITTED, timezone.now()
    locked.save(update_fields=["status", "submitted_at", "updated_at"])
    project = locked.task.project
    LedgerEntry.objects.create(
        annotator_id=locked.annotator_id,
        project=project,
        assignment=locked,
        kind=LedgerEntry.Kind.REWARD,
        amount_cents=project.reward_cents,
    )
    control_answer_record(assignment=locked, annotation=annotation)
    rules_evaluate(assignment=locked)
    # Last: the task row is shared by every annotator of the task, and its lock is held
    # until commit, so the fewer statements after it, the less the others wait.
    if _task_count_submission(locked):
        transaction.on_commit(partial(task_aggregate_job.delay, locked.task_id))
    return annotation


def _task_count_submission(assignment: Assignment) -> bool:
    """Count the slot; True when the task is now complete (its answers can be aggregated)."""
    overlap = Coalesce(F("target_overlap"), Value(assignment.task.project.overlap))
    # One UPDATE, so concurrent submits on the same task cannot lose a count.
    Task.objects.filter(pk=assignment.task_id).update(
        submitted_count=F("submitted_count") + 1,
        status=Case(
            When(submitted_count__gte=overlap - 1, then=Value(Task.Status.COMPLETE)),
            default=F("status"),
        ),
        updated_at=timezone.now(),
    )
    return Task.objects.filter(
        pk=assignment.task_id, status=Task.Status.COMPLETE, is_control=False
    ).exists()


@transaction.atomic
def assignment_skip(*, assignment: Assignment) -> Assignment:
    """Give the task back; its slot is free at once. Skipping twice is harmless."""
    locked = Assignment.objects.select_for_update().get(pk=assignment.pk)
    if locked.status == Assignment.Status.SKIPPED:
        return locked
    if locked.status == Assignment.Status.SUBMITTED:
        raise DomainError("This task is already submitted.")
    locked.status = Assignment.Status.SKIPPED
    locked.save(update_fields=["status", "updated_at"])
    rules_evaluate(assignment=locked)
    return locked


@transaction.atomic
def assignment_report(*, assignment: Assignment, problem: str, comment: str = "") -> Annotation:
    """Report a snippet that cannot be labeled: stored as an Annotation with `problem`.

    No spans, no reward and no penalty; the assignment counts as skipped, so the slot
    is freed for someone else. Works after the lease ran out too: the report is still news.
    """
    if problem not in Annotation.Problem.values:
        raise DomainError("Pick what is wrong with this snippet.")
    if problem == Annotation.Problem.OTHER and not comment.strip():
        raise DomainError("Tell us what is wrong in the comment.")
    locked = Assignment.objects.select_for_update().get(pk=assignment.pk)
    if locked.status == Assignment.Status.SUBMITTED:
        raise DomainError("This task is already submitted.")
    existing = Annotation.objects.filter(assignment=locked).first()
    if existing is not None:
        return existing
    annotation = Annotation.objects.create(
        assignment=locked, problem=problem, comment=comment.strip()
    )
    locked.status = Assignment.Status.SKIPPED
    locked.save(update_fields=["status", "updated_at"])
    return annotation


def assignments_expire() -> int:
    """Mark every in-progress assignment whose lease ran out EXPIRED, in one UPDATE.

    Run by beat every minute (`labeling.jobs.assignments_expire`). The slot is already
    free once the lease time passes (claims count only running leases); this makes the
    state visible and keeps the live-assignment lookups small. Safe to run any time.
    """
    now = timezone.now()
    return Assignment.objects.filter(
        status=Assignment.Status.IN_PROGRESS, lease_expires_at__lte=now
    ).update(status=Assignment.Status.EXPIRED, updated_at=now)

"""Writes of the labeling flow: hand out tasks, keep draft spans, submit, skip, report."""

from collections.abc import Sequence
from dataclasses import asdict
from datetime import timedelta

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from annotator.core import taxonomy
from annotator.core.exceptions import DomainError
from annotator.core.jobs import enqueue_on_commit
from annotator.labeling import selectors
from annotator.labeling.models import Annotation, Assignment, Span
from annotator.projects.models import Project, Task
from annotator.projects.services import SpanInput, spans_validate
from annotator.quality.jobs import task_aggregate as task_aggregate_job
from annotator.quality.models import LedgerEntry
from annotator.quality.services.access import AccessDecision, AccessRefused, access_decision
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

_A, _T = Assignment._meta.db_table, Task._meta.db_table
_LIVE_SQL = (
    "(a.status = 'submitted' OR (a.status = 'in_progress' AND a.lease_expires_at > %(now)s))"
)

# An assignment's project, read by the task's primary key for each of the annotator's
# assignments: a correlated subquery, which the planner cannot turn into a join that
# reads the project's every task when its statistics are wrong or missing.
_IN_PROJECT = f"(SELECT project_id FROM {_T} WHERE id = {{a}}.task_id) = %(project)s"

# One statement: mark the annotator's ran-out leases in the project EXPIRED, count what
# they were served (for the control spacing), and lock the first claimable task of the
# due kind (control or not; the other kind when `flip`), closest to completion first.
# The candidates come in the order of task_claim_idx, so the per-task tests run only
# until one passes and its row can be locked: the cost does not grow with the number of
# open tasks, and the plan does not depend on statistics (a freshly imported project has
# none until ANALYZE runs). Always one row; its task is NULL when none is claimable.
_CLAIM_SQL = f"""
WITH expired AS (
    UPDATE {_A} SET status = 'expired', updated_at = %(now)s
    WHERE annotator_id = %(annotator)s AND status = 'in_progress'
      AND lease_expires_at <= %(now)s AND {_IN_PROJECT.format(a=_A)}
), want AS (
    SELECT %(every)s > 0 AND (count(*) + 1) %% GREATEST(%(every)s, 1) = 0 AS control
    FROM {_A} a WHERE a.annotator_id = %(annotator)s AND {_IN_PROJECT.format(a="a")}
)
SELECT c.id, c.target FROM want LEFT JOIN LATERAL (
    SELECT t.id, COALESCE(t.target_overlap, %(overlap)s) AS target FROM {_T} t
    WHERE t.project_id = %(project)s AND t.status = 'open'
      AND t.is_control = (want.control <> %(flip)s)
      AND NOT (t.id = ANY(%(full)s))
      AND (  -- one probe of the task's assignments: a free slot, none of them this annotator's
          SELECT count(*) FILTER (WHERE {_LIVE_SQL}) < COALESCE(t.target_overlap, %(overlap)s)
             AND NOT COALESCE(bool_or(a.annotator_id = %(annotator)s), false)
          FROM {_A} a WHERE a.task_id = t.id
      )
    ORDER BY t.submitted_count DESC, t.id
    LIMIT 1 FOR UPDATE OF t SKIP LOCKED
) c ON true
"""

# The slot count again, now that the task row is locked: the claim statement's snapshot
# may predate a claim committed since. Inserts nothing when the task is full by now.
_INSERT_SQL = f"""
INSERT INTO {_A} (created_at, updated_at, task_id, annotator_id, status, lease_expires_at,
                  submitted_at, draft_spans)
SELECT %(now)s, %(now)s, %(task)s, %(annotator)s, 'in_progress', %(lease)s, NULL, '[]'::jsonb
WHERE (SELECT count(*) FROM {_A} a WHERE a.task_id = %(task)s AND {_LIVE_SQL}) < %(target)s
RETURNING id
"""


def _control_every(rate: float) -> int:
    """Every how many tasks a control task is due (see control_is_due); 0 for never."""
    return max(1, round(1 / rate)) if rate > 0 else 0


def _claim(*, annotator, project: Project) -> Assignment | None:
    """Claim a task in two statements (lock a candidate, insert if a slot is still free).

    The unique (task, annotator) constraint stays the backstop: two tabs of the same
    annotator racing for one task end in IntegrityError (see assignment_next). The SQL is
    PostgreSQL's; the demo's embedded SQLite (one process, no SKIP LOCKED) takes the
    portable ORM path with the same rules.
    """
    if connection.vendor != "postgresql":
        return _claim_portable(annotator=annotator, project=project)
    params = _claim_params(annotator=annotator, project=project)
    with transaction.atomic(), connection.cursor() as cursor:
        attempts = 0
        while attempts < CLAIM_ATTEMPTS:
            cursor.execute(_CLAIM_SQL, params)
            task, target = cursor.fetchone()
            if task is None:  # nothing of the due kind: the other kind, then nothing
                if params["flip"]:
                    return None
                params["flip"] = True
                continue
            cursor.execute(_INSERT_SQL, params | {"task": task, "target": target})
            inserted = cursor.fetchone()
            if inserted is not None:
                break
            params["full"] = [*params["full"], task]  # filled since the statement's snapshot
            attempts += 1
        else:
            return None
    claimed = (
        Assignment.objects.select_related("task__snippet__source_file")
        .defer("task__snippet__source_file__content")  # as assignments_for_annotator
        .get(pk=inserted[0])
    )
    claimed.task.project = project  # the caller's row: its columns need not be read again
    return claimed


def _claim_params(*, annotator, project: Project) -> dict:
    """The parameters of _CLAIM_SQL and _INSERT_SQL for a first attempt."""
    now = timezone.now()
    return {
        "now": now,
        "annotator": annotator.pk,
        "project": project.pk,
        "overlap": project.overlap,
        "every": _control_every(project.control_rate),
        "lease": now + timedelta(seconds=project.lease_seconds),
        "full": [],  # tasks found full under the lock: not tried again
        "flip": False,  # True: the kind that is not due
    }


def _claim_portable(*, annotator, project: Project) -> Assignment | None:
    now = timezone.now()
    mine = Assignment.objects.filter(annotator=annotator, task__project=project)
    mine.filter(status=Assignment.Status.IN_PROGRESS, lease_expires_at__lte=now).update(
        status=Assignment.Status.EXPIRED, updated_at=now
    )
    want_control = control_is_due(served=mine.count(), rate=project.control_rate)
    live = (
        Assignment.objects.filter(task=OuterRef("pk"))
        .filter(
            Q(status=Assignment.Status.SUBMITTED)
            | Q(status=Assignment.Status.IN_PROGRESS, lease_expires_at__gt=now)
        )
        .order_by()
        .values("task")
        .annotate(n=Count("pk"))
        .values("n")
    )
    pool = (
        Task.objects.filter(project=project, status=Task.Status.OPEN)
        .exclude(Exists(Assignment.objects.filter(task=OuterRef("pk"), annotator=annotator)))
        .annotate(live=Coalesce(Subquery(live, output_field=IntegerField()), 0))
        .filter(live__lt=Coalesce(F("target_overlap"), Value(project.overlap)))
    )
    for is_control in (want_control, not want_control):
        task = pool.filter(is_control=is_control).order_by("-submitted_count", "pk").first()
        if task is not None:
            return Assignment.objects.create(
                task=task,
                annotator=annotator,
                lease_expires_at=now + timedelta(seconds=project.lease_seconds),
            )
    return None


def assignment_next(
    *, annotator, project: Project, access: AccessDecision | None = None
) -> Assignment | None:
    """The annotator's live assignment in the project, or a newly claimed one, or None.

    Claims respect the project's overlap (submitted plus unexpired in-progress
    assignments per task), never give an annotator the same task twice, and prefer
    the tasks nearest to completion. Leases that ran out are marked EXPIRED here.
    A new claim needs `quality.services.access.project_access`: otherwise AccessRefused (a
    DomainError whose `decision.reasons` say why); a live assignment is still returned.
    `access`: the decision the caller already took for this request, so it is not taken
    twice. The assignment comes with its task, project, snippet and file loaded.
    """
    if project.status != Project.Status.ACTIVE:
        return None
    current = selectors.assignment_live(annotator=annotator, project=project)
    if current is not None:
        return current
    decision = (
        access if access is not None else access_decision(annotator=annotator, project=project)
    )
    if not decision.allowed:
        raise AccessRefused(decision)
    try:
        return _claim(annotator=annotator, project=project)
    except IntegrityError:
        # Two tabs of the same annotator raced for the same task: the loser tries once more.
        return _claim(annotator=annotator, project=project)


def _lock(assignment_id: int, *, with_policy: bool = False, annotator=None) -> Assignment:
    """Lock the assignment's row, reading its task, project and snippet in the same query.

    Only the assignment row is locked (`of`): the task row is shared by every annotator
    of the task. One query instead of the three or four lazy loads that followed it.
    `with_policy`: the project's quality policy too (a submit's rules read it), which
    `quality.services.rules.policy_for` then takes instead of a query of its own.
    `annotator`: only if it is theirs (Assignment.DoesNotExist otherwise).
    """
    related = ["task__project", "task__snippet"]
    if with_policy:
        related.append("task__project__quality_policy")
    rows = Assignment.objects.select_for_update(of=("self",)).select_related(*related)
    if annotator is not None:
        rows = rows.filter(annotator=annotator)
    return rows.get(pk=assignment_id)


def _lock_open(assignment: Assignment) -> Assignment:
    """Lock the assignment row; refuse unless it is in progress with its lease running."""
    return _check_open(_lock(assignment.pk))


def _check_open(locked: Assignment) -> Assignment:
    if locked.status == Assignment.Status.EXPIRED:  # the beat job got there first
        raise DomainError(LEASE_EXPIRED)
    if locked.status != Assignment.Status.IN_PROGRESS:
        raise DomainError("This task is closed; take the next one.")
    if locked.lease_expires_at <= timezone.now():
        raise DomainError(LEASE_EXPIRED)
    return locked


def _validated(assignment: Assignment, spans: list[SpanInput]) -> list[SpanInput]:
    task = assignment.task  # loaded with the lock (_lock)
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
def assignment_spans_set(*, assignment: Assignment, spans: Sequence[SpanInput]) -> Assignment:
    """Replace all the draft spans with `spans` in one write.

    Accepts and refuses exactly what removing every draft and then adding `spans` one by
    one with assignment_span_add would, with the same message (the first span whose
    addition fails is named), but locks and writes the row once.
    """
    locked = _lock_open(assignment)
    _spans_set(locked, spans)
    return locked


def _spans_set(locked: Assignment, spans: Sequence[SpanInput]) -> None:
    """assignment_spans_set on the `locked` open assignment."""
    spans = [s if taxonomy.has_context(s.category) else SpanInput(s.start, s.end, s.category)
             for s in spans]  # fmt: skip
    try:
        ordered = _validated(locked, spans)
    except DomainError:
        for end in range(1, len(spans) + 1):  # the error span_add would have raised
            _validated(locked, spans[:end])
        raise
    drafts = [asdict(s) for s in ordered]
    if drafts != locked.draft_spans:
        locked.draft_spans = drafts
        locked.save(update_fields=["draft_spans", "updated_at"])


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
    locked = _lock(assignment.pk, with_policy=True)
    return _submit(locked, no_pii=no_pii, time_spent_ms=time_spent_ms)


@transaction.atomic
def assignment_submit_spans(
    *,
    annotator,
    assignment_id: int,
    spans: Sequence[SpanInput],
    no_pii: bool = False,
    time_spent_ms: int = 0,
) -> Annotation:
    """The API's submit: assignment_spans_set, then assignment_submit.

    One row lock, taken only if the assignment is the annotator's (Assignment.DoesNotExist
    otherwise, before anything else is checked). Submitting an already submitted
    assignment returns its annotation, whatever `spans` say; the new spans are refused
    (DomainError, nothing written) as the page's span adds would refuse them.
    """
    locked = _lock(assignment_id, with_policy=True, annotator=annotator)
    if locked.status != Assignment.Status.SUBMITTED and (spans or locked.draft_spans):
        _spans_set(_check_open(locked), spans)
    return _submit(locked, no_pii=no_pii, time_spent_ms=time_spent_ms)


def _submit(locked: Assignment, *, no_pii: bool, time_spent_ms: int) -> Annotation:
    """assignment_submit on the row `_lock(with_policy=True)` locked."""
    if locked.status == Assignment.Status.SUBMITTED:
        return locked.annotation
    locked = _check_open(locked)
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
    if locked.task.is_control:  # it scores nothing else: spare its savepoint
        control_answer_record(assignment=locked, annotation=annotation)
    rules_evaluate(assignment=locked)
    # Last: the task row is shared by every annotator of the task, and its lock is held
    # until commit, so the fewer statements after it, the less the others wait.
    if submission_pay_and_count(assignment=locked):
        enqueue_on_commit(task_aggregate_job, locked.task_id)
    return annotation


# One UPDATE, so concurrent submits on the same task cannot lose a count; RETURNING
# tells in the same round trip whether this answer completed the task.
_COUNT_SQL = f"""
UPDATE {_T} SET submitted_count = submitted_count + 1, updated_at = %(now)s,
    status = CASE WHEN submitted_count >= COALESCE(target_overlap, %(overlap)s) - 1
                  THEN %(complete)s ELSE status END
WHERE id = %(task)s
RETURNING status = %(complete)s AND NOT is_control
"""


_L = LedgerEntry._meta.db_table
# The reward's ledger row and the count in one round trip (PostgreSQL runs the INSERT in
# the WITH clause whatever the UPDATE does); the unique (assignment, kind) key still
# refuses a second reward.
_PAY_AND_COUNT_SQL = f"""
WITH reward AS (
    INSERT INTO {_L} (created_at, updated_at, annotator_id, project_id, assignment_id, kind,
                      amount_cents, note, period)
    VALUES (%(now)s, %(now)s, %(annotator)s, %(project)s, %(assignment)s, %(reward)s,
            %(amount)s, '', NULL)
)
{_COUNT_SQL}"""


def submission_pay_and_count(*, assignment: Assignment) -> bool:
    """Pay the submitted `assignment`'s reward and count its task's slot (one statement).

    The assignment's task and project must be loaded. Returns what task_count_submission
    does: True when the task is now complete and not a control task. Label and validation
    submissions alike.
    """
    task = assignment.task
    project = task.project
    if connection.vendor != "postgresql":  # the demo's SQLite has no INSERT inside WITH
        LedgerEntry.objects.create(
            annotator_id=assignment.annotator_id, project=project, assignment=assignment,
            kind=LedgerEntry.Kind.REWARD, amount_cents=project.reward_cents,
        )  # fmt: skip
        return task_count_submission(task=task)
    return _count_slot(
        task,
        _PAY_AND_COUNT_SQL,
        annotator=assignment.annotator_id,
        project=project.pk,
        assignment=assignment.pk,
        reward=LedgerEntry.Kind.REWARD,
        amount=project.reward_cents,
    )


def task_count_submission(*, task: Task) -> bool:
    """Count one submitted slot of `task` in one UPDATE, safe against concurrent submits.

    True when the task is now complete and not a control task (its answers can be
    aggregated or decided). Used by label and validation submissions alike.
    """
    return _count_slot(task, _COUNT_SQL)


def _count_slot(task: Task, sql: str, **params) -> bool:
    """Run `sql`, a statement ending in _COUNT_SQL, with the count's parameters."""
    params |= {
        "now": timezone.now(),
        "overlap": task.project.overlap,
        "complete": Task.Status.COMPLETE,
        "task": task.pk,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return bool(row and row[0])


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

"""Quality-control rules and the sanctions they impose.

`rules_evaluate` runs after every submit and skip (inside the same transaction). Each
rule reads only the annotator's last few rows in the project, and only rows newer than
the last sanction of the same rule there, so one streak fires once and a warned
annotator starts with a clean slate. A rule set to OFF in the project's `QualityPolicy`
is not evaluated. Rules (and their policy fields):

* too fast: the last `fast_streak` submissions each took less than `fast_seconds` per
  50 lines of snippet, measured on the server (claim to submit), which no client can fake;
* skips: the last `skip_streak` tasks the annotator closed were all skipped (a problem
  report is not a skip);
* control accuracy: of the last `control_window` control answers (once there are
  `control_minimum`), so few were correct in every category that the annotator's true
  accuracy is very likely (95 %, one-sided Wilson bound) under `accuracy_min` percent;
  a bare share would suspend accurate people on a slip or two in a small sample;
* "no PII" on PII: at least `no_pii_max` of the last `no_pii_window` control tasks whose
  gold has PII were answered "No PII".

A sanction's `reason` is written for the annotator and shown to them as it is; the
requester sees the same log.
"""

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib.postgres.aggregates import BoolAnd
from django.db import connection, transaction
from django.db.models import Max, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from annotator.catalog.models import Snippet
from annotator.core.exceptions import DomainError
from annotator.core.models import AuditEntry
from annotator.core.services import audit_record
from annotator.labeling.models import Assignment
from annotator.projects.models import Project, Task
from annotator.quality.models import Action, ControlAnswer, QualityPolicy, Sanction
from annotator.quality.skills import accuracy_upper_bound
from annotator.quality.spans import AMBIGUOUS

Rule = Sanction.Rule
Status = Assignment.Status
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def policy_for(project: Project) -> QualityPolicy:
    """The project's quality policy, created with the defaults on first use.

    A project read with `select_related("quality_policy")` (the submit's lock does) has it
    already: no query then.
    """
    policy = Project.quality_policy.related.get_cached_value(project, default=None)
    if policy is None:  # not loaded, or loaded and there is no row yet
        policy, _ = QualityPolicy.objects.get_or_create(project=project)
    policy.project = project  # spares a query for callers that read policy.project
    return policy


def _consequence(action: str, until: datetime | None) -> str:
    if action == Action.SUSPEND:
        return f"You are suspended from this project until {until:%Y-%m-%d %H:%M} UTC."
    if action == Action.BAN:
        return "You are banned from this project."
    return "This is a warning: please take the time each task needs."


@transaction.atomic
def sanction_impose(
    *, annotator, project: Project, rule: str, action: str, reason: str, actor=None
) -> Sanction:
    """Log a sanction; a suspension lasts the policy's `suspend_minutes`."""
    if action not in {Action.WARN, Action.SUSPEND, Action.BAN}:
        raise DomainError("A sanction warns, suspends or bans.")
    if not reason.strip():
        raise DomainError("Say why: the annotator is shown the reason.")
    until = None
    if action == Action.SUSPEND:
        until = timezone.now() + timedelta(minutes=policy_for(project).suspend_minutes)
    sanction = Sanction.objects.create(
        annotator=annotator, project=project, rule=rule, action=action, until=until,
        reason=f"{reason.strip()} {_consequence(action, until)}", created_by=actor,
    )  # fmt: skip
    if actor is not None:  # a rule firing is logged by the Sanction row itself
        audit_record(
            actor=actor, action=AuditEntry.Action.SANCTION_IMPOSE, target_user=annotator,
            project=project, details={"sanction_id": sanction.pk, "action": action,
                                      "rule": rule, "until": until and until.isoformat()},
        )  # fmt: skip
    return sanction


@transaction.atomic
def sanction_lift(*, sanction: Sanction, actor) -> Sanction:
    """End a suspension or ban early (a requester's decision). Lifting twice is harmless."""
    locked = Sanction.objects.select_for_update().get(pk=sanction.pk)
    if locked.lifted_at is None:
        locked.lifted_at = timezone.now()
        locked.save(update_fields=["lifted_at", "updated_at"])
        audit_record(
            actor=actor, action=AuditEntry.Action.SANCTION_LIFT, target_user=locked.annotator,
            project=locked.project, details={"sanction_id": locked.pk, "action": locked.action},
        )  # fmt: skip
    return locked


def _too_fast_sql() -> str:
    quote = connection.ops.quote_name
    assignment, task = quote(Assignment._meta.db_table), quote(Task._meta.db_table)
    snippet, sanction = quote(Snippet._meta.db_table), quote(Sanction._meta.db_table)
    return f"""
    SELECT a."created_at", a."submitted_at", s."line_count"
    FROM {assignment} a
    JOIN {task} t ON t."id" = a."task_id"
    JOIN {snippet} s ON s."id" = t."snippet_id"
    WHERE a."annotator_id" = %s AND t."project_id" = %s AND a."status" = %s
      AND a."submitted_at" > COALESCE((
          SELECT MAX(l."created_at") FROM {sanction} l
          WHERE l."annotator_id" = %s AND l."project_id" = %s AND l."rule" = %s
      ), %s)
    ORDER BY a."submitted_at" DESC, a."id" DESC
    LIMIT %s"""


def _too_fast(assignment: Assignment, policy: QualityPolicy) -> str:
    """The last `fast_streak` submissions since the rule last fired (as `_last_fired`
    bounds the other rules), read in SQL: every submit of a crowd working flat out comes
    here, and building this query with the ORM cost ~1 ms of CPU each time."""
    adapt = connection.ops.adapt_datetimefield_value
    annotator, project = assignment.annotator_id, policy.project_id
    params = [annotator, project, Status.SUBMITTED, annotator, project, Rule.TOO_FAST,
              adapt(_EPOCH), policy.fast_streak]  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(_too_fast_sql(), params)
        recent = cursor.fetchall()
    if len(recent) < policy.fast_streak:
        return ""
    lines_per_task = settings.SNIPPET_LINES
    for claimed, submitted, lines in recent:
        limit = policy.fast_seconds * max(lines, 1) / lines_per_task
        if (submitted - claimed).total_seconds() >= limit:
            return ""
    return (
        f"Your last {len(recent)} submissions came in under {policy.fast_seconds} seconds "
        f"per {lines_per_task} lines of code: too fast to read the code."
    )


def _skips(assignment: Assignment, policy: QualityPolicy) -> str:
    rows = Assignment.objects.filter(
        annotator_id=assignment.annotator_id,
        task__project_id=policy.project_id,
        status__in=[Status.SUBMITTED, Status.SKIPPED],
    ).annotate(closed_at=Coalesce("submitted_at", "updated_at"))
    rows = rows.filter(closed_at__gt=_last_fired(assignment, policy, Rule.SKIPS))
    recent = rows.order_by("-closed_at", "-pk").values_list("status", "annotation__pk")[
        : policy.skip_streak
    ]
    skipped = [status == Status.SKIPPED and report is None for status, report in recent]
    if len(skipped) < policy.skip_streak or not all(skipped):
        return ""
    return f"You skipped your last {len(skipped)} tasks in a row."


def _low_accuracy(assignment: Assignment, policy: QualityPolicy) -> str:
    answers = ControlAnswer.objects.filter(
        annotator_id=assignment.annotator_id, project_id=policy.project_id
    )
    answers = answers.filter(created_at__gt=_last_fired(assignment, policy, Rule.LOW_ACCURACY))
    recent = list(
        answers.values("assignment")
        .annotate(ok=BoolAnd("correct"), at=Max("created_at"))
        .order_by("-at")
        .values_list("ok", flat=True)[: policy.control_window]
    )
    if len(recent) < policy.control_minimum:
        return ""
    # Not the bare share: 1 right of 3 is 33 %, but an annotator right 80 % of the time
    # answers that badly one time in ten. Suspended only when even the optimistic
    # estimate falls short (skills.accuracy_upper_bound).
    if 100 * accuracy_upper_bound(sum(recent), len(recent)) >= policy.accuracy_min:
        return ""
    percent = round(100 * sum(recent) / len(recent))
    return (
        f"Only {percent}% of your last {len(recent)} checked answers were right; "
        f"this project needs {policy.accuracy_min}%."
    )


def _has_pii(gold: list[dict]) -> bool:
    return any(span["category"] != AMBIGUOUS for span in gold)


def _no_pii_on_pii(assignment: Assignment, policy: QualityPolicy) -> str:
    rows = Assignment.objects.filter(
        annotator_id=assignment.annotator_id,
        task__project_id=policy.project_id,
        task__is_control=True,
        status=Status.SUBMITTED,
    ).exclude(task__gold_spans=[])
    rows = rows.filter(submitted_at__gt=_last_fired(assignment, policy, Rule.NO_PII))
    recent = rows.order_by("-submitted_at", "-pk").values_list(
        "annotation__no_pii", "task__gold_spans"
    )[: policy.no_pii_window]
    misses = sum(no_pii for no_pii, gold in recent if _has_pii(gold))
    if misses < policy.no_pii_max:
        return ""
    return (
        f"You answered 'No PII' on {misses} of your last {len(recent)} checked tasks "
        "that do contain personal data."
    )


def _came_fast(assignment: Assignment, policy: QualityPolicy) -> bool:
    """Whether this submission itself beat the too-fast limit.

    It is the newest row `_too_fast` reads, so when it took long enough the streak is
    broken and the rule cannot fire: most submits then skip the rule's two queries.
    """
    if assignment.submitted_at is None:
        return True  # cannot tell: let `_too_fast` read the rows
    lines = max(assignment.task.snippet.line_count, 1)
    limit = policy.fast_seconds * lines / settings.SNIPPET_LINES
    return (assignment.submitted_at - assignment.created_at).total_seconds() < limit


def _checks(assignment: Assignment, policy: QualityPolicy) -> list[tuple[str, str, object]]:
    """The rules this event can make fire: the others could not have changed."""
    if assignment.status == Status.SKIPPED:
        return [(Rule.SKIPS, policy.skip_action, _skips)]
    checks = []
    if _came_fast(assignment, policy):
        checks.append((Rule.TOO_FAST, policy.fast_action, _too_fast))
    if assignment.task.is_control:
        checks.append((Rule.LOW_ACCURACY, policy.accuracy_action, _low_accuracy))
        if assignment.annotation.no_pii:
            checks.append((Rule.NO_PII, policy.no_pii_action, _no_pii_on_pii))
    return checks


def rules_evaluate(*, assignment: Assignment) -> list[Sanction]:
    """Run the project's rules after a submit or skip; return the sanctions imposed."""
    project = assignment.task.project
    if project.kind == Project.Kind.QUIZ or assignment.status not in {
        Status.SUBMITTED,
        Status.SKIPPED,
    }:
        return []
    policy = policy_for(project)
    checks = [c for c in _checks(assignment, policy) if c[1] != Action.OFF]
    if not checks:
        return []  # the usual case, before any transaction is opened
    # No savepoint inside the caller's transaction (the submit's, the skip's): nothing
    # catches an error half-way, so the two round trips of one would buy nothing.
    with transaction.atomic(savepoint=False):
        return _rules_fire(assignment, project, checks, policy)


def _last_fired(assignment: Assignment, policy: QualityPolicy, rule: str) -> Coalesce:
    """SQL: when `rule` last sanctioned the annotator in the project (the epoch if never).

    An expression, not a value: each check reads it inside its own query, which spares
    a round trip per evaluation.
    """
    last = Sanction.objects.filter(
        annotator_id=assignment.annotator_id, project_id=policy.project_id, rule=rule
    ).order_by("-created_at")
    return Coalesce(Subquery(last.values("created_at")[:1]), Value(_EPOCH))


def _rules_fire(assignment: Assignment, project: Project, checks, policy) -> list[Sanction]:
    fired = []
    for rule, action, check in checks:
        reason = check(assignment, policy)  # rows since `rule` last fired (_last_fired)
        if reason:
            fired.append(
                sanction_impose(
                    annotator=assignment.annotator,
                    project=project,
                    rule=rule,
                    action=action,
                    reason=reason,
                )
            )
    return fired

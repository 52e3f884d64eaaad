"""Annotators as a requester sees them: the table and one annotator's history (reads).

Scope: only work done in the requester's own projects (every project for admins) is
counted or shown; the crowd itself is shared, so any requester may open any annotator
(as in the REST API), but sees only what happened in their projects.
"""

from __future__ import annotations

from django.db.models import (
    Case,
    Count,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Extract
from django.utils import timezone

from annotator.accounts.models import User
from annotator.dashboard.selectors import owned_projects
from annotator.labeling.models import Assignment
from annotator.projects.models import Project
from annotator.quality.models import Action, ControlAnswer, LedgerEntry, Sanction
from annotator.quality.selectors import Median, sanctions_for_requester, skill_history

Status = Assignment.Status
EARNING_KINDS = [LedgerEntry.Kind.REWARD, LedgerEntry.Kind.BONUS, LedgerEntry.Kind.ADJUSTMENT]


def _scalar(rows: QuerySet, value, output_field):
    """A correlated per-annotator subquery (no join: the table stays one row per person)."""
    grouped = rows.filter(annotator=OuterRef("pk")).order_by().values("annotator")
    subquery = Subquery(grouped.annotate(v=value).values("v"), output_field=output_field)
    return subquery if isinstance(output_field, FloatField) else Coalesce(subquery, Value(0))


def annotator_table(*, user, project: Project | None = None) -> QuerySet[User]:
    """One row per annotator with work in scope, in one SQL query.

    Columns: tasks_done, skipped, median_seconds (claim to submit), control_accuracy
    (share of control answers right, per category answered), earned_cents, rules_triggered
    (sanctions a rule imposed, not the requester) and blocked (an active ban or suspension).
    """
    projects = owned_projects(user) if project is None else Project.objects.filter(pk=project.pk)
    scope = projects.values("pk")
    seconds = Extract(F("assignments__submitted_at") - F("assignments__created_at"), "epoch")
    submitted = Q(assignments__status=Status.SUBMITTED)
    now = timezone.now()
    blocking = Q(lifted_at__isnull=True) & (
        Q(action=Action.BAN) | Q(action=Action.SUSPEND, until__gt=now)
    )
    right = Case(When(correct=True, then=Value(1.0)), default=Value(0.0), output_field=FloatField())
    return (
        User.objects.filter(assignments__task__project__in=scope)
        .annotate(
            tasks_done=Count("assignments", filter=submitted),
            skipped=Count("assignments", filter=Q(assignments__status=Status.SKIPPED)),
            median_seconds=Median(seconds, filter=submitted),
            control_accuracy=_scalar(
                ControlAnswer.objects.filter(project__in=scope),
                Sum(right) / Count("pk"),
                FloatField(),
            ),
            earned_cents=_scalar(
                LedgerEntry.objects.filter(project__in=scope, kind__in=EARNING_KINDS),
                Sum("amount_cents"),
                IntegerField(),
            ),
            rules_triggered=_scalar(
                Sanction.objects.filter(project__in=scope).exclude(rule=Sanction.Rule.MANUAL),
                Count("pk"),
                IntegerField(),
            ),
            blocked=_scalar(
                Sanction.objects.filter(blocking, project__in=scope), Count("pk"), IntegerField()
            ),
        )
        .order_by("username")
    )


def annotators_for_requester(user) -> QuerySet[User]:
    """Whom a requester may open: every annotator (the crowd is shared)."""
    return User.objects.filter(role=User.Role.ANNOTATOR)


def annotator_history(*, user, annotator: User) -> dict:
    """What the annotator did in the requester's projects, newest first."""
    projects = owned_projects(user)
    assignments = (
        Assignment.objects.filter(annotator=annotator, task__project__in=projects)
        .select_related("task__project", "annotation")
        .order_by("-created_at")[:50]
    )
    sanctions = sanctions_for_requester(user).filter(annotator=annotator)
    ledger = LedgerEntry.objects.filter(annotator=annotator, project__in=projects).select_related(
        "project"
    )[:50]
    worked_in = projects.filter(tasks__assignments__annotator=annotator).distinct()
    return {
        "annotator": annotator,
        "skills": list(annotator.skills.order_by("category")),
        "skill_events": skill_history(annotator)[:50],
        "assignments": assignments,
        "sanctions": sanctions,
        "ledger": ledger,
        "projects": worked_in,
        "summary": annotator_table(user=user).filter(pk=annotator.pk).first(),
    }

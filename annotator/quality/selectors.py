"""Reads on annotators' quality: the pay ledger, effective hourly pay, sanctions, skills."""

from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Aggregate, Count, F, FloatField, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, Extract

from annotator.labeling.models import Assignment
from annotator.projects.models import Project
from annotator.quality.models import LedgerEntry, Sanction, SkillEvent
from annotator.quality.services.rules import policy_for

Kind = LedgerEntry.Kind


class Median(Aggregate):
    function = "PERCENTILE_CONT"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def _cents(kinds) -> Coalesce:
    return Coalesce(Sum("amount_cents", filter=Q(kind__in=kinds)), 0)


def ledger_summary(*, requester) -> QuerySet:
    """One row per annotator paid in the requester's projects (all projects: superusers).

    Rows are dicts: annotator_id, username, earned (rewards and adjustments), bonus,
    paid (payouts, as a positive number) and balance (what is still owed), in cents.
    """
    entries = LedgerEntry.objects.exclude(project=None)
    if not requester.is_superuser:
        entries = entries.filter(project__owner=requester)
    return (
        entries.values("annotator_id", username=F("annotator__username"))
        .annotate(
            earned=_cents([Kind.REWARD, Kind.ADJUSTMENT]),
            bonus=_cents([Kind.BONUS]),
            paid=-_cents([Kind.PAYOUT]),
            balance=_cents(Kind.values),
        )
        .order_by("username")
    )


PAYOUT_COLUMNS = ["annotator", "username", "earned", "bonus", "paid", "balance"]
_KEYS = ["annotator_id", *PAYOUT_COLUMNS[1:]]


def payout_rows(*, requester) -> Iterator[list]:
    """The payouts CSV: a header, then one row per annotator (amounts in cents)."""
    yield PAYOUT_COLUMNS
    for row in ledger_summary(requester=requester).iterator(chunk_size=500):
        yield [row[key] for key in _KEYS]


@dataclass(frozen=True)
class HourlyPay:
    project_id: int
    tasks: int  # accepted submissions measured
    median_seconds: float | None  # None before any submission
    hourly_cents: int | None  # reward per task over the median time, per hour
    minimum_cents: int  # the requester's floor (0: none)

    @property
    def below_minimum(self) -> bool:
        return self.hourly_cents is not None and self.hourly_cents < self.minimum_cents


def project_hourly_pay(*, project: Project) -> HourlyPay:
    """Effective hourly pay: the reward of one task over the median time per task.

    Time per task is measured on the server, from claim to submit, so a client cannot
    make the figure look better than it is. The median, not the mean, so one task left
    open over lunch does not drag the figure down.
    """
    seconds = Extract(F("submitted_at") - F("created_at"), "epoch")
    stats = Assignment.objects.filter(
        task__project=project, status=Assignment.Status.SUBMITTED
    ).aggregate(median=Median(seconds), tasks=Count("pk"))
    median = stats["median"]
    hourly = None
    if median is not None:
        hourly = round(project.reward_cents * 3600 / max(median, 1.0))
    return HourlyPay(
        project_id=project.pk,
        tasks=stats["tasks"] or 0,
        median_seconds=median,
        hourly_cents=hourly,
        minimum_cents=policy_for(project).min_hourly_cents,
    )


def sanctions_for_annotator(user) -> QuerySet[Sanction]:
    """The annotator's own sanctions, newest first: each `reason` is written for them."""
    return Sanction.objects.filter(annotator=user).select_related("project")


def sanctions_for_requester(user, *, project: Project | None = None) -> QuerySet[Sanction]:
    """The sanction log of the requester's projects (every project for superusers)."""
    sanctions = Sanction.objects.select_related("annotator", "project", "created_by")
    if not user.is_superuser:
        sanctions = sanctions.filter(project__owner=user)
    if project is not None:
        sanctions = sanctions.filter(project=project)
    return sanctions


def skill_history(annotator) -> QuerySet[SkillEvent]:
    return SkillEvent.objects.filter(annotator=annotator).select_related("actor", "project")

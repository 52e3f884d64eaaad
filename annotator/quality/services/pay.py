"""Writes on annotators' pay: daily control-accuracy bonuses and payouts.

The ledger (`LedgerEntry`) holds every movement: a REWARD per accepted task (written by
`labeling.services.assignment_submit`), a BONUS per annotator, project and UTC day, and
PAYOUT entries with negative amounts, so the sum of an annotator's entries is what is
still owed to them.

Bonus: for each project whose policy offers one (`bonus_cents` > 0), an annotator whose
control answers given that day in the project were correct (in every category in play)
at least `bonus_accuracy` percent of the time, over at least `control_minimum` answers,
earns `bonus_cents`. A unique constraint makes a second award for the same day
impossible, so the job may run as often as it likes.
"""

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.contrib.postgres.aggregates import BoolAnd
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from annotator.core.exceptions import DomainError
from annotator.core.models import AuditEntry
from annotator.core.services import audit_record
from annotator.quality.models import ControlAnswer, LedgerEntry, QualityPolicy

Kind = LedgerEntry.Kind


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time.min, tzinfo=UTC)
    return start, start + timedelta(days=1)


def _day_accuracy(day: date, project_ids: list[int]) -> dict[tuple[int, int], list[bool]]:
    """(annotator, project) -> correctness of each control answer given that day."""
    start, end = _day_bounds(day)
    answers = (
        ControlAnswer.objects.filter(
            project_id__in=project_ids, created_at__gte=start, created_at__lt=end
        )
        .values("annotator_id", "project_id", "assignment_id")
        .annotate(ok=BoolAnd("correct"))
        .order_by()
    )
    by_pair: dict[tuple[int, int], list[bool]] = defaultdict(list)
    for row in answers:
        by_pair[row["annotator_id"], row["project_id"]].append(row["ok"])
    return by_pair


@transaction.atomic
def bonuses_award(*, day: date) -> int:
    """Award the control-accuracy bonuses of one UTC day; returns how many were new."""
    policies = {p.project_id: p for p in QualityPolicy.objects.filter(bonus_cents__gt=0)}
    earned = []
    for (annotator_id, project_id), oks in _day_accuracy(day, list(policies)).items():
        policy = policies[project_id]
        if len(oks) < policy.control_minimum:
            continue
        if 100 * sum(oks) < policy.bonus_accuracy * len(oks):
            continue
        earned.append(
            LedgerEntry(
                annotator_id=annotator_id,
                project_id=project_id,
                kind=Kind.BONUS,
                amount_cents=policy.bonus_cents,
                period=day,
                note=f"{sum(oks)} of {len(oks)} control answers right on {day:%Y-%m-%d}",
            )
        )
    already = set(
        LedgerEntry.objects.filter(kind=Kind.BONUS, period=day).values_list(
            "annotator_id", "project_id"
        )
    )
    new = [e for e in earned if (e.annotator_id, e.project_id) not in already]
    # A concurrent run may still insert the same rows: the constraint drops the repeats.
    LedgerEntry.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def bonuses_award_yesterday() -> int:
    return bonuses_award(day=timezone.now().date() - timedelta(days=1))


@transaction.atomic
def payouts_record(*, requester) -> list[LedgerEntry]:
    """Pay out every positive balance earned in the requester's projects.

    One PAYOUT entry (negative) per annotator and project. The requester's row is locked
    first, so two clicks on "pay" cannot pay the same balance twice.
    """
    get_user_model().objects.select_for_update().filter(pk=requester.pk).first()
    entries = LedgerEntry.objects.exclude(project=None)
    if not requester.is_superuser:
        entries = entries.filter(project__owner=requester)
    balances = (
        entries.values("annotator_id", "project_id")
        .annotate(balance=Sum("amount_cents"))
        .filter(balance__gt=0)
        .order_by("annotator_id", "project_id")
    )
    payouts = [
        LedgerEntry(
            annotator_id=row["annotator_id"],
            project_id=row["project_id"],
            kind=Kind.PAYOUT,
            amount_cents=-row["balance"],
            note=f"Paid out by #{requester.pk}",
        )
        for row in balances
    ]
    created = LedgerEntry.objects.bulk_create(payouts)
    for entry in created:
        audit_record(
            actor=requester, action=AuditEntry.Action.PAYOUT, target_user=entry.annotator,
            project=entry.project, details={"ledger_entry_id": entry.pk,
                                            "amount_cents": entry.amount_cents},
        )  # fmt: skip
    return created


@transaction.atomic
def ledger_adjust(*, annotator, project, amount_cents: int, note: str, actor) -> LedgerEntry:
    """Correct an annotator's balance in a project by hand (positive: owed to them).

    A requester may adjust pay only in their own projects; the note says why and is
    kept on the entry and in the audit log.
    """
    if not (actor.is_superuser or project.owner_id == actor.pk):
        raise DomainError("Only the project's requester can adjust pay in it.")
    if isinstance(amount_cents, bool) or not isinstance(amount_cents, int) or not amount_cents:
        raise DomainError("An adjustment is a non-zero whole number of cents.")
    if not note.strip():
        raise DomainError("Say why the pay changes.")
    entry = LedgerEntry.objects.create(
        annotator=annotator, project=project, kind=Kind.ADJUSTMENT,
        amount_cents=amount_cents, note=note.strip()[:300],
    )  # fmt: skip
    audit_record(
        actor=actor, action=AuditEntry.Action.ADJUSTMENT, target_user=annotator,
        project=project, details={"ledger_entry_id": entry.pk, "amount_cents": amount_cents,
                                  "note": entry.note},
    )  # fmt: skip
    return entry

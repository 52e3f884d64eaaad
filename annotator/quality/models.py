from django.conf import settings
from django.db import models
from django.db.models import Q

from annotator.core.models import BaseModel
from annotator.core.taxonomy import Category


class Skill(BaseModel):
    """How well an annotator labels one category, 0-100 (quiz exam, then control tasks)."""

    annotator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="skills"
    )
    category = models.CharField(max_length=16, choices=Category.choices)
    value = models.PositiveSmallIntegerField(default=0)
    opted_out = models.BooleanField(default=False)

    class Meta:
        ordering = ["annotator_id", "category"]
        constraints = [
            models.UniqueConstraint(fields=["annotator", "category"], name="skill_unique"),
            models.CheckConstraint(condition=Q(value__lte=100), name="skill_value_lte_100"),
        ]

    def __str__(self) -> str:
        return f"{self.annotator} {self.category}={self.value}"


class LedgerEntry(BaseModel):
    """One line of an annotator's pay: what was earned, given as bonus, or paid out."""

    class Kind(models.TextChoices):
        REWARD = "reward", "Reward"
        BONUS = "bonus", "Bonus"
        PAYOUT = "payout", "Payout"
        ADJUSTMENT = "adjustment", "Adjustment"

    annotator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="ledger"
    )
    project = models.ForeignKey(
        "projects.Project", on_delete=models.PROTECT, null=True, blank=True, related_name="ledger"
    )
    assignment = models.ForeignKey(
        "labeling.Assignment", on_delete=models.PROTECT, null=True, blank=True
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    amount_cents = models.IntegerField()
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "ledger entries"
        constraints = [
            # Paying twice for one assignment is impossible, whatever retries happen.
            models.UniqueConstraint(
                fields=["assignment", "kind"],
                condition=Q(assignment__isnull=False),
                name="ledger_one_entry_per_assignment_and_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount_cents}c for {self.annotator}"

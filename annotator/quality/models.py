from django.conf import settings
from django.db import models
from django.db.models import F, Q

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
    # Control answers before this moment (the last quiz or manual change) no longer count:
    # retraining starts a fresh window instead of dragging old mistakes along.
    controls_since = models.DateTimeField(null=True, blank=True)

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
    # Positive for money owed to the annotator, negative for a payout: the sum is the balance.
    amount_cents = models.IntegerField()
    note = models.CharField(max_length=300, blank=True)
    period = models.DateField(null=True, blank=True)  # the UTC day a bonus rewards

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
            # One bonus per annotator, project and day, however often the job runs.
            models.UniqueConstraint(
                fields=["annotator", "project", "period"],
                condition=Q(kind="bonus"),
                name="ledger_one_bonus_per_project_and_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount_cents}c for {self.annotator}"


class Action(models.TextChoices):
    """What a quality-control rule does when it fires."""

    OFF = "off", "Off"
    WARN = "warn", "Warn"
    SUSPEND = "suspend", "Suspend from the project for a while"
    BAN = "ban", "Ban from the project"


class QualityPolicy(BaseModel):
    """A project's quality settings: skill window, rules, bonus and fair-pay floor.

    Created with the defaults the first time it is needed (`services.rules.policy_for`).
    """

    project = models.OneToOneField(
        "projects.Project", on_delete=models.CASCADE, related_name="quality_policy"
    )
    # Skills: share of the last `control_window` control answers whose F1 reaches the
    # threshold, once there are `control_minimum` of them.
    control_window = models.PositiveSmallIntegerField(default=10)
    control_minimum = models.PositiveSmallIntegerField(default=3)
    control_threshold = models.FloatField(default=0.8)
    # Too fast: the last `fast_streak` submissions each took under `fast_seconds` per 50 lines.
    fast_action = models.CharField(max_length=8, choices=Action.choices, default=Action.WARN)
    fast_seconds = models.PositiveIntegerField(default=15)
    fast_streak = models.PositiveSmallIntegerField(default=3)
    # Skips: the last `skip_streak` tasks closed were all skipped.
    skip_action = models.CharField(max_length=8, choices=Action.choices, default=Action.WARN)
    skip_streak = models.PositiveSmallIntegerField(default=10)
    # Accuracy: very likely under `accuracy_min` percent correct over the control window
    # (the rule's 95 % upper bound of the share right is under it; services.rules).
    accuracy_action = models.CharField(max_length=8, choices=Action.choices, default=Action.SUSPEND)
    accuracy_min = models.PositiveSmallIntegerField(default=50)
    # "No PII" on PII: at least `no_pii_max` of the last `no_pii_window` control tasks with PII.
    no_pii_action = models.CharField(max_length=8, choices=Action.choices, default=Action.SUSPEND)
    no_pii_window = models.PositiveSmallIntegerField(default=5)
    no_pii_max = models.PositiveSmallIntegerField(default=3)
    suspend_minutes = models.PositiveIntegerField(default=24 * 60)
    # Bonus: per project and UTC day, when the day's control accuracy reaches `bonus_accuracy`.
    bonus_accuracy = models.PositiveSmallIntegerField(default=90)
    bonus_cents = models.PositiveIntegerField(default=0)
    # The requester is warned when the effective hourly pay falls under this (0: no floor).
    min_hourly_cents = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name_plural = "quality policies"
        constraints = [
            models.CheckConstraint(
                condition=Q(control_minimum__gte=1) & Q(control_minimum__lte=F("control_window")),
                name="policy_control_minimum_in_window",
            ),
            models.CheckConstraint(
                condition=Q(control_threshold__gte=0) & Q(control_threshold__lte=1),
                name="policy_control_threshold_0_1",
            ),
            models.CheckConstraint(
                condition=Q(accuracy_min__lte=100) & Q(bonus_accuracy__lte=100),
                name="policy_percentages_lte_100",
            ),
            models.CheckConstraint(
                condition=Q(fast_streak__gte=1)
                & Q(skip_streak__gte=1)
                & Q(no_pii_max__gte=1)
                & Q(no_pii_max__lte=F("no_pii_window")),
                name="policy_rule_counts_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"Quality policy of {self.project}"


class ControlAnswer(BaseModel):
    """One category's score of one submitted control task (exact span F1 against gold).

    Only categories in play get a row: those with a gold span or a span in the answer.
    """

    annotator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="control_answers"
    )
    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="control_answers"
    )
    task = models.ForeignKey("projects.Task", on_delete=models.CASCADE, related_name="+")
    assignment = models.ForeignKey(
        "labeling.Assignment", on_delete=models.CASCADE, related_name="control_answers"
    )
    category = models.CharField(max_length=16, choices=Category.choices)
    f1 = models.FloatField()
    correct = models.BooleanField()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "category"], name="control_answer_once_per_category"
            ),
            models.CheckConstraint(condition=Q(f1__gte=0) & Q(f1__lte=1), name="control_f1_0_1"),
        ]
        indexes = [
            models.Index(fields=["annotator", "category", "created_at"], name="control_skill_idx"),
            models.Index(fields=["annotator", "project", "created_at"], name="control_project_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.annotator} {self.category} F1={self.f1:.2f}"


class SkillEvent(BaseModel):
    """The log of every skill change: by a quiz, by control answers, or by hand."""

    class Source(models.TextChoices):
        QUIZ = "quiz", "Quiz exam"
        CONTROL = "control", "Control tasks"
        MANUAL = "manual", "Set by hand"

    annotator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="skill_events"
    )
    category = models.CharField(max_length=16, choices=Category.choices)
    old = models.PositiveSmallIntegerField(null=True, blank=True)  # None: no skill before
    new = models.PositiveSmallIntegerField()
    source = models.CharField(max_length=8, choices=Source.choices)
    reason = models.CharField(max_length=300)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    project = models.ForeignKey(
        "projects.Project", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["annotator", "category"], name="skill_event_idx")]

    def __str__(self) -> str:
        return f"{self.annotator} {self.category}: {self.old} -> {self.new} ({self.source})"


class Sanction(BaseModel):
    """A quality-control rule (or a requester) acted on an annotator in a project.

    Warnings only inform. A suspension blocks the project until `until`, a ban until
    lifted. `reason` is written for the annotator: it is shown to them as it is.
    """

    class Rule(models.TextChoices):
        TOO_FAST = "too_fast", "Too-fast submissions"
        SKIPS = "skips", "Too many skips in a row"
        LOW_ACCURACY = "low_accuracy", "Control accuracy too low"
        NO_PII = "no_pii", "'No PII' on tasks with PII"
        MANUAL = "manual", "Requester's decision"

    annotator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sanctions"
    )
    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="sanctions"
    )
    rule = models.CharField(max_length=16, choices=Rule.choices)
    action = models.CharField(max_length=8, choices=Action.choices)
    reason = models.TextField()
    until = models.DateTimeField(null=True, blank=True)
    lifted_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )  # None: a rule fired

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(action=Action.OFF), name="sanction_action_not_off"),
            models.CheckConstraint(
                condition=Q(action=Action.SUSPEND, until__isnull=False)
                | (~Q(action=Action.SUSPEND) & Q(until__isnull=True)),
                name="sanction_until_iff_suspend",
            ),
        ]
        indexes = [models.Index(fields=["annotator", "project", "rule"], name="sanction_idx")]

    def __str__(self) -> str:
        return f"{self.action} {self.annotator} in {self.project} ({self.rule})"

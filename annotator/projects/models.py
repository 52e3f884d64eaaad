from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q

from annotator.catalog.models import Dataset, Snippet
from annotator.core import taxonomy
from annotator.core.models import BaseModel


class Pipeline(BaseModel):
    """Chains one category group's projects: quiz -> generation -> validation."""

    name = models.CharField(max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="pipelines"
    )

    def __str__(self) -> str:
        return self.name


def validate_category_list(value: object) -> None:
    if not isinstance(value, list) or not all(isinstance(c, str) for c in value):
        raise ValidationError("Categories must be a list of category codes.")
    try:
        taxonomy.validate_categories(value)
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc


class AggregationMethod(models.TextChoices):
    MAJORITY = "majority", "Majority vote"
    WEIGHTED = "weighted", "Skill-weighted vote"
    DAWID_SKENE = "dawid_skene", "Dawid-Skene"


class Project(BaseModel):
    class Kind(models.TextChoices):
        QUIZ = "quiz", "Quiz"
        GENERATION = "generation", "Label generation"
        VALIDATION = "validation", "Label validation"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ACTIVE = "active", "Active"
        PAUSED = "paused", "Paused"
        FINISHED = "finished", "Finished"

    name = models.CharField(max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="projects"
    )
    dataset = models.ForeignKey(Dataset, on_delete=models.PROTECT, related_name="projects")
    pipeline = models.ForeignKey(
        Pipeline, on_delete=models.CASCADE, related_name="projects", null=True, blank=True
    )
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.GENERATION)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    # Category codes in training order, at most four (taxonomy.validate_categories).
    categories = models.JSONField(validators=[validate_category_list])
    overlap = models.PositiveSmallIntegerField(default=3)
    control_rate = models.FloatField(default=0.1)  # share of served tasks that are control tasks
    reward_cents = models.PositiveIntegerField(default=0)
    min_skill = models.PositiveSmallIntegerField(default=0)
    pass_score = models.PositiveSmallIntegerField(default=80)  # quiz exam threshold, 0..100
    lease_seconds = models.PositiveIntegerField(default=30 * 60)
    instructions = models.TextField(blank=True)
    # [{"category", "text", "is_pii", "explanation"}]: examples and counter-examples.
    examples = models.JSONField(default=list, blank=True)
    # Aggregation (generation projects): how final spans are voted, and dynamic overlap:
    # a task whose final spans are less confident than the threshold gets one more
    # annotator at a time, up to `max_overlap` answers per round (None: the overlap).
    aggregation_method = models.CharField(
        max_length=16, choices=AggregationMethod.choices, default=AggregationMethod.MAJORITY
    )
    max_overlap = models.PositiveSmallIntegerField(null=True, blank=True)
    confidence_threshold = models.FloatField(default=0.6)
    # Validation projects: whose final spans they check, and how many generation rounds a
    # snippet may take before a rejection is final.
    source_project = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="validation_projects",
    )
    max_rounds = models.PositiveSmallIntegerField(default=2)
    # Show the detector's suggestions on the labeling page. Off by default: suggestions
    # anchor the crowd, and a generation project exists to get independent labels.
    show_suggestions = models.BooleanField(
        default=False,
        help_text="Show the detector's suggestions (accept / reject / edit) to annotators. "
        "They anchor the crowd on what the detector found: leave off when you need "
        "independent labels, e.g. to measure or train the detector.",
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(overlap__gte=1), name="project_overlap_gte_1"),
            models.CheckConstraint(
                condition=Q(control_rate__gte=0) & Q(control_rate__lte=1),
                name="project_control_rate_0_1",
            ),
            models.CheckConstraint(
                condition=Q(min_skill__lte=100), name="project_min_skill_lte_100"
            ),
            models.CheckConstraint(
                condition=Q(pass_score__lte=100), name="project_pass_score_lte_100"
            ),
            models.CheckConstraint(
                condition=Q(lease_seconds__gte=30), name="project_lease_gte_30s"
            ),
            models.CheckConstraint(
                condition=Q(max_overlap__isnull=True) | Q(max_overlap__gte=F("overlap")),
                name="project_max_overlap_gte_overlap",
            ),
            models.CheckConstraint(
                condition=Q(confidence_threshold__gte=0) & Q(confidence_threshold__lte=1),
                name="project_confidence_threshold_0_1",
            ),
            models.CheckConstraint(condition=Q(max_rounds__gte=1), name="project_max_rounds_gte_1"),
            models.UniqueConstraint(
                fields=["pipeline", "kind"],
                condition=Q(pipeline__isnull=False),
                name="project_one_kind_per_pipeline",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def overlap_ceiling(self) -> int:
        """Most answers a task may collect in one round (dynamic overlap)."""
        return max(self.overlap, self.max_overlap or 0)


class Task(BaseModel):
    """A snippet inside one project. A control task carries gold spans.

    Gold spans are `[{"start", "end", "category", "context"}]` in snippet offsets; an
    empty list on a control task means "this snippet has no PII".
    """

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        COMPLETE = "complete", "Complete"  # reached its overlap, awaiting aggregation
        FINAL = "final", "Final"

    class Validation(models.TextChoices):
        NONE = "", "Not sent to validation"
        PENDING = "pending", "Being validated"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected for good"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="tasks")
    snippet = models.ForeignKey(Snippet, on_delete=models.PROTECT, related_name="tasks")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    is_control = models.BooleanField(default=False)
    gold_spans = models.JSONField(null=True, blank=True)
    explanation = models.TextField(blank=True)  # shown after a quiz answer
    submitted_count = models.PositiveSmallIntegerField(default=0)
    # Answers this task collects in all, when it differs from the project's overlap:
    # dynamic overlap and a new generation round raise it (see quality.services).
    target_overlap = models.PositiveSmallIntegerField(null=True, blank=True)
    # Generation round: a snippet rejected in validation comes back with round + 1, and
    # only answers submitted since `round_started_at` belong to the new round.
    round = models.PositiveSmallIntegerField(default=1)
    round_started_at = models.DateTimeField(null=True, blank=True)
    # When and how the final spans were last computed; None: never aggregated.
    aggregated_at = models.DateTimeField(null=True, blank=True)
    aggregation_method = models.CharField(
        max_length=16, choices=AggregationMethod.choices, blank=True
    )
    # Set once the task's answers were added to the project's agreement state, so a
    # re-run of the aggregation job does not count them twice.
    agreement_counted = models.BooleanField(default=False)
    validation = models.CharField(
        max_length=16, choices=Validation.choices, default=Validation.NONE, blank=True
    )
    # On a validation task: the generation task and the final spans shown to validators,
    # [{"start", "end", "category", "context"}], a snapshot taken when it was created.
    source_task = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="validation_tasks"
    )
    review_spans = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["project_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "snippet"], name="task_unique_snippet"),
            models.CheckConstraint(condition=Q(round__gte=1), name="task_round_gte_1"),
            models.CheckConstraint(
                condition=Q(is_control=False, gold_spans__isnull=True)
                | Q(is_control=True, gold_spans__isnull=False),
                name="task_gold_iff_control",
            ),
        ]
        indexes = [
            models.Index(fields=["project", "status", "is_control"], name="task_pool_idx"),
            # The claim's order (labeling.services._CLAIM_SQL): an index scan that stops at
            # the first claimable task instead of a sort of every open task.
            models.Index(
                fields=["project", "is_control", "-submitted_count", "id"],
                condition=Q(status="open"),
                name="task_claim_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Task #{self.pk} of {self.project}"


class FinalSpan(BaseModel):
    """An aggregated span of a generation task in one round: the crowd's label.

    `verdict` is the validation chain's decision on it; a rejected span of an earlier
    round stays, so the next round's annotators can be shown what was wrong.
    """

    class Verdict(models.TextChoices):
        PENDING = "pending", "Not validated"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="final_spans")
    start = models.PositiveIntegerField()  # 0-based char offset into Snippet.text
    end = models.PositiveIntegerField()  # exclusive
    category = models.CharField(max_length=16, choices=taxonomy.Category.choices)
    context = models.CharField(
        max_length=16, choices=taxonomy.Context.choices, default=taxonomy.Context.REAL
    )
    confidence = models.FloatField()
    support = models.PositiveSmallIntegerField()
    method = models.CharField(max_length=16, choices=AggregationMethod.choices)
    round = models.PositiveSmallIntegerField(default=1)
    verdict = models.CharField(max_length=16, choices=Verdict.choices, default=Verdict.PENDING)

    class Meta:
        ordering = ["task_id", "round", "start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__lt=F("end")), name="final_span_start_before_end"
            ),
            models.CheckConstraint(
                condition=Q(confidence__gte=0) & Q(confidence__lte=1),
                name="final_span_confidence_0_1",
            ),
        ]
        indexes = [models.Index(fields=["task", "round"], name="final_span_task_round_idx")]

    def __str__(self) -> str:
        return f"{self.category}[{self.start}:{self.end}] of task #{self.task_id}"


class Agreement(BaseModel):
    """A project's inter-annotator agreement: `quality.agreement.AgreementState.to_dict()`.

    One state serves every category (it keeps per-category sums); it grows by one task
    each time a task is finalised, never recomputed from scratch.
    """

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="agreement")
    state = models.JSONField(default=dict)

    def __str__(self) -> str:
        return f"Agreement of {self.project}"

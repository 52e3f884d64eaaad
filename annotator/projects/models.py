from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

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


class Task(BaseModel):
    """A snippet inside one project. A control task carries gold spans.

    Gold spans are `[{"start", "end", "category", "context"}]` in snippet offsets; an
    empty list on a control task means "this snippet has no PII".
    """

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        COMPLETE = "complete", "Complete"  # reached its overlap, awaiting aggregation
        FINAL = "final", "Final"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="tasks")
    snippet = models.ForeignKey(Snippet, on_delete=models.PROTECT, related_name="tasks")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    is_control = models.BooleanField(default=False)
    gold_spans = models.JSONField(null=True, blank=True)
    explanation = models.TextField(blank=True)  # shown after a quiz answer
    submitted_count = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["project_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "snippet"], name="task_unique_snippet"),
            models.CheckConstraint(
                condition=Q(is_control=False, gold_spans__isnull=True)
                | Q(is_control=True, gold_spans__isnull=False),
                name="task_gold_iff_control",
            ),
        ]
        indexes = [
            models.Index(fields=["project", "status", "is_control"], name="task_pool_idx"),
        ]

    def __str__(self) -> str:
        return f"Task #{self.pk} of {self.project}"

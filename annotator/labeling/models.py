from django.conf import settings
from django.db import models
from django.db.models import F, Q

from annotator.core.models import BaseModel
from annotator.core.taxonomy import CONTEXT_CATEGORIES, Category, Context
from annotator.projects.models import Task


class Assignment(BaseModel):
    """One annotator's slot on a task, held under a lease until submitted or expired."""

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", "In progress"
        SUBMITTED = "submitted", "Submitted"
        SKIPPED = "skipped", "Skipped"
        EXPIRED = "expired", "Expired"

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="assignments")
    annotator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assignments"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.IN_PROGRESS)
    lease_expires_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    # Spans marked so far, kept on the server so a reload resumes the task:
    # [{"start", "end", "category", "context"}] in snippet offsets, sorted by start.
    draft_spans = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # An annotator never gets the same task twice.
            models.UniqueConstraint(fields=["task", "annotator"], name="assignment_once_per_task"),
        ]
        indexes = [
            models.Index(fields=["annotator", "status"], name="assignment_annotator_idx"),
            models.Index(fields=["status", "lease_expires_at"], name="assignment_lease_idx"),
        ]

    def __str__(self) -> str:
        return f"Assignment #{self.pk} ({self.annotator} on task #{self.task_id})"


class Annotation(BaseModel):
    """An annotator's submission: spans, or "no PII", or a problem report."""

    class Problem(models.TextChoices):
        BINARY = "binary", "Binary or unreadable"
        GARBLED = "garbled", "Garbled text"
        NOT_CODE = "not_code", "Not code"
        OTHER = "other", "Other"

    # One-to-one: a double submit cannot record two annotations.
    assignment = models.OneToOneField(
        Assignment, on_delete=models.CASCADE, related_name="annotation"
    )
    no_pii = models.BooleanField(default=False)
    problem = models.CharField(max_length=16, choices=Problem.choices, blank=True)
    comment = models.TextField(blank=True)
    time_spent_ms = models.PositiveIntegerField(default=0)
    # Validation answers only: "was every piece of PII found?" (missed PII is stored as
    # this annotation's spans, the per-span answers as SpanVerdict rows).
    all_found = models.BooleanField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Annotation #{self.pk}"


class SpanVerdict(BaseModel):
    """A validator's answer on one span under review: `index` into Task.review_spans."""

    class Verdict(models.TextChoices):
        ACCEPT = "accept", "Correct"
        REJECT = "reject", "Wrong"

    annotation = models.ForeignKey(Annotation, on_delete=models.CASCADE, related_name="verdicts")
    index = models.PositiveSmallIntegerField()
    verdict = models.CharField(max_length=8, choices=Verdict.choices)

    class Meta:
        ordering = ["annotation_id", "index"]
        constraints = [
            models.UniqueConstraint(fields=["annotation", "index"], name="span_verdict_once"),
            models.CheckConstraint(
                condition=Q(verdict__in=["accept", "reject"]), name="span_verdict_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.verdict} span {self.index} ({self.annotation})"


class Span(BaseModel):
    annotation = models.ForeignKey(Annotation, on_delete=models.CASCADE, related_name="spans")
    start = models.PositiveIntegerField()  # 0-based char offset into Snippet.text
    end = models.PositiveIntegerField()  # exclusive
    category = models.CharField(max_length=16, choices=Category.choices)
    context = models.CharField(max_length=16, choices=Context.choices, default=Context.REAL)

    class Meta:
        ordering = ["annotation_id", "start"]
        constraints = [
            models.CheckConstraint(condition=Q(start__lt=F("end")), name="span_start_before_end"),
            models.CheckConstraint(
                condition=Q(category__in=Category.values), name="span_category_known"
            ),
            models.CheckConstraint(
                condition=Q(context=Context.REAL) | Q(category__in=sorted(CONTEXT_CATEGORIES)),
                name="span_context_only_where_defined",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category}[{self.start}:{self.end}]"


class Feedback(BaseModel):
    """A message between an annotator and a project's requester, with one reply.

    An annotator writes about a project (optionally about one task); a reply to a
    problem report (an `Annotation` with `problem`) is stored here too, linked to that
    annotation, so the annotator reads every answer on one page. `read_at`: when the
    requester first read it (the inbox counts the unread ones).
    """

    annotator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="feedback"
    )
    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="feedback"
    )
    task = models.ForeignKey(
        Task, on_delete=models.SET_NULL, null=True, blank=True, related_name="feedback"
    )
    assignment = models.ForeignKey(
        Assignment, on_delete=models.SET_NULL, null=True, blank=True, related_name="feedback"
    )
    annotation = models.OneToOneField(
        Annotation, on_delete=models.CASCADE, null=True, blank=True, related_name="feedback"
    )
    body = models.TextField()
    reply = models.TextField(blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    replied_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "feedback"
        constraints = [
            models.CheckConstraint(
                condition=Q(reply="") | Q(replied_at__isnull=False), name="feedback_reply_dated"
            ),
        ]
        indexes = [models.Index(fields=["project", "read_at"], name="feedback_inbox_idx")]

    def __str__(self) -> str:
        return f"Feedback #{self.pk} from {self.annotator} on {self.project}"

from django.conf import settings
from django.db import models
from django.db.models import Q


class BaseModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Job(BaseModel):
    """A background job the user can watch: an import, an export, a recomputation.

    The row holds the durable outcome. Live progress of a running job is kept in the
    cache (see `core.progress`), because an all-or-nothing job writes its data inside
    one transaction that nobody else can see into until it commits.
    """

    class Kind(models.TextChoices):
        IMPORT = "import", "Import"
        EXPORT = "export", "Export"
        AGGREGATE = "aggregate", "Aggregation"
        DETECT = "detect", "Pre-annotation"
        REDACT = "redact", "Redaction"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="jobs", null=True
    )
    params = models.JSONField(default=dict, blank=True)
    result = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True)
    progress = models.FloatField(default=0.0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__gte=0) & Q(progress__lte=1), name="job_progress_0_1"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.DONE, self.Status.FAILED}


class AuditEntry(BaseModel):
    """Who changed someone's pay, skill or access, when, and how: append-only.

    Written by the services that make such changes (`core.services.audit_record`); the
    admin shows it read-only. The usernames are copied into `details` as well, so the
    entry still says who was involved after an account is deleted.
    """

    class Action(models.TextChoices):
        SKILL_SET = "skill_set", "Skill set by hand"
        SANCTION_IMPOSE = "sanction_impose", "Sanction imposed"
        SANCTION_LIFT = "sanction_lift", "Sanction lifted"
        PAYOUT = "payout", "Payout recorded"
        ADJUSTMENT = "adjustment", "Pay adjusted"
        ENROLL = "enroll", "Annotator enrolled"

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    action = models.CharField(max_length=32, choices=Action.choices)
    target_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    project = models.ForeignKey(
        "projects.Project", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "audit entries"
        indexes = [models.Index(fields=["target_user", "created_at"], name="audit_target_idx")]

    def __str__(self) -> str:
        return f"{self.get_action_display()} by {self.actor} on {self.target_user}"

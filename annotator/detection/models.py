from django.conf import settings
from django.db import models
from django.db.models import F, Q

from annotator.core.models import BaseModel
from annotator.core.taxonomy import Category, Context


class RedactionRun(BaseModel):
    """One redaction of an input (JSONL, folder or archive) into an output.

    Its items are planned once, up front; the run is then resumable: whatever crashed,
    the items still pending are the work left, and a done item is never redone.
    """

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"  # stopped on an error; `--resume` continues it

    class Labels(models.TextChoices):
        DETECTOR = "detector", "Rule detector"
        PROJECT = "project", "A project's final labels"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="redaction_runs",
    )
    input_path = models.CharField(max_length=1000)
    input_kind = models.CharField(max_length=16)  # redaction.JSONL / DIRECTORY / ZIP / TAR_GZ
    output_path = models.CharField(max_length=1000)
    report_path = models.CharField(max_length=1000)
    labels = models.CharField(max_length=16, choices=Labels.choices, default=Labels.DETECTOR)
    project = models.ForeignKey(
        "projects.Project", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    keep = models.JSONField(default=list, blank=True)  # contexts left as they are
    model_path = models.CharField(max_length=1000, blank=True)  # trained model added to rules
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PLANNED)
    error = models.TextField(blank=True)
    report = models.JSONField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(labels="project") | Q(project__isnull=False),
                name="redaction_run_project_labels_need_project",
            ),
        ]

    def __str__(self) -> str:
        return f"Redaction #{self.pk} of {self.input_path} ({self.status})"


class RedactionItem(BaseModel):
    """One file (or JSONL record) of a run. `key` is its path, or `line:N` in a JSONL."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DONE = "done", "Done"
        SKIPPED = "skipped", "Skipped"  # never redacted: binary, link, unlabeled, ...
        FAILED = "failed", "Failed"  # a bad record; retried by a resumed run

    run = models.ForeignKey(RedactionRun, on_delete=models.CASCADE, related_name="items")
    key = models.CharField(max_length=1000)
    position = models.PositiveIntegerField()  # order in the input
    offset = models.BigIntegerField(default=0)  # JSONL: byte offset of the record's line
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    skip_reason = models.CharField(max_length=32, blank=True)
    error = models.TextField(blank=True)
    # {"replaced": {category: n}, "kept": {category: n}}
    counts = models.JSONField(default=dict, blank=True)
    size = models.BigIntegerField(default=0)  # characters redacted
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["run_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["run", "key"], name="redaction_item_unique_key"),
            models.UniqueConstraint(
                fields=["run", "position"], name="redaction_item_unique_position"
            ),
        ]
        indexes = [
            models.Index(fields=["run", "status", "position"], name="redaction_item_todo_idx")
        ]

    def __str__(self) -> str:
        return f"{self.key} of run #{self.run_id} ({self.status})"


class Suggestion(BaseModel):
    """A span the detector proposes on a snippet, shown to annotators who opt in.

    Written only by `detection.preannotation`, which replaces a dataset's suggestions of
    one `source` ("rules", or a trained model's name) whenever it runs again.
    """

    RULES = "rules"

    snippet = models.ForeignKey(
        "catalog.Snippet", on_delete=models.CASCADE, related_name="suggestions"
    )
    start = models.PositiveIntegerField()  # 0-based char offset into Snippet.text
    end = models.PositiveIntegerField()  # exclusive
    category = models.CharField(max_length=16, choices=Category.choices)
    context = models.CharField(max_length=16, choices=Context.choices, default=Context.REAL)
    score = models.FloatField(default=1.0)
    source = models.CharField(max_length=100, default=RULES)

    class Meta:
        ordering = ["snippet_id", "start"]
        constraints = [
            models.UniqueConstraint(
                fields=["snippet", "start", "end", "source"], name="suggestion_unique_per_source"
            ),
            models.CheckConstraint(
                condition=Q(start__lt=F("end")), name="suggestion_start_before_end"
            ),
            models.CheckConstraint(
                condition=Q(score__gte=0) & Q(score__lte=1), name="suggestion_score_0_1"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category}[{self.start}:{self.end}] on snippet #{self.snippet_id}"

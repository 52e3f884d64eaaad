from django.conf import settings
from django.db import models
from django.db.models import F, Q

from annotator.core.models import BaseModel


class Dataset(BaseModel):
    name = models.CharField(max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="datasets"
    )
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="dataset_name_unique_per_owner"),
        ]

    def __str__(self) -> str:
        return self.name


class SourceFile(BaseModel):
    """One code file, with LF line endings. Its snippets cut `content` into 50-line pieces."""

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="files")
    path = models.CharField(max_length=1000)
    language = models.CharField(max_length=40, blank=True)
    license = models.CharField(max_length=200, blank=True)
    repository = models.CharField(max_length=300, blank=True)
    content_hash = models.CharField(max_length=64)  # sha256 hex of the normalised content
    content = models.TextField()
    line_count = models.PositiveIntegerField()

    class Meta:
        ordering = ["dataset", "path"]
        constraints = [
            models.UniqueConstraint(
                fields=["dataset", "content_hash"], name="sourcefile_unique_content_per_dataset"
            ),
        ]

    def __str__(self) -> str:
        return self.path


class Snippet(BaseModel):
    """Exactly 50 consecutive lines of a file (fewer only at the file's end).

    `text` equals `source_file.content[start_offset:start_offset + len(text)]`, so a span
    (start, end) on the snippet is (start + start_offset, end + start_offset) in the file.
    """

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="snippets")
    source_file = models.ForeignKey(SourceFile, on_delete=models.CASCADE, related_name="snippets")
    index = models.PositiveIntegerField()  # 0-based position of the snippet in its file
    start_line = models.PositiveIntegerField()  # 1-based line number of the first line
    line_count = models.PositiveSmallIntegerField()
    start_offset = models.PositiveIntegerField()  # character offset of text in the file
    text = models.TextField()

    class Meta:
        ordering = ["source_file_id", "index"]
        constraints = [
            models.UniqueConstraint(fields=["source_file", "index"], name="snippet_unique_index"),
            models.CheckConstraint(condition=Q(start_line__gte=1), name="snippet_start_line_gte_1"),
            models.CheckConstraint(
                condition=Q(line_count__gte=1) & Q(line_count__lte=50),
                name="snippet_line_count_1_50",
            ),
            models.CheckConstraint(
                condition=Q(start_line=F("index") * 50 + 1), name="snippet_start_line_from_index"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source_file.path}:{self.start_line}"

    @property
    def end_line(self) -> int:
        return self.start_line + self.line_count - 1

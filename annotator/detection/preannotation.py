"""Pre-annotation: run the detector over a dataset and keep its spans as suggestions.

The detector reads whole files (a license header or an assignment two lines up decides
a span's category and context), and each span is then cut to the snippets it falls in,
in snippet offsets, because the labeling page works on snippets.

Work goes in batches of files. Each batch replaces, in one transaction, the suggestions
of its snippets that came from the same `source`, so running again (a redelivered job,
a new model, a better rule set) never duplicates anything, and an annotator never sees
a snippet half done. Progress travels through the cache (`core.progress`).
"""

from __future__ import annotations

import logging
import time
from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from django.db import OperationalError, transaction
from django.db.models.functions import Length

from annotator.catalog.models import Dataset, Snippet, SourceFile
from annotator.core import progress
from annotator.core.exceptions import DomainError
from annotator.core.jobs import enqueue_on_commit
from annotator.core.models import Job
from annotator.core.services import job_create, job_fail, job_finish, job_start
from annotator.detection.combined import detect_combined
from annotator.detection.jobs import dataset_preannotate as dataset_preannotate_job
from annotator.detection.model import DetectorModel
from annotator.detection.models import Suggestion
from annotator.detection.types import DetectedSpan

logger = logging.getLogger(__name__)

# A batch ends at this many files or characters of content, whichever comes first:
# one transaction per batch, memory flat however big the dataset.
BATCH_FILES = 200
BATCH_CHARS = 4 * 1024 * 1024
SOURCE_MAX = Suggestion._meta.get_field("source").max_length

ProgressCallback = Callable[[int, int], None]


@dataclass(frozen=True)
class SnippetBounds:
    """Where a snippet sits in its file: text is content[start:end]."""

    pk: int
    start: int
    end: int


@dataclass
class PreannotationSummary:
    source: str
    files: int = 0
    snippets: int = 0
    suggestions: int = 0
    seconds: float = 0.0

    @property
    def snippets_per_second(self) -> float:
        return self.snippets / self.seconds if self.seconds > 0 else 0.0

    def as_dict(self) -> dict:
        return asdict(self) | {"snippets_per_second": round(self.snippets_per_second, 1)}


def source_name(model_path: str | Path | None = None) -> str:
    """ "rules", or "model:<file stem>" for a trained model (one source per model file)."""
    if not model_path:
        return Suggestion.RULES
    return f"model:{Path(model_path).stem}"[:SOURCE_MAX]


# --- pure: file spans to snippet spans ---------------------------------------------------


def spans_in_snippets(
    content: str, spans: Sequence[DetectedSpan], snippets: Sequence[SnippetBounds]
) -> Iterator[tuple[int, DetectedSpan]]:
    """(snippet pk, span in snippet offsets) for each piece of a file span in a snippet.

    A span that crosses a snippet boundary (a PEM block cut at line 50) is clipped to
    each snippet, without the whitespace at the cut: annotators label what they see.
    """
    ends = [s.end for s in snippets]  # snippets are in file order and do not overlap
    for span in spans:
        for at in range(bisect_right(ends, span.start), len(snippets)):
            snippet = snippets[at]
            if snippet.start >= span.end:
                break
            start, end = max(span.start, snippet.start), min(span.end, snippet.end)
            while start < end and content[start].isspace():
                start += 1
            while end > start and content[end - 1].isspace():
                end -= 1
            if start < end:
                clipped = DetectedSpan(
                    start - snippet.start, end - snippet.start, span.label, span.context, span.score
                )
                yield snippet.pk, clipped


# --- the service -------------------------------------------------------------------------


def dataset_preannotate(
    *,
    dataset: Dataset,
    model: DetectorModel | None = None,
    source: str = Suggestion.RULES,
    on_progress: ProgressCallback | None = None,
    batch_files: int = BATCH_FILES,
    batch_chars: int = BATCH_CHARS,
) -> PreannotationSummary:
    """Detect PII in every file of `dataset`, replacing its suggestions from `source`.

    `model`: a trained detector added to the rules (`detect_combined`); `source` names
    it. `on_progress(snippets_done, snippets_total)` is called after each batch.
    """
    started = time.monotonic()
    summary = PreannotationSummary(source=source)
    total = Snippet.objects.filter(dataset=dataset).count()
    if on_progress:
        on_progress(0, total)
    for file_ids in _batches(dataset, batch_files, batch_chars):
        files, snippets, created = _preannotate_batch(file_ids, model=model, source=source)
        summary.files += files
        summary.snippets += snippets
        summary.suggestions += created
        if on_progress:
            on_progress(summary.snippets, total)
    summary.seconds = time.monotonic() - started
    return summary


def _batches(dataset: Dataset, max_files: int, max_chars: int) -> Iterator[list[int]]:
    """File ids in pk order, cut by count and size (sizes are read, not the contents).

    The (id, size) pairs are read in one go, not through a server-side cursor that would
    have to outlive each batch's commit.
    """
    sizes = list(
        SourceFile.objects.filter(dataset=dataset)
        .order_by("pk")
        .values_list("pk", Length("content"))
    )
    batch: list[int] = []
    chars = 0
    for pk, size in sizes:
        if batch and (len(batch) >= max_files or chars + size > max_chars):
            yield batch
            batch, chars = [], 0
        batch.append(pk)
        chars += size
    if batch:
        yield batch


def _preannotate_batch(
    file_ids: list[int], *, model: DetectorModel | None, source: str
) -> tuple[int, int, int]:
    """Detect in these files and swap their suggestions; (files, snippets, suggestions)."""
    bounds: dict[int, list[SnippetBounds]] = {}
    rows = Snippet.objects.filter(source_file_id__in=file_ids).order_by("source_file_id", "index")
    for pk, file_id, offset, length in rows.values_list(
        "pk", "source_file_id", "start_offset", Length("text")
    ):
        bounds.setdefault(file_id, []).append(SnippetBounds(pk, offset, offset + length))
    suggestions = []
    contents = SourceFile.objects.filter(pk__in=file_ids).values_list("pk", "content")
    for file_id, content in contents:  # at most BATCH_CHARS of text
        spans = detect_combined(content, model=model)
        for snippet_pk, span in spans_in_snippets(content, spans, bounds.get(file_id, [])):
            suggestions.append(_suggestion(snippet_pk, span, source))
    snippet_ids = [b.pk for group in bounds.values() for b in group]
    with transaction.atomic():
        Suggestion.objects.filter(snippet_id__in=snippet_ids, source=source).delete()
        # A concurrent run of the same source writes the same rows: skip, don't fail.
        Suggestion.objects.bulk_create(suggestions, batch_size=1000, ignore_conflicts=True)
    return len(file_ids), len(snippet_ids), len(suggestions)


def _suggestion(snippet_pk: int, span: DetectedSpan, source: str) -> Suggestion:
    return Suggestion(
        snippet_id=snippet_pk,
        start=span.start,
        end=span.end,
        category=span.label,
        context=span.context,
        score=min(max(float(span.score), 0.0), 1.0),
        source=source,
    )


# --- as a background job -----------------------------------------------------------------


@transaction.atomic
def dataset_preannotate_start(*, dataset: Dataset, owner=None, model_path: str = "") -> Job:
    """Create a pre-annotation job for `dataset`, enqueued once this transaction commits."""
    job = job_create(
        kind=Job.Kind.DETECT,
        owner=owner,
        params={
            "dataset_id": dataset.pk,
            "model_path": str(model_path or ""),
            "source": source_name(model_path),
        },
    )
    enqueue_on_commit(dataset_preannotate_job, job.pk)
    return job


def dataset_preannotate_run(*, job: Job) -> Job:
    """Run a pre-annotation job: progress in the cache, outcome on the Job row.

    A job that already finished (a redelivered message) is left alone; one that crashed
    midway can simply run again, every batch replaces what it wrote before.
    """
    if job.is_finished:
        return job
    job_start(job=job)
    try:
        dataset = Dataset.objects.get(pk=job.params["dataset_id"])
        model = model_load(job.params.get("model_path", ""))
        summary = dataset_preannotate(
            dataset=dataset,
            model=model,
            source=job.params.get("source") or source_name(job.params.get("model_path")),
            on_progress=progress_reporter(job),
        )
    except Dataset.DoesNotExist:
        return job_fail(job=job, error="The dataset was deleted before pre-annotation ran.")
    except DomainError as exc:
        return job_fail(job=job, error=str(exc))
    except OperationalError:
        raise  # the job retries these
    except Exception as exc:
        logger.exception("Pre-annotation job %s crashed", job.pk)
        job_fail(job=job, error=f"Pre-annotation failed unexpectedly ({type(exc).__name__}).")
        raise
    return job_finish(job=job, result={"dataset_id": dataset.pk, **summary.as_dict()})


def model_load(path: str) -> DetectorModel | None:
    """The trained detector saved at `path` ("" for none); DomainError if unreadable."""
    if not path:
        return None
    from annotator.detection import model

    try:
        return model.load(Path(path))
    except Exception as exc:  # unpickling garbage fails in any number of ways
        raise DomainError(f"Cannot load the detector model {path}: {exc}") from exc


def progress_reporter(job: Job) -> ProgressCallback:
    """An on_progress callback that keeps the job's live progress in the cache."""
    started = time.monotonic()

    def report(done: int, total: int) -> None:
        elapsed = max(time.monotonic() - started, 1e-6)
        progress.progress_set(
            job.pk,
            progress.Progress(
                fraction=min(done / total, 1.0) if total else 1.0,
                done=done,
                total=total,
                rate=done / elapsed,
                unit="snippets",
            ),
        )

    return report

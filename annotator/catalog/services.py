"""Writes on datasets: creating them and importing code into them, all or nothing."""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable, Iterable, Iterator, Sized
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone
from psycopg.copy import QueuedLibpqWriter

from annotator.catalog import importing
from annotator.catalog.importing import (
    FileRecord,
    ImportFailure,
    ImportSummary,
    PreparedFile,
    Skip,
)
from annotator.catalog.jobs import dataset_import as dataset_import_job
from annotator.catalog.models import Dataset, Snippet, SourceFile
from annotator.core import progress
from annotator.core.exceptions import DomainError
from annotator.core.jobs import enqueue_on_commit
from annotator.core.models import Job
from annotator.core.services import job_create, job_fail, job_finish, job_start
from annotator.detection.preannotation import dataset_preannotate_start

logger = logging.getLogger(__name__)

# A batch is flushed when it holds this many files or bytes of content, whichever first:
# big enough to amortise round trips, small enough to keep memory flat.
BATCH_FILES = 2000
BATCH_CHARS = 16 * 1024 * 1024
UPLOAD_SUFFIXES = (".jsonl", ".zip", ".tar.gz", ".tgz")

ProgressCallback = Callable[[int, int | None], None]


def import_limits() -> importing.Limits:
    return importing.Limits(
        max_file_bytes=settings.IMPORT_MAX_FILE_BYTES,
        max_line_chars=settings.IMPORT_MAX_LINE_CHARS,
        max_archive_bytes=settings.IMPORT_MAX_ARCHIVE_BYTES,
        max_compression_ratio=settings.IMPORT_MAX_COMPRESSION_RATIO,
    )


def dataset_create(*, owner, name: str, description: str = "") -> Dataset:
    name = name.strip()
    if not name:
        raise DomainError("A dataset needs a name.")
    if Dataset.objects.filter(owner=owner, name=name).exists():
        raise DomainError(f"You already have a dataset named {name!r}.")
    try:
        with transaction.atomic():
            return Dataset.objects.create(owner=owner, name=name, description=description)
    except IntegrityError:  # a concurrent request won the race
        raise DomainError(f"You already have a dataset named {name!r}.") from None


@transaction.atomic
def dataset_import(
    *,
    dataset: Dataset,
    records: Iterable[FileRecord | Skip],
    on_progress: ProgressCallback | None = None,
    total: int | None = None,
) -> ImportSummary:
    """Import records into `dataset` in one transaction: every file or none.

    Raises ImportFailure (a DomainError) naming the bad line or member; the database is
    then as it was. `on_progress(done, total)` is called after each batch, with done
    counting imported and skipped files; `total` defaults to len(records) if known.
    """
    started = time.monotonic()
    if total is None and isinstance(records, Sized):
        total = len(records)
    # Lock the dataset so two imports cannot race on the duplicate check.
    Dataset.objects.select_for_update().filter(pk=dataset.pk).get()
    seen = set(SourceFile.objects.filter(dataset=dataset).values_list("content_hash", flat=True))
    summary = ImportSummary()
    prepared = importing.prepare_all(
        records, limits=import_limits(), seen_hashes=seen, summary=summary
    )
    write_batch = _copy_batch if connection.vendor == "postgresql" else _bulk_create_batch
    reported = -1
    while True:
        files, snippets = write_batch(dataset, prepared)
        summary.snippets_created += snippets
        if on_progress and summary.files_seen != reported:
            reported = summary.files_seen
            on_progress(reported, total)
        if files == 0:
            break
    summary.seconds = time.monotonic() - started
    return summary


def _take_batch(prepared: Iterator[PreparedFile]) -> Iterator[PreparedFile]:
    """Up to BATCH_FILES files or BATCH_CHARS characters from `prepared`, lazily."""
    count = chars = 0
    while count < BATCH_FILES and chars < BATCH_CHARS:
        item = next(prepared, None)
        if item is None:
            return
        count, chars = count + 1, chars + len(item.content)
        yield item


def _reserve_ids(cursor, table: str, count: int) -> list[int]:
    cursor.execute(
        "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
        [table, count],
    )
    return [row[0] for row in cursor.fetchall()]


def _copy_batch(dataset: Dataset, prepared: Iterator[PreparedFile]) -> tuple[int, int]:
    """COPY the next batch of files, then their snippets; return (files, snippets).

    Files are prepared while their COPY runs, and a queued writer sends rows from a
    thread, so Python's work overlaps with PostgreSQL ingesting the rows. File ids are
    reserved for a full batch up front; a short batch leaves a gap in the sequence.
    """
    now, lines = timezone.now(), settings.SNIPPET_LINES
    file_table, snippet_table = SourceFile._meta.db_table, Snippet._meta.db_table
    batch: list[tuple[int, PreparedFile]] = []
    snippets = 0
    with connection.cursor() as cursor:
        # lz4 compresses the TOASTed texts several times faster than the default pglz.
        cursor.execute("SET LOCAL default_toast_compression = 'lz4'")
        ids = iter(_reserve_ids(cursor, file_table, BATCH_FILES))
        raw = cursor.cursor  # psycopg's own cursor: Django's debug wrapper has no `writer`
        file_sql = (
            f"COPY {file_table} (id, created_at, updated_at, dataset_id, path, language, "
            "license, repository, content_hash, content, line_count) FROM STDIN"
        )
        with raw.copy(file_sql, writer=QueuedLibpqWriter(raw)) as copy:
            for file_id, f in zip(ids, _take_batch(prepared), strict=False):
                batch.append((file_id, f))
                copy.write_row(
                    (file_id, now, now, dataset.pk, f.path, f.language, f.license,
                     f.repository, f.content_hash, f.content, f.line_count)
                )  # fmt: skip
        if not batch:
            return 0, 0
        snippet_sql = (
            f"COPY {snippet_table} (created_at, updated_at, dataset_id, source_file_id, "
            '"index", start_line, line_count, start_offset, text) FROM STDIN'
        )
        with raw.copy(snippet_sql, writer=QueuedLibpqWriter(raw)) as copy:
            write = copy.write_row
            for file_id, f in batch:
                for p in importing.cut_snippets(f.content, lines):
                    write((now, now, dataset.pk, file_id, p.index, p.start_line,
                           p.line_count, p.start_offset, p.text))  # fmt: skip
                    snippets += 1
    return len(batch), snippets


def _bulk_create_batch(dataset: Dataset, prepared: Iterator[PreparedFile]) -> tuple[int, int]:
    """SQLite (demo only): bulk_create, which returns the new ids there."""
    batch = list(_take_batch(prepared))
    files = SourceFile.objects.bulk_create(
        [
            SourceFile(dataset=dataset, path=f.path, language=f.language, license=f.license,
                       repository=f.repository, content_hash=f.content_hash,
                       content=f.content, line_count=f.line_count)
            for f in batch
        ],
        batch_size=500,
    )  # fmt: skip
    snippets = [
        Snippet(dataset=dataset, source_file=source, index=p.index, start_line=p.start_line,
                line_count=p.line_count, start_offset=p.start_offset, text=p.text)
        for source, f in zip(files, batch, strict=True)
        for p in importing.cut_snippets(f.content, settings.SNIPPET_LINES)
    ]  # fmt: skip
    Snippet.objects.bulk_create(snippets, batch_size=500)
    return len(batch), len(snippets)


# --- Imports through the web: an upload and a background job ---------------------------


def upload_store(*, upload: UploadedFile) -> Path:
    """Save an upload under MEDIA_ROOT/uploads/ with a random name, keeping its suffix."""
    name = (upload.name or "").lower()
    suffix = next((s for s in UPLOAD_SUFFIXES if name.endswith(s)), None)
    if suffix is None:
        raise DomainError("Upload a .jsonl, .zip or .tar.gz file.")
    folder = Path(settings.MEDIA_ROOT) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{secrets.token_hex(16)}{suffix}"
    with target.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return target


def dataset_import_start(
    *, owner, dataset: Dataset, upload_path: str | Path, dataset_is_new: bool = False
) -> Job:
    """Create an import job for a stored upload and enqueue it once this commits.

    `dataset_is_new`: the dataset was made for this upload, so a failed import removes it
    again and leaves the catalog as it was.
    """
    job = job_create(
        kind=Job.Kind.IMPORT,
        owner=owner,
        params={
            "dataset_id": dataset.pk,
            "upload_path": str(upload_path),
            "dataset_is_new": dataset_is_new,
        },
    )
    enqueue_on_commit(dataset_import_job, job.pk)
    return job


@transaction.atomic
def dataset_create_from_upload(*, owner, name: str, upload: UploadedFile) -> Job:
    dataset = dataset_create(owner=owner, name=name)
    path = upload_store(upload=upload)
    return dataset_import_start(owner=owner, dataset=dataset, upload_path=path, dataset_is_new=True)


def dataset_import_run(*, job: Job) -> Job:
    """Run an import job: progress in the cache, outcome on the Job row.

    A job that already finished (a redelivered message) is left alone.
    """
    if job.is_finished:
        return job
    job_start(job=job)
    upload = Path(job.params.get("upload_path", ""))
    try:
        dataset = Dataset.objects.get(pk=job.params["dataset_id"])
        summary = _import_upload(job=job, dataset=dataset, upload=upload)
    except Dataset.DoesNotExist:
        return job_fail(job=job, error="The dataset was deleted before the import ran.")
    except DomainError as exc:
        upload.unlink(missing_ok=True)
        _forget_new_dataset(job)
        return job_fail(job=job, error=str(exc))
    except OperationalError:
        raise  # the job retries these
    except Exception as exc:
        logger.exception("Import job %s crashed", job.pk)
        _forget_new_dataset(job)
        job_fail(job=job, error=f"The import failed unexpectedly ({type(exc).__name__}).")
        raise
    upload.unlink(missing_ok=True)
    job = job_finish(job=job, result={"dataset_id": dataset.pk, **summary.as_dict()})
    dataset_preannotate_start(dataset=dataset, owner=job.owner)  # suggestions for the page
    return job


def _forget_new_dataset(job: Job) -> None:
    """After a failed import, delete the dataset the upload created, if it is still empty."""
    if not job.params.get("dataset_is_new"):
        return
    Dataset.objects.filter(pk=job.params.get("dataset_id"), files__isnull=True).delete()
    job.params = {**job.params, "dataset_id": None}
    job.save(update_fields=["params", "updated_at"])


def _import_upload(*, job: Job, dataset: Dataset, upload: Path) -> ImportSummary:
    if not upload.is_file():
        raise ImportFailure("The uploaded file is missing; upload it again.")
    limits = import_limits()
    total = importing.count_records(upload, limits)
    started = time.monotonic()

    def report(done: int, _total: int | None) -> None:
        elapsed = max(time.monotonic() - started, 1e-6)
        fraction = min(done / total, 1.0) if total else 0.0
        progress.progress_set(
            job.pk,
            progress.Progress(fraction=fraction, done=done, total=total or 0, rate=done / elapsed),
        )

    report(0, total)
    records = importing.iter_records(upload, limits)
    return dataset_import(dataset=dataset, records=records, on_progress=report, total=total)

"""Export jobs: a large export written to a file in the background, then downloaded.

File layout: `MEDIA_ROOT/exports/<job id>-<token>.<ext>`. The token is drawn once, when
the job is created, and kept in `Job.params`: a redelivered job (acks_late) writes the
same name again, so there is only ever one file per job. The file is written under a
temporary name in the same folder and renamed into place (atomic on one filesystem)
before the Job turns done, so a worker killed mid-way never leaves a half file that
looks finished.
"""

import logging
import os
import secrets
import tempfile
import time
from functools import partial
from pathlib import Path

from django.conf import settings
from django.db import OperationalError, transaction
from django.urls import reverse

from annotator.core import progress
from annotator.core.models import Job
from annotator.core.services import job_create, job_fail, job_finish, job_start
from annotator.exports import formats, selectors
from annotator.exports.jobs import export_build as export_build_job
from annotator.exports.spec import ExportSpec, export_spec
from annotator.projects.models import Project

logger = logging.getLogger(__name__)

EXPORT_DIR = "exports"
PROGRESS_EVERY = 500  # snippets between two progress writes to the cache
SPEC_KEYS = ("format", "kind", "categories", "min_confidence", "only_validated")


def export_start(*, owner, project: Project, spec: ExportSpec) -> Job:
    """Create an export job and enqueue it once this transaction commits."""
    params = {"project_id": project.pk, **spec.to_params(), "token": secrets.token_hex(8)}
    job = job_create(kind=Job.Kind.EXPORT, owner=owner, params=params)
    transaction.on_commit(partial(export_build_job.delay, job.pk))
    return job


def export_spec_of(job: Job) -> ExportSpec:
    return export_spec(**{key: job.params[key] for key in SPEC_KEYS if key in job.params})


def export_path(job: Job) -> Path:
    spec = export_spec_of(job)
    name = f"{job.pk}-{job.params['token']}.{spec.flavour.extension}"
    return Path(settings.MEDIA_ROOT) / EXPORT_DIR / name


def export_build(*, job: Job) -> Job:
    """Run an export job. A finished job (a redelivered message) is left alone."""
    if job.is_finished:
        return job
    job_start(job=job)
    project = Project.objects.select_related("dataset").filter(pk=job.params["project_id"]).first()
    if project is None:
        return job_fail(job=job, error="The project was deleted before the export ran.")
    try:
        result = _write(job, project, export_spec_of(job))
    except OperationalError:
        raise  # the job retries these
    except Exception as exc:
        logger.exception("Export job %s crashed", job.pk)
        job_fail(job=job, error=f"The export failed unexpectedly ({type(exc).__name__}).")
        raise
    return job_finish(job=job, result=result)


def _write(job: Job, project: Project, spec: ExportSpec) -> dict:
    target = export_path(job)
    target.parent.mkdir(parents=True, exist_ok=True)
    for stale in target.parent.glob(f".{job.pk}-*.part"):  # left by a worker that was killed
        stale.unlink(missing_ok=True)
    total = selectors.export_task_count(project=project, spec=spec)
    report = _reporter(job.pk, total)
    report(0)
    chunks = selectors.export_chunks(project=project, spec=spec, on_row=report)
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{job.pk}-", suffix=".part")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            for piece in formats.batched_text(chunks):
                out.write(piece)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return {
        "project_id": project.pk,
        **spec.to_params(),
        "snippets": total,
        "path": str(target.relative_to(settings.MEDIA_ROOT)),
        "size": target.stat().st_size,
        "filename": spec.filename(project.pk),
        "content_type": spec.flavour.content_type,
        "download": reverse("api:export-download", kwargs={"job_id": job.pk}),
    }


def _reporter(job_id: int, total: int):
    started = time.monotonic()

    def report(done: int) -> None:
        if done % PROGRESS_EVERY and done != total:
            return
        rate = done / max(time.monotonic() - started, 1e-6)
        fraction = min(done / total, 1.0) if total else 0.0
        progress.progress_set(
            job_id,
            progress.Progress(fraction, done, total, rate, unit="snippets"),
        )

    return report


def export_file(job: Job) -> Path | None:
    """The finished export's file, or None (not done yet, or the file is gone)."""
    if job.status != Job.Status.DONE or not job.result:
        return None
    root = (Path(settings.MEDIA_ROOT) / EXPORT_DIR).resolve()
    path = (Path(settings.MEDIA_ROOT) / job.result.get("path", "")).resolve()
    if path.parent != root or not path.is_file():  # never serve outside the export folder
        return None
    return path

"""Live progress of running jobs, kept in the cache (Redis in production).

A job's data is written inside one transaction (imports are all-or-nothing), so
progress must travel outside the database to be visible while the job runs.
"""

from dataclasses import asdict, dataclass

from django.core.cache import cache

TTL_SECONDS = 24 * 3600


@dataclass(frozen=True)
class Progress:
    fraction: float  # 0..1
    done: int = 0
    total: int = 0
    rate: float = 0.0  # units per second
    unit: str = "files"
    message: str = ""


def _key(job_id: int) -> str:
    return f"job-progress:{job_id}"


def progress_set(job_id: int, progress: Progress) -> None:
    cache.set(_key(job_id), asdict(progress), TTL_SECONDS)


def progress_get(job_id: int) -> Progress | None:
    raw = cache.get(_key(job_id))
    return Progress(**raw) if raw else None


def progress_clear(job_id: int) -> None:
    cache.delete(_key(job_id))

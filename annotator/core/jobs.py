"""Enqueueing that survives a broker outage, and the sweep that makes up for it.

`enqueue_on_commit(job, *args)` is what services call instead of
`transaction.on_commit(partial(job.delay, ...))`: the enqueue runs after the commit
(the job must see the rows), and if Redis is unreachable it logs and returns instead of
raising. Raising there would turn a request whose work is already committed into a
500, and the client would retry work that was in fact saved. What was not enqueued is
found again by `stranded_work_sweep` (beat, every few minutes), which looks at the
database for work that should have a job: the database, not the broker, is the record.
"""

import logging
from functools import partial

from celery import shared_task
from django.db import OperationalError, transaction
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

BROKER_UNREACHABLE = (BrokerError, RedisConnectionError, RedisTimeoutError, ConnectionError)


def enqueue(job, *args) -> bool:
    """Send `job(*args)` to the broker; False (logged) when the broker is unreachable."""
    try:
        job.delay(*args)
    except BROKER_UNREACHABLE as exc:
        logger.warning(
            "Broker unavailable, %s%r not enqueued (the sweep will enqueue it): %s",
            job.name,
            args,
            exc,
        )
        return False
    return True


def enqueue_on_commit(job, *args) -> None:
    """Enqueue `job(*args)` once the current transaction commits, never raising."""
    transaction.on_commit(partial(enqueue, job, *args))


@shared_task(
    autoretry_for=(OperationalError,), retry_backoff=True, retry_jitter=True, max_retries=3
)
def stranded_work_sweep(min_age_seconds: int | None = None) -> dict[str, int]:
    """Periodic (beat): enqueue again the work whose job may have been lost."""
    from annotator.core import sweep  # imported here: the sweep imports other apps' jobs

    return sweep.stranded_work_requeue(min_age_seconds=min_age_seconds)

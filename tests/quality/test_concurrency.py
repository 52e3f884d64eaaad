"""Many annotators at once against real PostgreSQL: overlap holds, no task comes twice.

16 threads play 8 annotators (two browser tabs each), every one looping next -> submit
over a 50-task project with overlap 3 until nothing is left. Each thread has its own
database connection, as a web worker would.
"""

import threading
import time
from collections import Counter

import pytest
from django.db import connection
from django.db.models import Count

from annotator.labeling import services
from annotator.labeling.models import Assignment
from annotator.projects.models import Task
from annotator.quality.models import Action, LedgerEntry
from tests import factories
from tests.labeling.conftest import make_task
from tests.quality.people import set_policy

TASKS, OVERLAP, ANNOTATORS, TABS = 50, 3, 8, 2
MAX_ROUNDS = TASKS + 5  # an annotator can do each task at most once
DEADLINE_SECONDS = 120


def _work(annotator, project, barrier, errors: list) -> None:
    try:
        barrier.wait(timeout=30)
        stop_at = time.monotonic() + DEADLINE_SECONDS
        for _ in range(MAX_ROUNDS):
            if time.monotonic() > stop_at:
                errors.append(f"{annotator} ran out of time")
                return
            assignment = services.assignment_next(annotator=annotator, project=project)
            if assignment is None:
                return
            # The other tab may hold the same assignment: a second submit is a no-op.
            services.assignment_submit(assignment=assignment, no_pii=True)
    except Exception as exc:  # any failure must reach the main thread
        errors.append(repr(exc))
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_concurrent_annotators_never_exceed_the_overlap_nor_repeat_a_task(requester):
    project = factories.ProjectFactory(owner=requester, overlap=OVERLAP, control_rate=0.1)
    for n in range(TASKS):
        if n % 10 == 0:  # control tasks whose gold says "no PII": right answers, no sanctions
            make_task(project, is_control=True, gold_spans=[])
        else:
            make_task(project)
    set_policy(project, fast_action=Action.OFF)  # instant submissions are the point here
    annotators = [factories.UserFactory(username=f"worker{n}") for n in range(ANNOTATORS)]
    barrier = threading.Barrier(ANNOTATORS * TABS)
    errors: list = []
    threads = [
        threading.Thread(target=_work, args=(a, project, barrier, errors))
        for a in annotators
        for _ in range(TABS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=DEADLINE_SECONDS + 40)
    assert not any(t.is_alive() for t in threads)
    assert errors == []

    submitted = Assignment.objects.filter(status=Assignment.Status.SUBMITTED)
    per_task = Counter(
        dict(submitted.values("task").annotate(n=Count("pk")).values_list("task", "n"))
    )
    assert max(per_task.values()) <= OVERLAP
    assert sum(per_task.values()) == TASKS * OVERLAP  # 8 annotators fill every slot
    pairs = Assignment.objects.values("task", "annotator").annotate(n=Count("pk"))
    assert max(p["n"] for p in pairs) == 1  # nobody ever got a task twice
    counts = dict(Task.objects.values_list("pk", "submitted_count"))
    assert counts == dict(per_task)  # the task counters lost no update
    assert LedgerEntry.objects.filter(kind="reward").count() == TASKS * OVERLAP

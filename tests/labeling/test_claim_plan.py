"""The claim statement reads a handful of task rows however many tasks are open.

It walks task_claim_idx in the claim's order and stops at the first task it can take, so
its cost does not grow with the project, and no statistics are needed for that plan: the
test database's tables are never analyzed, like a project imported a moment ago.
"""

import json

import pytest
from django.db import connection

from annotator.labeling import services
from annotator.projects.models import Task
from tests import factories

pytestmark = pytest.mark.django_db

OPEN_TASKS = 300


def _task_rows_read(sql: str, params: dict) -> int:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    read, stack = 0, [plan[0]["Plan"]]
    while stack:
        node = stack.pop()
        if node.get("Relation Name") == Task._meta.db_table:
            read += node["Actual Rows"] * node["Actual Loops"]
        stack.extend(node.get("Plans", []))
    return read


@pytest.fixture
def big_project(requester, dataset):
    project = factories.ProjectFactory(owner=requester, dataset=dataset, control_rate=0.1)
    tasks = factories.TaskFactory.create_batch(OPEN_TASKS, project=project)
    for n, task in enumerate(tasks[::10]):
        task.is_control, task.gold_spans = True, []
        task.submitted_count = n % 3
        task.save()
    for n, task in enumerate(tasks[1::10]):
        task.submitted_count = 1 + n % 2
        task.save()
    return project


@pytest.mark.parametrize("flip", [False, True])
def test_the_claim_reads_a_few_task_rows_among_hundreds_open(alice, big_project, flip):
    params = services._claim_params(annotator=alice, project=big_project) | {"flip": flip}
    read = _task_rows_read(services._CLAIM_SQL, params)
    assert 1 <= read <= 5, read


def test_the_claim_takes_the_due_kind_closest_to_completion(alice, big_project):
    params = services._claim_params(annotator=alice, project=big_project)
    for flip, is_control in [(False, False), (True, True)]:
        with connection.cursor() as cursor:
            cursor.execute(services._CLAIM_SQL, params | {"flip": flip})
            task_id, target = cursor.fetchone()
        best = (
            Task.objects.filter(project=big_project, is_control=is_control)
            .order_by("-submitted_count", "pk")
            .first()
        )
        assert (task_id, target) == (best.pk, big_project.overlap)

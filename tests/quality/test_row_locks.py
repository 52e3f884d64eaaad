"""The quality jobs never hold the project row against the submits that need it.

Each submit inserts rows whose foreign key points at the project (its ledger entry), and
PostgreSQL checks such a key by taking a KEY SHARE lock on the project row. A job that
held the project row FOR UPDATE made every submit in the project wait for it; a project
recompute, which must exclude another, takes FOR NO KEY UPDATE, which does not. Each test
runs the service inside an open transaction and asks from a second connection, with
NOWAIT, which rows it can still lock.
"""

import psycopg
import pytest
from django.db import connection, transaction

from annotator.labeling import services as labeling
from annotator.projects.models import Project, Task
from annotator.quality import jobs
from annotator.quality.services import aggregation, validation
from tests.quality.flow import HOST, JANE, annotator, judge, label, make_task, validation_project

pytestmark = pytest.mark.django_db(transaction=True)


def _other_connection() -> psycopg.Connection:
    """A connection to the test database of its own, as another process would have."""
    db = connection.settings_dict
    return psycopg.connect(
        dbname=db["NAME"], host=db["HOST"], port=db["PORT"] or None, user=db["USER"]
    )


def _lockable(table: str, pk: int, mode: str) -> bool:
    """Whether another connection can lock row `pk` of `table` in `mode` right now."""
    with _other_connection() as other:
        try:
            other.execute(f"SELECT 1 FROM {table} WHERE id = %s FOR {mode} NOWAIT", [pk])
        except psycopg.errors.LockNotAvailable:
            return False
        return True


def _project_free(project: Project) -> bool:
    return _lockable(Project._meta.db_table, project.pk, "KEY SHARE")


def _task_held(task: Task) -> bool:
    return not _lockable(Task._meta.db_table, task.pk, "UPDATE")


@pytest.fixture
def checker(generation):
    return validation_project(generation, overlap=2)


def test_aggregating_a_task_locks_the_task_but_not_its_project(generation):
    task = make_task(generation)
    label(annotator(), generation, [JANE, HOST])
    with transaction.atomic():
        aggregation.task_aggregate(task=task)
        assert _task_held(task)
        assert _project_free(generation)


def test_a_project_recompute_excludes_another_but_not_the_submits(generation):
    tasks = [make_task(generation) for _ in range(2)]
    for _ in tasks:
        label(annotator(), generation, [JANE, HOST])
    with transaction.atomic():
        assert aggregation.project_reaggregate(project=generation) == 2
        assert not _lockable(Project._meta.db_table, generation.pk, "NO KEY UPDATE")
        assert _project_free(generation)


def test_a_validation_submit_leaves_the_project_row_free(generation, checker):
    make_task(generation)
    label(annotator(), generation, [JANE, HOST])
    jobs.task_aggregate(Task.objects.get(project=generation).pk)
    assignment = labeling.assignment_next(annotator=annotator(), project=checker)
    with transaction.atomic():
        validation.validation_submit(
            assignment=assignment, all_found=True, verdicts={0: "accept", 1: "accept"}
        )
        assert not _lockable("labeling_assignment", assignment.pk, "UPDATE")
        assert _project_free(checker)


def test_deciding_a_validation_task_leaves_both_projects_free(generation, checker):
    source = make_task(generation)
    label(annotator(), generation, [JANE, HOST])
    jobs.task_aggregate(source.pk)
    for _ in range(2):
        judge(annotator(), checker, ["accept", "reject"])
    decided = Task.objects.get(project=checker)
    with transaction.atomic():
        validation.validation_decide(task=decided)
        assert _task_held(decided) and _task_held(source)
        assert _project_free(checker) and _project_free(generation)


def test_a_batch_skips_the_tasks_another_job_holds(generation):
    first, held = make_task(generation), make_task(generation)
    for _ in range(2):
        label(annotator(), generation, [JANE, HOST])
    with _other_connection() as other:  # another job, busy with `held`
        other.execute(f"SELECT 1 FROM {Task._meta.db_table} WHERE id = %s FOR UPDATE", [held.pk])
        jobs.task_aggregate(first.pk)  # does not wait for it, and leaves it alone
        statuses = list(
            Task.objects.filter(pk__in=[first.pk, held.pk]).order_by("pk").values_list("status")
        )
        assert statuses == [(Task.Status.FINAL,), (Task.Status.COMPLETE,)]
    jobs.task_aggregate(held.pk)
    assert Task.objects.get(pk=held.pk).status == Task.Status.FINAL

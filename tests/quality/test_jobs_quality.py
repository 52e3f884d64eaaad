"""The quality and lease jobs, called directly as plain functions."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from annotator import celery_app
from annotator.core.exceptions import DomainError
from annotator.labeling import jobs as labeling_jobs
from annotator.labeling import services
from annotator.labeling.models import Assignment
from annotator.quality import jobs as quality_jobs
from annotator.quality.models import LedgerEntry
from tests import factories
from tests.labeling.conftest import make_task
from tests.quality.people import JANE, answer, control_task, set_policy

pytestmark = pytest.mark.django_db


def lapsed(assignment: Assignment) -> Assignment:
    Assignment.objects.filter(pk=assignment.pk).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    return assignment


def test_expiring_leases_marks_only_the_lapsed_ones(alice, bob, project):
    late = lapsed(factories.AssignmentFactory(task=make_task(project), annotator=alice))
    running = factories.AssignmentFactory(task=make_task(project), annotator=bob)
    done = answer(bob, make_task(project), JANE)
    lapsed(done)
    assert labeling_jobs.assignments_expire() == 1
    statuses = dict(Assignment.objects.values_list("pk", "status"))
    assert statuses == {
        late.pk: Assignment.Status.EXPIRED,
        running.pk: Assignment.Status.IN_PROGRESS,
        done.pk: Assignment.Status.SUBMITTED,
    }
    assert labeling_jobs.assignments_expire() == 0  # safe to run again


def test_a_submit_after_the_job_expired_the_lease_is_refused_with_a_clear_message(alice, project):
    make_task(project)
    assignment = lapsed(services.assignment_next(annotator=alice, project=project))
    labeling_jobs.assignments_expire()
    with pytest.raises(DomainError) as refused:
        services.assignment_submit(assignment=assignment, no_pii=True)
    assert str(refused.value) == services.LEASE_EXPIRED


def test_the_bonus_job_awards_a_given_day_once(alice, project):
    set_policy(project, bonus_cents=100, control_minimum=1)
    answer(alice, control_task(project, JANE), JANE)
    day = timezone.now().date().isoformat()
    assert quality_jobs.bonuses_award(day) == 1
    assert quality_jobs.bonuses_award(day) == 0
    assert LedgerEntry.objects.filter(kind="bonus").count() == 1


def test_the_bonus_job_defaults_to_yesterday(alice, project):
    set_policy(project, bonus_cents=100, control_minimum=1)
    answer(alice, control_task(project, JANE), JANE)  # today: not yet
    assert quality_jobs.bonuses_award() == 0


@pytest.mark.parametrize("entry", ["labeling-assignments-expire", "quality-bonuses-award"])
def test_beat_runs_registered_jobs(entry):
    schedule = settings.CELERY_BEAT_SCHEDULE[entry]
    celery_app.loader.import_default_modules()
    assert schedule["task"] in celery_app.tasks
    assert schedule["schedule"] <= 3600

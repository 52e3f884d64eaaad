"""`with_live_assignment` (the API's next task, in the project's query) finds exactly what
`assignment_live` finds: only a running lease of this annotator in this project."""

from datetime import timedelta

import pytest
from django.utils import timezone

from annotator.labeling import selectors
from annotator.labeling.models import Assignment
from annotator.projects.models import Project
from tests import factories
from tests.labeling.conftest import make_task

pytestmark = pytest.mark.django_db


def _annotated(annotator, project) -> Project:
    projects = selectors.with_live_assignment(annotator=annotator, projects=Project.objects.all())
    return projects.get(pk=project.pk)


def _both(annotator, project) -> tuple:
    """What each way finds: the annotation's id, and assignment_live's with and without it."""
    annotated = _annotated(annotator, project)
    plain = Project.objects.get(pk=project.pk)
    found = selectors.assignment_live(annotator=annotator, project=annotated)
    expected = selectors.assignment_live(annotator=annotator, project=plain)
    return annotated.live_assignment_id, found, expected


@pytest.mark.parametrize(
    "setup", ["none", "running", "ran_out", "submitted", "someone_elses", "other_project"]
)
def test_the_annotation_agrees_with_the_lookup(alice, bob, requester, dataset, project, setup):
    task = make_task(project)
    lease = timezone.now() + timedelta(minutes=30)
    if setup == "ran_out":
        lease = timezone.now() - timedelta(seconds=1)
    who = bob if setup == "someone_elses" else alice
    if setup == "other_project":
        task = make_task(factories.ProjectFactory(owner=requester, dataset=dataset))
    if setup != "none":
        status = Assignment.Status.SUBMITTED if setup == "submitted" else "in_progress"
        factories.AssignmentFactory(task=task, annotator=who, lease_expires_at=lease, status=status)
    live_id, found, expected = _both(alice, project)
    assert found == expected
    assert live_id == (expected.pk if expected else None)
    assert (expected is not None) is (setup == "running")


def test_of_two_running_leases_the_later_one_is_found(alice, project):
    now = timezone.now()
    factories.AssignmentFactory(
        task=make_task(project), annotator=alice, lease_expires_at=now + timedelta(minutes=5)
    )
    later = factories.AssignmentFactory(
        task=make_task(project), annotator=alice, lease_expires_at=now + timedelta(minutes=9)
    )
    live_id, found, expected = _both(alice, project)
    assert live_id == found.pk == expected.pk == later.pk


def test_a_project_known_to_hold_none_costs_no_query(alice, project, django_assert_num_queries):
    annotated = _annotated(alice, project)
    with django_assert_num_queries(0):
        assert selectors.assignment_live(annotator=alice, project=annotated) is None

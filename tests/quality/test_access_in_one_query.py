"""`with_access` / `access_decision`: project_access's answer in one query (the hot path's)."""

import pytest
from django.utils import timezone

from annotator.projects.models import Project
from annotator.quality.models import Action, Sanction
from annotator.quality.services.access import (
    access_decision,
    accessible_projects,
    project_access,
    with_access,
)
from annotator.quality.services.rules import sanction_impose, sanction_lift
from tests.labeling.conftest import make_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def strict(project):
    """The cast's project, now asking for a skill of 60 in each of its categories."""
    project.min_skill = 60
    project.save()
    make_task(project)
    return project


def _flag(user, project) -> bool:
    return (
        with_access(annotator=user, projects=Project.objects.all())
        .get(pk=project.pk)
        .access_allowed
    )


@pytest.mark.parametrize(
    "setup",
    ["none", "low", "opted_out", "suspended", "expired", "banned", "lifted", "no_consent", "quiz"],
)
def test_the_one_query_check_agrees_with_project_access(alice, bob, strict, requester, setup):
    user = bob if setup == "low" else alice
    if setup == "opted_out":
        alice.skills.filter(category="NAME").update(opted_out=True)
    if setup in {"suspended", "expired", "banned", "lifted"}:
        action = Action.BAN if setup in {"banned", "lifted"} else Action.SUSPEND
        sanction = sanction_impose(
            annotator=alice, project=strict, rule="manual", action=action, reason="x"
        )
        if setup == "expired":
            Sanction.objects.filter(pk=sanction.pk).update(until=timezone.now())
        if setup == "lifted":
            sanction_lift(sanction=sanction, actor=requester)
    if setup == "no_consent":
        alice.consented_at = None
        alice.save()
    if setup == "quiz":
        user = bob
        strict.kind = Project.Kind.QUIZ
        strict.save()
    expected = project_access(annotator=user, project=strict)
    assert _flag(user, strict) is expected.allowed
    assert access_decision(annotator=user, project=strict) == expected
    annotated = with_access(annotator=user, projects=Project.objects.all()).get(pk=strict.pk)
    assert access_decision(annotator=user, project=annotated) == expected
    listed = accessible_projects(annotator=user, projects=Project.objects.all())
    assert listed.filter(pk=strict.pk).exists() is expected.allowed


def test_an_allowed_decision_costs_one_query(alice, strict, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert access_decision(annotator=alice, project=strict).allowed


def test_an_annotated_project_costs_no_query_when_allowed(alice, strict, django_assert_num_queries):
    annotated = with_access(annotator=alice, projects=Project.objects.all()).get(pk=strict.pk)
    with django_assert_num_queries(0):
        assert access_decision(annotator=alice, project=annotated).allowed


def test_a_refusal_still_gives_every_reason(bob, strict):
    decision = access_decision(annotator=bob, project=strict)
    assert not decision.allowed
    assert {r.code for r in decision.reasons} == {"skill_too_low"}
    assert decision == project_access(annotator=bob, project=strict)

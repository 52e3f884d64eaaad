"""Who may work on which project, and the reasons given when not."""

from datetime import timedelta

import pytest
from django.utils import timezone

from annotator.labeling import services
from annotator.labeling.selectors import projects_for_annotator
from annotator.projects.models import Project
from annotator.quality.models import Action, Sanction
from annotator.quality.services.access import AccessRefused, project_access
from annotator.quality.services.rules import sanction_impose, sanction_lift
from tests import factories
from tests.labeling.conftest import make_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def strict(project):
    """The cast's project, now asking for a skill of 60 in each of its categories."""
    project.min_skill = 60
    project.save()
    make_task(project)
    return project


@pytest.fixture
def name_quiz(requester, dataset):
    return factories.ProjectFactory(
        owner=requester,
        dataset=dataset,
        kind=Project.Kind.QUIZ,
        categories=["NAME"],
        name="Names 101",
    )


def codes(decision) -> list[str]:
    return [reason.code for reason in decision.reasons]


def visible(user, project) -> bool:
    return projects_for_annotator(user).filter(pk=project.pk).exists()


def test_a_skilled_annotator_is_allowed(alice, strict):
    decision = project_access(annotator=alice, project=strict)
    assert decision.allowed and decision.reasons == []
    assert visible(alice, strict)


def test_no_skill_is_a_skill_of_zero_which_a_project_without_minimum_accepts(bob, project):
    assert project_access(annotator=bob, project=project).allowed
    assert visible(bob, project)


def test_bob_is_told_which_skills_are_too_low_and_where_to_retrain(bob, strict, name_quiz):
    factories.SkillFactory(annotator=bob, category="EMAIL", value=70)
    factories.SkillFactory(annotator=bob, category="IP_ADDRESS", value=59)
    decision = project_access(annotator=bob, project=strict)
    assert not decision.allowed
    low = {r.category: r for r in decision.reasons}
    assert set(low) == {"NAME", "IP_ADDRESS", "PASSWORD"}
    assert (low["IP_ADDRESS"].value, low["IP_ADDRESS"].minimum) == (59, 60)
    assert low["NAME"].quiz_project_id == name_quiz.pk
    assert (
        low["NAME"].message
        == "Your Name skill is 0; this project needs 60. Retrain in the quiz 'Names 101'."
    )
    assert low["PASSWORD"].quiz_project_id is None
    assert not visible(bob, strict)


def test_opting_out_of_a_category_closes_its_projects(alice, strict):
    alice.skills.filter(category="EMAIL").update(opted_out=True)
    decision = project_access(annotator=alice, project=strict)
    assert codes(decision) == ["opted_out"] and decision.reasons[0].category == "EMAIL"
    assert not visible(alice, strict)


def test_opting_out_of_a_category_the_project_does_not_label_changes_nothing(alice, strict):
    alice.skills.filter(category="KEY").update(opted_out=True)
    assert project_access(annotator=alice, project=strict).allowed
    assert visible(alice, strict)


def test_without_consent_nothing_is_open(alice, strict, name_quiz):
    alice.consented_at = None
    alice.save()
    for project in (strict, name_quiz):
        assert codes(project_access(annotator=alice, project=project)) == ["consent_missing"]
    assert not projects_for_annotator(alice).exists()


def test_quiz_projects_are_open_to_everyone_who_consented(bob, name_quiz):
    name_quiz.min_skill = 90
    name_quiz.save()
    assert project_access(annotator=bob, project=name_quiz).allowed
    assert visible(bob, name_quiz)


def test_a_suspension_blocks_the_project_until_it_ends(alice, strict):
    sanction = sanction_impose(
        annotator=alice, project=strict, rule="manual", action=Action.SUSPEND, reason="Spam."
    )
    decision = project_access(annotator=alice, project=strict)
    assert codes(decision) == ["suspended"]
    assert decision.reasons[0].until == sanction.until
    assert decision.reasons[0].message.startswith("Spam. You are suspended from this project until")
    assert not visible(alice, strict)
    Sanction.objects.filter(pk=sanction.pk).update(until=timezone.now() - timedelta(seconds=1))
    assert project_access(annotator=alice, project=strict).allowed
    assert visible(alice, strict)


def test_a_suspension_in_one_project_leaves_the_others_open(alice, strict, requester, dataset):
    other = factories.ProjectFactory(owner=requester, dataset=dataset)
    sanction_impose(
        annotator=alice, project=other, rule="manual", action=Action.SUSPEND, reason="x"
    )
    assert project_access(annotator=alice, project=strict).allowed
    assert visible(alice, strict) and not visible(alice, other)


def test_a_ban_lasts_until_the_requester_lifts_it(alice, strict, requester):
    ban = sanction_impose(
        annotator=alice, project=strict, rule="skips", action=Action.BAN, reason="Skipped 50."
    )
    decision = project_access(annotator=alice, project=strict)
    assert codes(decision) == ["banned"] and decision.reasons[0].rule == "skips"
    assert decision.message == "Skipped 50. You are banned from this project."
    sanction_lift(sanction=ban, actor=requester)
    assert project_access(annotator=alice, project=strict).allowed


def test_a_warning_blocks_nothing(alice, strict):
    sanction_impose(
        annotator=alice, project=strict, rule="too_fast", action=Action.WARN, reason="x"
    )
    assert project_access(annotator=alice, project=strict).allowed
    assert visible(alice, strict)


def test_assignment_next_refuses_with_the_reasons(bob, strict):
    with pytest.raises(AccessRefused) as refused:
        services.assignment_next(annotator=bob, project=strict)
    assert {r.code for r in refused.value.decision.reasons} == {"skill_too_low"}
    assert "Your Name skill is 0; this project needs 60." in str(refused.value)


def test_a_task_already_held_can_still_be_finished(alice, strict):
    held = services.assignment_next(annotator=alice, project=strict)
    sanction_impose(
        annotator=alice, project=strict, rule="manual", action=Action.SUSPEND, reason="x"
    )
    assert services.assignment_next(annotator=alice, project=strict) == held


@pytest.mark.parametrize(
    "setup",
    ["none", "low", "opted_out", "suspended", "expired", "banned", "lifted", "no_consent", "quiz"],
)
def test_the_list_filter_agrees_with_project_access(alice, bob, strict, requester, setup):
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
    expected = setup in {"none", "expired", "lifted", "quiz"}
    assert project_access(annotator=user, project=strict).allowed is expected
    assert visible(user, strict) is expected

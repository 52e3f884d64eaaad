"""A spammer who answers control tasks badly loses access, through the services alone."""

import pytest

from annotator.labeling import services
from annotator.labeling.models import Assignment
from annotator.labeling.selectors import projects_for_annotator
from annotator.projects.models import Project
from annotator.quality.models import Sanction, SkillEvent
from annotator.quality.services.access import AccessRefused, project_access
from annotator.quality.services.skills import skill_record
from tests import factories
from tests.labeling.conftest import make_task
from tests.quality.people import JANE, control_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def crowd_project(requester, dataset):
    project = factories.ProjectFactory(
        owner=requester, dataset=dataset, categories=["NAME"], min_skill=60, control_rate=0.5,
        overlap=2,
    )  # fmt: skip
    for _ in range(12):
        make_task(project)
        control_task(project, JANE)
    return project


@pytest.fixture
def name_quiz(requester, dataset):
    return factories.ProjectFactory(
        owner=requester, dataset=dataset, kind=Project.Kind.QUIZ, categories=["NAME"]
    )


def trained(username):
    user = factories.UserFactory(username=username)
    skill_record(annotator=user, category="NAME", value=90, source="quiz", reason="Passed")
    return user


def work(annotator, project, answer, limit=24) -> list[Assignment]:
    """Take tasks and answer each with `answer(assignment)` until refused or none left."""
    done = []
    for _ in range(limit):
        assignment = services.assignment_next(annotator=annotator, project=project)
        if assignment is None:
            break
        answer(assignment)
        done.append(assignment)
    return done


def says_no_pii(assignment):
    services.assignment_submit(assignment=assignment, no_pii=True)


def labels_the_name(assignment):
    services.assignment_span_add(assignment=assignment, span=JANE)
    services.assignment_submit(assignment=assignment)


def test_a_spammer_loses_access_and_is_told_why(crowd_project, name_quiz):
    spammer = trained("spammer")
    with pytest.raises(AccessRefused) as refused:
        work(spammer, crowd_project, says_no_pii)
    codes = {r.code for r in refused.value.decision.reasons}
    assert "skill_too_low" in codes or "suspended" in codes
    decision = project_access(annotator=spammer, project=crowd_project)
    assert not decision.allowed
    assert not projects_for_annotator(spammer).filter(pk=crowd_project.pk).exists()
    # The quiz stays open: the way back is retraining.
    assert project_access(annotator=spammer, project=name_quiz).allowed
    # Skill arithmetic and rules both caught it, and both are logged.
    event = SkillEvent.objects.filter(annotator=spammer, source="control").first()
    assert event is not None and event.new < crowd_project.min_skill
    skill = next(r for r in decision.reasons if r.code == "skill_too_low")
    assert skill.quiz_project_id == name_quiz.pk
    assert Sanction.objects.filter(annotator=spammer, rule="no_pii").exists()
    # It took only a handful of control tasks to find out.
    answered = Assignment.objects.filter(annotator=spammer, task__is_control=True).count()
    assert answered <= 6


def test_an_honest_annotator_keeps_access(crowd_project):
    honest = trained("honest")
    done = work(
        honest, crowd_project, lambda a: labels_the_name(a) if a.task.is_control else says_no_pii(a)
    )
    assert len(done) == 24
    assert project_access(annotator=honest, project=crowd_project).allowed
    assert honest.skills.get(category="NAME").value == 100

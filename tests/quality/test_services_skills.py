"""Skills from control tasks, through the services on real rows."""

import pytest

from annotator.core.exceptions import DomainError
from annotator.projects.models import Project
from annotator.quality.models import ControlAnswer, Skill, SkillEvent
from annotator.quality.services.skills import control_scores, skill_record, skill_set
from annotator.quality.spans import LabeledSpan
from tests import factories
from tests.labeling.conftest import make_task
from tests.quality.people import (
    EMAIL,
    HOST,
    JANE,
    STRAY_NAME,
    WRONG_NAME,
    answer,
    control_task,
    set_policy,
)

pytestmark = pytest.mark.django_db


def name_skill(user) -> int:
    return Skill.objects.get(annotator=user, category="NAME").value


@pytest.fixture
def quizzed(db):
    """An annotator whose NAME quiz gave 90."""
    user = factories.UserFactory(username="quizzed")
    skill_record(annotator=user, category="NAME", value=90, source="quiz", reason="Exam 9/10")
    return user


def test_a_right_control_answer_is_stored_with_its_exact_f1(alice, project):
    task = control_task(project, JANE, HOST)
    assignment = answer(alice, task, JANE, HOST)
    rows = {r.category: r for r in ControlAnswer.objects.filter(assignment=assignment)}
    assert set(rows) == {"NAME", "IP_ADDRESS"}  # EMAIL, PASSWORD were not in play
    assert rows["NAME"].f1 == 1.0 and rows["NAME"].correct
    assert rows["NAME"].task == task and rows["NAME"].project == project


def test_a_half_right_answer_keeps_its_f1_but_is_not_correct(alice, project):
    task = control_task(project, JANE)
    assignment = answer(alice, task, JANE, STRAY_NAME)
    row = ControlAnswer.objects.get(assignment=assignment)
    assert row.f1 == pytest.approx(2 / 3) and not row.correct


def test_an_unrequested_category_in_the_answer_scores_zero_for_it(alice, project):
    task = control_task(project, JANE)
    assignment = answer(alice, task, JANE, EMAIL)
    scores = dict(ControlAnswer.objects.filter(assignment=assignment).values_list("category", "f1"))
    assert scores == {"NAME": 1.0, "EMAIL": 0.0}


def test_a_right_no_pii_answer_scores_nothing_and_changes_no_skill(quizzed, project):
    answer(quizzed, control_task(project), no_pii=True)
    assert not ControlAnswer.objects.exists()
    assert name_skill(quizzed) == 90


def test_an_all_ambiguous_hedge_is_not_scored():
    hedge = [LabeledSpan(15, 27, "AMBIGUOUS")]
    assert (
        control_scores(answer=hedge, gold=[LabeledSpan(17, 25, "NAME")], categories=["NAME"]) == {}
    )


def test_ordinary_tasks_record_no_control_answer(alice, project):
    answer(alice, make_task(project), JANE)
    assert not ControlAnswer.objects.exists()


def test_quiz_projects_grade_their_own_exams(alice, requester, dataset):
    quiz = factories.ProjectFactory(owner=requester, dataset=dataset, kind=Project.Kind.QUIZ)
    answer(alice, control_task(quiz, JANE), WRONG_NAME)
    assert not ControlAnswer.objects.exists()


def test_the_quiz_value_stands_until_the_minimum_number_of_answers(quizzed, project):
    set_policy(project, control_window=10, control_minimum=3)
    for expected in (90, 90, 0):
        answer(quizzed, control_task(project, JANE), WRONG_NAME)
        assert name_skill(quizzed) == expected


def test_the_skill_is_the_share_correct_over_a_rolling_window(quizzed, project):
    set_policy(project, control_window=4, control_minimum=2)
    history = []
    for right in (True, True, False, False, False, False, True):
        answer(quizzed, control_task(project, JANE), JANE if right else WRONG_NAME)
        history.append(name_skill(quizzed))
    # window of 4: [1,1] 100, [1,1,0] 67, [1,1,0,0] 50, [1,0,0,0] 25, [0,0,0,0] 0, [0,0,0,1] 25
    assert history == [90, 100, 67, 50, 25, 0, 25]


def test_each_change_is_logged_with_its_reason(quizzed, project):
    set_policy(project, control_window=10, control_minimum=2)
    answer(quizzed, control_task(project, JANE), WRONG_NAME)
    answer(quizzed, control_task(project, JANE), JANE)
    event = SkillEvent.objects.filter(source="control").get()
    assert (event.old, event.new, event.project) == (90, 50, project)
    assert event.reason == "1 of the last 2 control answers reached F1 0.80 (mean F1 0.50)."
    assert event.actor is None


def test_retraining_starts_a_fresh_window(quizzed, project, requester):
    set_policy(project, control_window=10, control_minimum=2)
    for _ in range(3):
        answer(quizzed, control_task(project, JANE), WRONG_NAME)
    assert name_skill(quizzed) == 0
    skill_record(annotator=quizzed, category="NAME", value=85, source="quiz", reason="Retrained")
    answer(quizzed, control_task(project, JANE), JANE)
    assert name_skill(quizzed) == 85  # one new answer: under the minimum, the quiz stands
    answer(quizzed, control_task(project, JANE), JANE)
    assert name_skill(quizzed) == 100  # the old mistakes no longer count


def test_the_threshold_decides_what_counts_as_correct(quizzed, project):
    set_policy(project, control_window=10, control_minimum=1, control_threshold=0.6)
    answer(quizzed, control_task(project, JANE), JANE, STRAY_NAME)  # F1 0.67
    assert name_skill(quizzed) == 100


def test_a_requester_sets_a_skill_by_hand_and_it_is_logged(requester, alice):
    skill_set(annotator=alice, category="NAME", value=40, reason="Sloppy", actor=requester)
    event = SkillEvent.objects.get(annotator=alice, category="NAME")
    assert (event.old, event.new, event.source) == (90, 40, "manual")
    assert (event.actor, event.reason) == (requester, "Sloppy")
    assert name_skill(alice) == 40


def test_a_manual_reset_also_restarts_the_control_window(requester, quizzed, project):
    set_policy(project, control_window=10, control_minimum=1)
    answer(quizzed, control_task(project, JANE), WRONG_NAME)
    assert name_skill(quizzed) == 0
    skill_set(annotator=quizzed, category="NAME", value=70, reason="Appeal", actor=requester)
    answer(quizzed, control_task(project, JANE), JANE)
    assert name_skill(quizzed) == 100


def test_a_first_skill_is_logged_with_no_old_value(bob):
    skill_record(annotator=bob, category="EMAIL", value=75, source="quiz", reason="Exam")
    assert SkillEvent.objects.get(annotator=bob).old is None


@pytest.mark.parametrize("value", [-1, 101, True, "50"])
def test_skill_record_refuses_values_outside_0_to_100(bob, value):
    with pytest.raises(DomainError):
        skill_record(annotator=bob, category="NAME", value=value, source="quiz", reason="x")
    assert not SkillEvent.objects.exists()

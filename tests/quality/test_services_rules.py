"""Quality-control rules: each one fires on a hand-made case, and stays quiet otherwise."""

import pytest

from annotator.core.exceptions import DomainError
from annotator.labeling import services
from annotator.projects.models import Project
from annotator.quality.models import Action, Sanction
from annotator.quality.selectors import sanctions_for_annotator, sanctions_for_requester
from annotator.quality.services.access import project_access
from annotator.quality.services.rules import sanction_impose
from tests import factories
from tests.labeling.conftest import make_task
from tests.quality.people import EMAIL, JANE, WRONG_NAME, answer, control_task, set_policy, skip

pytestmark = pytest.mark.django_db

# CODE snippets have 4 lines: at 15 s per 50 lines, "too fast" is under 1.2 s.
FAST, SLOW = 0.5, 5


def fired(user, rule=None) -> list[Sanction]:
    sanctions = Sanction.objects.filter(annotator=user).order_by("pk")
    return list(sanctions.filter(rule=rule) if rule else sanctions)


# --- too fast ---------------------------------------------------------------------


def test_three_too_fast_submissions_draw_a_warning(alice, project):
    for _ in range(3):
        answer(alice, make_task(project), JANE, seconds=FAST)
    [warning] = fired(alice)
    assert (warning.rule, warning.action, warning.until) == ("too_fast", Action.WARN, None)
    assert warning.reason == (
        "Your last 3 submissions came in under 15 seconds per 50 lines of code: too fast to "
        "read the code. This is a warning: please take the time each task needs."
    )
    assert project_access(annotator=alice, project=project).allowed


def test_one_careful_submission_breaks_the_streak(alice, project):
    for seconds in (FAST, FAST, SLOW, FAST, FAST):
        answer(alice, make_task(project), JANE, seconds=seconds)
    assert fired(alice) == []


def test_the_limit_grows_with_the_snippet(alice, project):
    long_code = "x = 1\n" * 40  # 41 lines with the copy marker: the limit is 12.3 s
    for _ in range(3):
        answer(alice, make_task(project, long_code), seconds=SLOW)
    assert [s.rule for s in fired(alice)] == ["too_fast"]


def test_a_streak_fires_once_then_counts_again_from_zero(alice, project):
    for _ in range(5):
        answer(alice, make_task(project), JANE, seconds=FAST)
    assert len(fired(alice)) == 1
    answer(alice, make_task(project), JANE, seconds=FAST)
    assert len(fired(alice)) == 2


def test_another_rules_sanction_does_not_restart_the_too_fast_count(alice, project):
    for _ in range(2):
        answer(alice, make_task(project), JANE, seconds=FAST)
    sanction_impose(annotator=alice, project=project, rule="manual", action=Action.WARN, reason="x")
    answer(alice, make_task(project), JANE, seconds=FAST)
    assert [s.rule for s in fired(alice)] == ["manual", "too_fast"]


def test_a_rule_set_to_suspend_suspends(alice, project):
    set_policy(project, fast_action=Action.SUSPEND, suspend_minutes=30)
    for _ in range(3):
        answer(alice, make_task(project), JANE, seconds=FAST)
    [suspension] = fired(alice)
    assert 29 * 60 < (suspension.until - suspension.created_at).total_seconds() <= 30 * 60
    assert [r.code for r in project_access(annotator=alice, project=project).reasons] == [
        "suspended"
    ]


def test_a_rule_turned_off_never_fires(alice, project):
    set_policy(project, fast_action=Action.OFF)
    for _ in range(4):
        answer(alice, make_task(project), JANE, seconds=FAST)
    assert fired(alice) == []


# --- skips ------------------------------------------------------------------------


def test_too_many_skips_in_a_row_are_sanctioned(alice, project):
    set_policy(project, skip_streak=3, skip_action=Action.BAN)
    for _ in range(3):
        skip(alice, make_task(project))
    [ban] = fired(alice)
    assert (ban.rule, ban.action) == ("skips", Action.BAN)
    assert ban.reason == "You skipped your last 3 tasks in a row. You are banned from this project."
    assert not project_access(annotator=alice, project=project).allowed


def test_a_submission_between_skips_resets_the_count(alice, project):
    set_policy(project, skip_streak=3)
    skip(alice, make_task(project))
    skip(alice, make_task(project))
    answer(alice, make_task(project), JANE)
    skip(alice, make_task(project))
    skip(alice, make_task(project))
    assert fired(alice) == []


def test_a_problem_report_is_not_a_skip(alice, project):
    set_policy(project, skip_streak=2)
    skip(alice, make_task(project))
    assignment = factories.AssignmentFactory(task=make_task(project), annotator=alice)
    services.assignment_report(assignment=assignment, problem="binary")
    skip(alice, make_task(project))
    assert fired(alice) == []


# --- control accuracy -------------------------------------------------------------


def test_low_control_accuracy_suspends(alice, project):
    set_policy(project, control_window=4, control_minimum=2, accuracy_min=50)
    answer(alice, control_task(project, JANE), WRONG_NAME)
    assert fired(alice) == []  # one answer: under the minimum
    answer(alice, control_task(project, JANE), WRONG_NAME)
    assert fired(alice) == []  # none right of 2: still possible for someone right half the time
    answer(alice, control_task(project, JANE), WRONG_NAME)
    [suspension] = fired(alice)
    assert (suspension.rule, suspension.action) == ("low_accuracy", Action.SUSPEND)
    assert suspension.reason.startswith(
        "Only 0% of your last 3 checked answers were right; this project needs 50%."
    )


def test_accuracy_at_the_threshold_is_enough(alice, project):
    set_policy(project, control_window=4, control_minimum=2, accuracy_min=50)
    answer(alice, control_task(project, JANE), WRONG_NAME)
    answer(alice, control_task(project, JANE), JANE)
    assert fired(alice) == []


def test_a_slip_or_two_in_a_small_sample_is_not_low_accuracy(alice, project):
    # 1 right of 3 is 33 %, but an annotator right 80 % of the time answers that badly one
    # time in ten: not evidence enough to suspend them at 50 %.
    set_policy(project, control_window=10, control_minimum=3, accuracy_min=50)
    for given in (WRONG_NAME, JANE, WRONG_NAME):
        answer(alice, control_task(project, JANE), given)
    assert fired(alice) == []
    # Evidence builds up: 1 right of 7 is very likely under 50 %.
    for _ in range(4):
        answer(alice, control_task(project, JANE), WRONG_NAME)
    [suspension] = fired(alice)
    assert suspension.reason.startswith("Only 14% of your last 7 checked answers were right")


def test_one_wrong_category_makes_the_whole_control_answer_wrong(alice, project):
    set_policy(project, control_window=4, control_minimum=1, accuracy_min=100)
    answer(alice, control_task(project, JANE), JANE, EMAIL)
    assert [s.rule for s in fired(alice)] == ["low_accuracy"]


# --- "no PII" on PII --------------------------------------------------------------


def test_no_pii_answers_on_tasks_with_pii_are_sanctioned(alice, project):
    set_policy(project, no_pii_window=3, no_pii_max=2, accuracy_action=Action.OFF)
    answer(alice, control_task(project, JANE), no_pii=True)
    assert fired(alice) == []
    answer(alice, control_task(project, JANE), no_pii=True)
    [sanction] = fired(alice)
    assert sanction.rule == "no_pii" and sanction.action == Action.SUSPEND
    assert sanction.reason.startswith(
        "You answered 'No PII' on 2 of your last 2 checked tasks that do contain personal data."
    )


def test_no_pii_on_tasks_without_pii_is_right(alice, project):
    set_policy(project, no_pii_window=3, no_pii_max=2)
    for _ in range(3):
        answer(alice, control_task(project), no_pii=True)
    assert fired(alice) == []


def test_no_pii_misses_outside_the_window_are_forgiven(alice, project):
    set_policy(project, no_pii_window=2, no_pii_max=2, accuracy_action=Action.OFF)
    answer(alice, control_task(project, JANE), no_pii=True)
    answer(alice, control_task(project, JANE), JANE)
    answer(alice, control_task(project, JANE), no_pii=True)
    assert fired(alice) == []


# --- scope and log ----------------------------------------------------------------


def test_quiz_projects_run_no_rules(alice, requester, dataset):
    quiz = factories.ProjectFactory(owner=requester, dataset=dataset, kind=Project.Kind.QUIZ)
    for _ in range(4):
        answer(alice, make_task(quiz), JANE, seconds=FAST)
    assert fired(alice) == []


def test_the_requester_sees_the_log_of_their_projects_only(alice, project, mallory, requester):
    for _ in range(3):
        answer(alice, make_task(project), JANE, seconds=FAST)
    assert list(sanctions_for_requester(requester)) == fired(alice)
    assert list(sanctions_for_requester(requester, project=project)) == fired(alice)
    assert not sanctions_for_requester(mallory).exists()
    assert list(sanctions_for_annotator(alice)) == fired(alice)


def test_a_requester_can_sanction_by_hand_with_a_reason(alice, project, requester):
    sanction = sanction_impose(
        annotator=alice, project=project, rule="manual", action=Action.BAN,
        reason="Copied answers.", actor=requester,
    )  # fmt: skip
    assert sanction.created_by == requester
    with pytest.raises(DomainError):
        sanction_impose(
            annotator=alice, project=project, rule="manual", action=Action.BAN, reason=" "
        )
    with pytest.raises(DomainError):
        sanction_impose(annotator=alice, project=project, rule="manual", action="off", reason="x")

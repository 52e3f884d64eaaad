"""The validation chain on real rows: majority decisions, rounds, precision and recall."""

import pytest

from annotator.core.exceptions import DomainError
from annotator.labeling import services as labeling
from annotator.labeling.models import SpanVerdict
from annotator.projects.models import FinalSpan, Task
from annotator.projects.services import SpanInput
from annotator.quality import jobs
from annotator.quality.services import validation
from annotator.quality.services.validation import Ballot, decide
from tests.quality.flow import (
    EMAIL,
    HOST,
    JANE,
    annotator,
    judge,
    label,
    make_task,
    validation_project,
)

pytestmark = pytest.mark.django_db

A, R = "accept", "reject"


@pytest.fixture
def checker(generation):
    return validation_project(generation, overlap=3, max_rounds=2)


def _generated(generation, spans=(JANE, HOST)):
    task = make_task(generation)
    label(annotator(), generation, list(spans))
    jobs.task_aggregate(task.pk)
    task.refresh_from_db()
    return task


def _validated(checker, ballots):
    for verdicts, all_found, missed in ballots:
        judge(annotator(), checker, verdicts, all_found=all_found, missed=missed)
    task = Task.objects.get(project=checker)
    assert task.status == Task.Status.COMPLETE
    jobs.validation_decide(task.pk)
    return task


def test_a_final_task_is_sent_to_the_validation_project(generation, checker):
    task = _generated(generation)
    review = Task.objects.get(project=checker)
    assert review.snippet_id == task.snippet_id and review.source_task == task
    assert [(s["start"], s["category"]) for s in review.review_spans] == [
        (17, "NAME"),
        (55, "IP_ADDRESS"),
    ]
    assert task.validation == Task.Validation.PENDING


def test_a_majority_of_validators_accepts_the_snippet(generation, checker):
    task = _generated(generation)
    _validated(checker, [([A, A], True, ()), ([A, R], True, ()), ([A, A], False, ())])
    task.refresh_from_db()
    assert task.validation == Task.Validation.ACCEPTED
    assert set(FinalSpan.objects.values_list("verdict", flat=True)) == {"accepted"}
    assert SpanVerdict.objects.count() == 6


def test_a_rejected_snippet_returns_to_generation_with_its_rejected_span_marked(
    generation, checker
):
    task = _generated(generation)
    review = _validated(checker, [([A, R], True, ()), ([A, R], True, ()), ([A, A], True, ())])
    task.refresh_from_db()
    assert (task.status, task.round, task.validation) == (Task.Status.OPEN, 2, "")
    assert task.target_overlap == 2  # one answer so far, one more for the new round
    marks = dict(FinalSpan.objects.filter(task=task, round=1).values_list("category", "verdict"))
    assert marks == {"NAME": "accepted", "IP_ADDRESS": "rejected"}
    review.refresh_from_db()
    assert review.status == Task.Status.FINAL

    # Round 2 counts only the new answer: the rejected IP is gone.
    label(annotator(), generation, [JANE])
    jobs.task_aggregate(task.pk)
    task.refresh_from_db()
    assert task.status == Task.Status.FINAL and task.validation == Task.Validation.PENDING
    assert list(
        FinalSpan.objects.filter(task=task, round=2).values_list("category", flat=True)
    ) == ["NAME"]
    review.refresh_from_db()
    assert (review.round, review.status, review.target_overlap) == (2, Task.Status.OPEN, 6)
    assert len(review.review_spans) == 1


def test_rejections_stop_at_max_rounds(generation, checker):
    task = _generated(generation)
    wrong = [([R, R], False, ())] * 3
    _validated(checker, wrong)
    label(annotator(), generation, [JANE, HOST])
    jobs.task_aggregate(task.pk)
    _validated(checker, wrong)
    task.refresh_from_db()
    assert (task.round, task.status, task.validation) == (2, Task.Status.FINAL, "rejected")
    assert labeling.assignment_next(annotator=annotator(), project=generation) is None
    assert FinalSpan.objects.filter(task=task, verdict="rejected").count() == 4


def test_missed_pii_rejects_the_snippet_even_when_every_span_is_right(generation, checker):
    task = _generated(generation)
    _validated(checker, [([A, A], False, [EMAIL]), ([A, A], False, [EMAIL]), ([A, A], True, ())])
    task.refresh_from_db()
    assert task.round == 2


def test_precision_and_recall_are_estimated_per_category(generation, checker):
    _generated(generation)
    _validated(checker, [([A, R], False, [EMAIL]), ([A, R], False, [EMAIL]), ([A, A], True, ())])
    metrics = {m.category: m for m in validation.validation_metrics(project=generation)}
    assert (metrics["NAME"].precision, metrics["NAME"].recall) == (1.0, 1.0)
    assert (metrics["IP_ADDRESS"].judged, metrics["IP_ADDRESS"].precision) == (1, 0.0)
    assert metrics["IP_ADDRESS"].recall is None  # nothing true found, nothing missed
    assert (metrics["EMAIL"].missed, metrics["EMAIL"].recall) == (1, 0.0)
    assert metrics["EMAIL"].precision is None
    assert metrics["PASSWORD"].judged == metrics["PASSWORD"].missed == 0


def test_one_validator_marking_a_miss_is_outvoted(generation, checker):
    _generated(generation)
    _validated(checker, [([A, A], False, [EMAIL]), ([A, A], True, ()), ([A, A], True, ())])
    metrics = {m.category: m for m in validation.validation_metrics(project=checker)}
    assert metrics["EMAIL"].missed == 0
    assert metrics["NAME"].recall == 1.0


def test_a_validator_must_judge_every_span(generation, checker):
    _generated(generation)
    assignment = labeling.assignment_next(annotator=annotator(), project=checker)
    with pytest.raises(DomainError, match="every span"):
        validation.validation_submit(assignment=assignment, all_found=True, verdicts={0: A})
    with pytest.raises(DomainError, match="already marked"):
        validation.validation_missed_add(assignment=assignment, span=SpanInput(20, 30, "NAME"))
    validation.validation_missed_add(assignment=assignment, span=SpanInput(*EMAIL))
    with pytest.raises(DomainError, match="everything was found"):
        validation.validation_submit(assignment=assignment, all_found=True, verdicts={0: A, 1: A})


def test_a_double_submit_records_one_answer(generation, checker):
    _generated(generation)
    assignment = judge(annotator(), checker, [A, A])
    again = validation.validation_submit(assignment=assignment, all_found=False, verdicts={})
    assert again.all_found is True
    assert Task.objects.get(project=checker).submitted_count == 1


def test_the_last_validation_answer_enqueues_the_decision(
    generation, checker, django_capture_on_commit_callbacks
):
    _generated(generation)
    with django_capture_on_commit_callbacks() as early:
        judge(annotator(), checker, [A, A])
        judge(annotator(), checker, [A, A])
    with django_capture_on_commit_callbacks() as last:
        judge(annotator(), checker, [A, A])
    assert early == []
    assert [c.args[0] for c in last] == [jobs.validation_decide]  # core.jobs.enqueue(job, id)


def test_ties_reject():
    ballots = [Ballot(True, {0: A}), Ballot(False, {0: R})]
    assert decide(ballots, 1) == decide(ballots, 1)
    assert not decide(ballots, 1).accepted
    assert decide(ballots, 1).span_accepted == (False,)
    assert decide([Ballot(True, {})], 0).accepted
    assert not decide([Ballot(True, {}), Ballot(False, {})], 0).accepted  # tie on "all found"
    assert not decide([], 0).accepted

"""Aggregation on real rows: final spans, re-runs, agreement, dynamic overlap."""

import pytest

from annotator.labeling import services as labeling
from annotator.projects.models import Agreement, FinalSpan, Project, Task
from annotator.quality import jobs
from annotator.quality.services import aggregation
from tests import factories
from tests.quality.flow import HOST, HOST_AS_PASSWORD, JANE, annotator, label, make_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(requester, dataset):
    return factories.ProjectFactory(
        owner=requester, dataset=dataset, overlap=3, confidence_threshold=0.6
    )


def _rows(task):
    return [
        (s.start, s.end, s.category, round(s.confidence, 4), s.support, s.method, s.round)
        for s in FinalSpan.objects.filter(task=task).order_by("round", "start")
    ]


def _three_answers(project, last=(JANE,)):
    task = make_task(project)
    label(annotator(), project, [JANE, HOST])
    label(annotator(), project, [JANE, HOST])
    label(annotator(), project, list(last))
    task.refresh_from_db()
    return task


def test_three_answers_are_aggregated_into_final_spans_with_confidences(project):
    task = _three_answers(project)
    assert task.status == Task.Status.COMPLETE
    jobs.task_aggregate(task.pk)
    task.refresh_from_db()
    assert _rows(task) == [
        (17, 25, "NAME", 1.0, 3, "majority", 1),
        (55, 64, "IP_ADDRESS", 0.6667, 2, "majority", 1),
    ]
    assert task.status == Task.Status.FINAL
    assert task.aggregated_at is not None and task.aggregation_method == "majority"


def test_the_last_submit_enqueues_aggregation_on_commit(
    project, django_capture_on_commit_callbacks
):
    task = make_task(project)
    with django_capture_on_commit_callbacks() as early:
        label(annotator(), project, [JANE])
        label(annotator(), project, [JANE])
    with django_capture_on_commit_callbacks() as last:
        label(annotator(), project, [JANE])
    assert early == []
    assert len(last) == 1
    assert last[0].args == (jobs.task_aggregate, task.pk)  # core.jobs.enqueue(job, id)


def test_rerunning_the_aggregation_gives_the_same_rows_and_counts_agreement_once(project):
    task = _three_answers(project)
    jobs.task_aggregate(task.pk)
    first = _rows(task)
    jobs.task_aggregate(task.pk)  # a redelivered job: the task is final, nothing changes
    # A job that died after writing spans but before its commit is seen: recompute.
    Task.objects.filter(pk=task.pk).update(status=Task.Status.COMPLETE)
    jobs.task_aggregate(task.pk)
    assert _rows(task) == first
    assert FinalSpan.objects.filter(task=task).count() == 2
    assert Agreement.objects.get(project=project).state["tasks"] == 1


def test_agreement_grows_by_one_task_per_finalised_task(project):
    one = _three_answers(project)
    jobs.task_aggregate(one.pk)
    state = aggregation.project_agreement(project)
    assert state.tasks == 1
    assert state.span_f1("NAME") == 1.0
    assert state.span_f1("IP_ADDRESS") == pytest.approx(2 * 1 / 4)  # 1 match in 2 of 3 pairs
    two = _three_answers(project, last=(JANE, HOST))
    jobs.task_aggregate(two.pk)
    state = aggregation.project_agreement(project)
    assert state.tasks == 2
    assert state.span_f1("IP_ADDRESS") == pytest.approx(2 * 4 / 10)
    assert Task.objects.filter(agreement_counted=True).count() == 2


def test_a_doubtful_task_gets_one_more_annotator(project):
    project.confidence_threshold, project.max_overlap = 0.7, 5
    project.save()
    task = _three_answers(project)
    jobs.task_aggregate(task.pk)
    task.refresh_from_db()
    assert (task.status, task.target_overlap) == (Task.Status.OPEN, 4)
    assert not task.agreement_counted
    label(annotator(), project, [JANE, HOST])
    assert labeling.assignment_next(annotator=annotator(), project=project) is None  # 4 of 4
    jobs.task_aggregate(task.pk)
    task.refresh_from_db()
    assert task.status == Task.Status.FINAL
    assert _rows(task)[1] == (55, 64, "IP_ADDRESS", 0.75, 3, "majority", 1)


def test_dynamic_overlap_stops_at_max_overlap(project):
    project.confidence_threshold, project.max_overlap = 0.7, 5
    project.save()
    task = make_task(project)
    for spans in ([JANE, HOST], [JANE], [JANE, HOST_AS_PASSWORD]):
        label(annotator(), project, spans)
    jobs.task_aggregate(task.pk)
    label(annotator(), project, [JANE, HOST_AS_PASSWORD])
    jobs.task_aggregate(task.pk)
    task.refresh_from_db()
    assert (task.status, task.target_overlap) == (Task.Status.OPEN, 5)
    label(annotator(), project, [JANE, HOST])
    jobs.task_aggregate(task.pk)
    task.refresh_from_db()
    # IP and PASSWORD tie at 2 of 5: still doubtful, but the ceiling is reached.
    assert task.status == Task.Status.FINAL
    assert task.submitted_count == 5
    assert _rows(task)[1] == (55, 64, "IP_ADDRESS", 0.4, 2, "majority", 1)
    assert labeling.assignment_next(annotator=annotator(), project=project) is None


def test_without_max_overlap_a_doubtful_task_is_final_at_the_overlap(project):
    project.confidence_threshold = 0.9
    project.save()
    task = _three_answers(project)
    jobs.task_aggregate(task.pk)
    task.refresh_from_db()
    assert task.status == Task.Status.FINAL


def test_weighted_vote_lets_a_skilled_annotator_outvote_two_novices(project):
    project.aggregation_method = "weighted"
    project.save()
    task = make_task(project)
    label(annotator(skill=90), project, [JANE, HOST])
    label(annotator(skill=10), project, [JANE])
    label(annotator(skill=10), project, [JANE])
    jobs.task_aggregate(task.pk)
    rows = _rows(task)
    assert [r[:3] for r in rows] == [(17, 25, "NAME"), (55, 64, "IP_ADDRESS")]
    assert rows[1][3] == pytest.approx(90 / 110, abs=1e-4)
    assert rows[1][5] == "weighted"


def test_control_tasks_and_quiz_projects_are_not_aggregated(project, requester, dataset):
    control = make_task(project, is_control=True, gold_spans=[])
    for _ in range(3):
        label(annotator(), project, [JANE])
    control.refresh_from_db()
    assert control.status == Task.Status.COMPLETE
    quiz = factories.ProjectFactory(owner=requester, dataset=dataset, kind=Project.Kind.QUIZ)
    exam = make_task(quiz)
    label(annotator(), quiz, [JANE])
    for task in (control, exam):
        jobs.task_aggregate(task.pk)
        task.refresh_from_db()
        assert task.status == Task.Status.COMPLETE
        assert task.aggregated_at is None
    assert not FinalSpan.objects.exists()


def test_dawid_skene_reaggregates_the_whole_project_in_one_vote(project):
    project.aggregation_method = "dawid_skene"
    project.save()
    tasks = [_three_answers(project) for _ in range(3)]
    for task in tasks:
        jobs.task_aggregate(task.pk)
    assert jobs.dawid_skene_refresh() == 1
    spans = FinalSpan.objects.filter(task__in=tasks)
    assert spans.count() == 6 and {s.method for s in spans} == {"dawid_skene"}
    assert {(s.start, s.category) for s in spans} == {(17, "NAME"), (55, "IP_ADDRESS")}
    compared = aggregation.project_aggregation_compare(project=project)
    assert set(compared) == {"majority", "weighted", "dawid_skene"}
    assert [s.confidence for s in compared["majority"][tasks[0].pk]] == pytest.approx([1, 2 / 3])
    assert FinalSpan.objects.filter(task__in=tasks).count() == 6  # comparing stores nothing


def test_a_missing_task_is_ignored_by_the_job():
    jobs.task_aggregate(987654)


def test_one_job_aggregates_the_project_tasks_waiting_for_theirs(project, requester, dataset):
    project.confidence_threshold, project.max_overlap = 0.7, 5
    project.save()
    settled = _three_answers(project, last=(JANE, HOST))  # every span 3 of 3
    doubtful = _three_answers(project)  # the IP at 2 of 3, under 0.7
    other_project = factories.ProjectFactory(owner=requester, dataset=dataset, overlap=1)
    elsewhere = make_task(other_project)
    label(annotator(), other_project, [JANE])

    jobs.task_aggregate(doubtful.pk)
    settled.refresh_from_db()
    doubtful.refresh_from_db()
    elsewhere.refresh_from_db()
    assert settled.status == Task.Status.FINAL and settled.agreement_counted
    assert _rows(settled) == [
        (17, 25, "NAME", 1.0, 3, "majority", 1),
        (55, 64, "IP_ADDRESS", 1.0, 3, "majority", 1),
    ]
    assert (doubtful.status, doubtful.target_overlap) == (Task.Status.OPEN, 4)
    assert not doubtful.agreement_counted
    assert elsewhere.status == Task.Status.COMPLETE and elsewhere.aggregated_at is None
    assert Agreement.objects.get(project=project).state["tasks"] == 1

    jobs.task_aggregate(settled.pk)  # its own job, later: nothing left to do
    assert Agreement.objects.get(project=project).state["tasks"] == 1
    assert FinalSpan.objects.filter(task=settled).count() == 2


def test_a_batch_is_capped_and_starts_with_the_job_own_task(project, monkeypatch):
    monkeypatch.setattr(aggregation, "AGGREGATE_BATCH", 2)
    tasks = [_three_answers(project) for _ in range(3)]
    jobs.task_aggregate(tasks[2].pk)
    statuses = [Task.objects.get(pk=t.pk).status for t in tasks]
    assert statuses == [Task.Status.FINAL, Task.Status.COMPLETE, Task.Status.FINAL]


def test_each_task_of_a_batch_gets_the_spans_it_gets_alone(project, requester, dataset):
    answers = [[JANE, HOST], [JANE], [HOST_AS_PASSWORD], [JANE, HOST_AS_PASSWORD]]
    alone = factories.ProjectFactory(owner=requester, dataset=dataset, overlap=3)
    expected, got = [], []
    for target, batched in ((alone, False), (project, True)):
        tasks = [make_task(target) for _ in range(3)]
        for n in range(9):  # each task's three answers differ
            label(annotator(), target, answers[n % 4])
            if not batched and n % 3 == 2:
                jobs.task_aggregate(Task.objects.filter(project=target, status="complete")[0].pk)
        if batched:
            jobs.task_aggregate(tasks[0].pk)
        rows = [_rows(task) for task in tasks]
        (got if batched else expected).append([[r[:5] for r in task] for task in rows])
    assert got == expected
    assert any(len(task) > 0 for task in got[0])

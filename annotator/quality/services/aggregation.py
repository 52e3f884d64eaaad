"""Writes of the aggregation step: final spans, dynamic overlap, agreement.

A generation task that reached its overlap is aggregated by `task_aggregate` (run by
`quality.jobs.task_aggregate`), together with the project's other tasks waiting for
theirs, in one batch. The pure vote lives in `quality.aggregation`; this module loads the
rounds' answers, stores the result and decides what happens next:

* the final spans of the task's current round are replaced in one transaction, so a
  job that runs twice leaves the same rows;
* dynamic overlap: while some final span is less confident than the project's
  threshold and the round has fewer answers than `max_overlap`, the task reopens for
  one more annotator (`Task.target_overlap`);
* otherwise the task is FINAL: its answers are added once to the project's agreement
  state (incrementally; `Task.agreement_counted` guards re-runs), and, if a validation
  project checks this project, a validation task is created for the snippet.

Control tasks (they have gold) and quiz projects are never aggregated.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import reduce
from operator import or_

from django.db import transaction
from django.db.models import Case, Q, When
from django.utils import timezone

from annotator.labeling.models import Assignment, Span
from annotator.projects.models import AggregationMethod, Agreement, FinalSpan, Project, Task
from annotator.quality import aggregation
from annotator.quality.agreement import AgreementState
from annotator.quality.models import Skill
from annotator.quality.spans import LabeledSpan


def tasks_answers(tasks: Sequence[Task]) -> dict[int, list[aggregation.Answer]]:
    """Each task's current-round answers as `aggregation.Answer`s (empty = "no PII"), by
    task id, in two queries; the tasks' snippets must be loaded."""
    by_id = {task.pk: task for task in tasks}
    rows = (
        Assignment.objects.filter(task__in=by_id, status=Assignment.Status.SUBMITTED)
        .order_by("pk")
        .values_list("pk", "task_id", "annotator_id", "submitted_at")
    )
    current = [  # of each task's current round: answers since it started
        (pk, task_id, annotator_id)
        for pk, task_id, annotator_id, submitted_at in rows
        if by_id[task_id].round_started_at is None
        or submitted_at >= by_id[task_id].round_started_at
    ]
    spans: dict[int, list[LabeledSpan]] = {pk: [] for pk, _, _ in current}
    rows = Span.objects.filter(annotation__assignment_id__in=spans).values_list(
        "annotation__assignment_id", "start", "end", "category", "context"
    )
    for assignment_id, start, end, category, context in rows:
        spans[assignment_id].append(LabeledSpan(start, end, category, context))
    answers: dict[int, list[aggregation.Answer]] = {pk: [] for pk in by_id}
    for pk, task_id, annotator_id in current:
        text = by_id[task_id].snippet.text
        answers[task_id].append(aggregation.Answer(task_id, annotator_id, text, tuple(spans[pk])))
    return answers


def project_skills(project: Project, annotator_ids: Iterable[int]) -> dict[int, float]:
    """Each annotator's mean skill over the project's categories (missing skills count 0)."""
    ids = set(annotator_ids)
    totals = dict.fromkeys(ids, 0.0)
    rows = Skill.objects.filter(annotator_id__in=ids, category__in=project.categories)
    for annotator_id, value in rows.values_list("annotator_id", "value"):
        totals[annotator_id] += value
    return {a: total / max(1, len(project.categories)) for a, total in totals.items()}


def _vote(
    project: Project, answers: Sequence[aggregation.Answer], method: str
) -> dict[int, list[aggregation.FinalSpan]]:
    skills = None
    if method == AggregationMethod.WEIGHTED:
        skills = project_skills(project, {a.annotator_id for a in answers})
    return aggregation.aggregate(answers, method, skills)


def _store(tasks: Sequence[Task], final: dict[int, list], method: str) -> None:
    """Replace the final spans of each task's current round with `final[task.pk]`."""
    now = timezone.now()
    for chunk in _chunks(tasks, 500):
        by_round: dict[int, list[int]] = {}
        for task in chunk:
            by_round.setdefault(task.round, []).append(task.pk)
        rounds = [Q(task__in=ids, round=r) for r, ids in by_round.items()]
        FinalSpan.objects.filter(reduce(or_, rounds)).delete()
        FinalSpan.objects.bulk_create(
            FinalSpan(
                task=task,
                start=s.start,
                end=s.end,
                category=s.category,
                context=s.context,
                confidence=min(1.0, max(0.0, s.confidence)),
                support=s.support,
                method=method,
                round=task.round,
            )
            for task in chunk
            for s in final.get(task.pk, [])
        )
        for task in chunk:
            task.aggregated_at, task.aggregation_method, task.updated_at = now, method, now
        Task.objects.bulk_update(chunk, ["aggregated_at", "aggregation_method", "updated_at"])


def _chunks(items: Sequence, size: int) -> Iterable[Sequence]:
    return (items[i : i + size] for i in range(0, len(items), size))


# Completed tasks one job aggregates together: its own and others of the project still
# waiting for theirs, whose jobs then find them done. Per task the result is the same as
# alone: majority and weighted votes are per item, and Dawid-Skene votes task by task
# here as before (its project-wide vote is project_reaggregate's).
AGGREGATE_BATCH = 50


@transaction.atomic
def task_aggregate(*, task: Task) -> Task:
    """Aggregate a COMPLETE task's current round; a no-op for any other task.

    Other COMPLETE tasks of the project that no other job holds are aggregated with it,
    up to AGGREGATE_BATCH in all. Safe to run twice: the round's final spans are
    recomputed and replaced, the agreement is counted once per task, and the validation
    task is created once per round. Returns the task as it now is.
    """
    batch = _waiting_batch(task)
    if not batch or batch[0].pk != task.pk:  # not waiting, or another job holds it
        return task
    project = batch[0].project
    method = project.aggregation_method
    answers = tasks_answers(batch)
    if method == AggregationMethod.DAWID_SKENE:
        final = {}
        for one in batch:
            final |= _vote(project, answers[one.pk], method)
    else:
        final = _vote(project, [a for one in batch for a in answers[one.pk]], method)
    _store(batch, final, method)
    settled = []
    for one in batch:
        doubtful = aggregation.needs_more_annotators(
            final.get(one.pk, []), project.confidence_threshold
        )
        if doubtful and len(answers[one.pk]) < project.overlap_ceiling:
            one.status, one.target_overlap = Task.Status.OPEN, one.submitted_count + 1
        else:
            one.status = Task.Status.FINAL
            settled.append(one)
    _count_agreement(project, settled, answers)
    Task.objects.bulk_update(batch, ["status", "target_overlap", "agreement_counted"])
    _send_to_validation(project, settled)
    return batch[0]


def _waiting_batch(task: Task) -> list[Task]:
    """`task` first if it is waiting for aggregation, then others of its project, locked.

    Waiting: COMPLETE, not a control task, in a generation project. Rows another job has
    locked are skipped (SKIP LOCKED): that job is aggregating them.
    """
    waiting = Task.objects.filter(
        project_id=task.project_id,
        project__kind=Project.Kind.GENERATION,
        status=Task.Status.COMPLETE,
        is_control=False,
    )
    return list(
        waiting.select_for_update(of=("self",), skip_locked=True)
        .select_related("project", "snippet")
        .order_by(Case(When(pk=task.pk, then=0), default=1), "pk")[:AGGREGATE_BATCH]
    )


def _count_agreement(
    project: Project, settled: Sequence[Task], answers: dict[int, list[aggregation.Answer]]
) -> None:
    """Add the answers of the settled tasks not yet counted to the project's agreement."""
    fresh = [task for task in settled if not task.agreement_counted]
    if not fresh:
        return
    row, _ = Agreement.objects.select_for_update().get_or_create(project_id=project.pk)
    state = AgreementState.from_dict(row.state) if row.state else AgreementState()
    for task in fresh:
        state.add_task(answers[task.pk])
        task.agreement_counted = True
    row.state = state.to_dict()
    row.save(update_fields=["state", "updated_at"])


def _send_to_validation(project: Project, settled: Sequence[Task]) -> None:
    from annotator.quality.services.validation import validation_task_create

    if not settled:
        return
    checker = project.validation_projects.filter(kind=Project.Kind.VALIDATION).first()
    if checker is not None:
        for task in settled:
            validation_task_create(generation_task=task, validation_project=checker)


def project_agreement(project: Project) -> AgreementState:
    row = Agreement.objects.filter(project=project).first()
    return AgreementState.from_dict(row.state) if row and row.state else AgreementState()


def _aggregated_tasks(project: Project):
    return (
        Task.objects.filter(
            project=project,
            is_control=False,
            status__in=[Task.Status.COMPLETE, Task.Status.FINAL],
        )
        .filter(~Q(validation=Task.Validation.ACCEPTED), ~Q(validation=Task.Validation.REJECTED))
        .select_related("snippet")
        .order_by("pk")
    )


@transaction.atomic
def project_reaggregate(*, project: Project, method: str | None = None) -> int:
    """Recompute the final spans of every aggregated task of a project in one vote.

    Dawid-Skene learns each annotator's confusion matrix from the whole project, so a
    single task's vote is weak; this one crowd-kit call over all complete tasks fixes
    that. Only spans and confidences change: tasks are not reopened, and tasks whose
    validation is decided keep the spans the validators judged. Returns the task count.
    """
    # One recompute per project at a time; NO KEY: submits' foreign-key checks on the
    # project row (KEY SHARE) go on meanwhile, even through a long Dawid-Skene run.
    project = Project.objects.select_for_update(no_key=True).get(pk=project.pk)
    if project.kind != Project.Kind.GENERATION:
        return 0
    method = method or project.aggregation_method
    tasks = list(_aggregated_tasks(project).select_for_update(of=("self",)))
    answers = tasks_answers(tasks)
    final = _vote(project, [a for task in tasks for a in answers[task.pk]], method)
    _store(tasks, final, method)
    return len(tasks)


def projects_reaggregate_dawid_skene() -> int:
    """The periodic recomputation: every active Dawid-Skene generation project."""
    projects = Project.objects.filter(
        kind=Project.Kind.GENERATION,
        status=Project.Status.ACTIVE,
        aggregation_method=AggregationMethod.DAWID_SKENE,
    )
    count = 0
    for project in projects:
        project_reaggregate(project=project)
        count += 1
    return count


def project_aggregation_compare(
    *, project: Project
) -> dict[str, dict[int, list[aggregation.FinalSpan]]]:
    """Final spans by every method for the project's aggregated tasks, nothing stored.

    For comparing the stored method with the others (the same answers, three votes).
    """
    tasks = list(_aggregated_tasks(project))
    answers = [a for each in tasks_answers(tasks).values() for a in each]
    return {method: _vote(project, answers, method) for method in aggregation.METHODS}

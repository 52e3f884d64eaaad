"""Writes of the aggregation step: final spans, dynamic overlap, agreement.

A generation task that reached its overlap is aggregated by `task_aggregate` (run by
`quality.jobs.task_aggregate`). The pure vote lives in `quality.aggregation`; this
module loads the round's answers, stores the result and decides what happens next:

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

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from annotator.labeling.models import Assignment, Span
from annotator.projects.models import AggregationMethod, Agreement, FinalSpan, Project, Task
from annotator.quality import aggregation
from annotator.quality.agreement import AgreementState
from annotator.quality.models import Skill
from annotator.quality.spans import LabeledSpan


def _round_assignments(task: Task):
    """Submitted assignments of the task's current round."""
    submitted = Assignment.objects.filter(task=task, status=Assignment.Status.SUBMITTED)
    if task.round_started_at is not None:
        submitted = submitted.filter(submitted_at__gte=task.round_started_at)
    return submitted.order_by("pk")


def task_answers(task: Task) -> list[aggregation.Answer]:
    """The current round's answers of a task as `aggregation.Answer`s (empty = "no PII")."""
    assignments = list(_round_assignments(task).values_list("pk", "annotator_id"))
    spans: dict[int, list[LabeledSpan]] = {pk: [] for pk, _ in assignments}
    rows = Span.objects.filter(annotation__assignment_id__in=spans).values_list(
        "annotation__assignment_id", "start", "end", "category", "context"
    )
    for assignment_id, start, end, category, context in rows:
        spans[assignment_id].append(LabeledSpan(start, end, category, context))
    text = task.snippet.text
    return [
        aggregation.Answer(task.pk, annotator_id, text, tuple(spans[pk]))
        for pk, annotator_id in assignments
    ]


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


def _store(task: Task, spans: Sequence[aggregation.FinalSpan], method: str) -> None:
    FinalSpan.objects.filter(task=task, round=task.round).delete()
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
        for s in spans
    )
    task.aggregated_at, task.aggregation_method = timezone.now(), method
    task.save(update_fields=["aggregated_at", "aggregation_method", "updated_at"])


def is_aggregated(task: Task) -> bool:
    """Only generation tasks get final spans: control tasks have gold, quizzes are exams."""
    return task.project.kind == Project.Kind.GENERATION and not task.is_control


@transaction.atomic
def task_aggregate(*, task: Task) -> Task:
    """Aggregate a COMPLETE task's current round; a no-op for any other task.

    Safe to run twice: the round's final spans are recomputed and replaced, the
    agreement is counted once, and the validation task is created once per round.
    """
    # Only the task's row: FOR UPDATE of the joined project would block every submit's
    # foreign-key check on it (KEY SHARE) until this job commits.
    tasks = Task.objects.select_for_update(of=("self",)).select_related("project", "snippet")
    task = tasks.get(pk=task.pk)
    if task.status != Task.Status.COMPLETE or not is_aggregated(task):
        return task
    project = task.project
    answers = task_answers(task)
    spans = _vote(project, answers, project.aggregation_method).get(task.pk, [])
    _store(task, spans, project.aggregation_method)
    wants_more = aggregation.needs_more_annotators(spans, project.confidence_threshold)
    if wants_more and len(answers) < project.overlap_ceiling:
        return _reopen(task, extra=1)
    task.status = Task.Status.FINAL
    task.save(update_fields=["status", "updated_at"])
    _count_agreement(task, answers)
    _send_to_validation(task)
    return task


def _reopen(task: Task, *, extra: int) -> Task:
    task.status = Task.Status.OPEN
    task.target_overlap = task.submitted_count + extra
    task.save(update_fields=["status", "target_overlap", "updated_at"])
    return task


def _count_agreement(task: Task, answers: Sequence[aggregation.Answer]) -> None:
    if task.agreement_counted:
        return
    row, _ = Agreement.objects.select_for_update().get_or_create(project_id=task.project_id)
    state = AgreementState.from_dict(row.state) if row.state else AgreementState()
    state.add_task(answers)
    row.state = state.to_dict()
    row.save(update_fields=["state", "updated_at"])
    task.agreement_counted = True
    task.save(update_fields=["agreement_counted", "updated_at"])


def _send_to_validation(task: Task) -> None:
    from annotator.quality.services.validation import validation_task_create

    checker = task.project.validation_projects.filter(kind=Project.Kind.VALIDATION).first()
    if checker is not None:
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
    answers = [answer for task in tasks for answer in task_answers(task)]
    final = _vote(project, answers, method)
    for task in tasks:
        _store(task, final.get(task.pk, []), method)
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
    answers = [answer for task in tasks for answer in task_answers(task)]
    return {method: _vote(project, answers, method) for method in aggregation.METHODS}

"""The validation chain: final spans of a generation project are checked by validators.

When a generation task is finalised (see `aggregation.task_aggregate`), its project's
validation project (the one whose `source_project` it is) gets a task for the same
snippet showing those final spans (`Task.review_spans`, a snapshot). Validators answer
"was every piece of PII found?" (`Annotation.all_found`, with the PII they saw missed
as ordinary spans) and "is each span correct?" (one `SpanVerdict` per review span).

When the validation task reaches its own overlap, `validation_decide` takes a strict
majority of the round's answers: a span is accepted when more than half accept it, and
the snippet is accepted when every span is accepted and more than half said all was
found (ties reject: a wrong label in the training data costs more than another look).
Accepted snippets' final spans become final labels (`FinalSpan.verdict`); a rejected
snippet goes back to generation for a new round, its rejected spans marked, until the
validation project's `max_rounds`, after which the rejection is final.

Estimated precision and recall per category (`validation_metrics`), over the latest
decided round of every snippet:

* precision_c = spans of c the validators accepted / spans of c they judged;
* recall_c = accepted spans of c / (accepted spans of c + missed spans of c), where
  a missed span is PII that validators marked as missed, merged across validators by
  the same majority vote as generation answers (a validator who said "all found"
  votes "nothing here"), so one missed value counts once however many saw it.

Precision is an estimate of the crowd's labels as validators see them; recall can only
count misses that validators noticed, so it is an upper bound.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

from django.db import transaction
from django.utils import timezone

from annotator.core.exceptions import DomainError
from annotator.core.jobs import enqueue_on_commit
from annotator.labeling import services as labeling_services
from annotator.labeling.models import Annotation, Assignment, Span, SpanVerdict
from annotator.projects.models import FinalSpan, Project, Task
from annotator.projects.services import SpanInput, spans_validate
from annotator.quality import aggregation
from annotator.quality.jobs import validation_decide as validation_decide_job
from annotator.quality.spans import LabeledSpan

ACCEPT, REJECT = SpanVerdict.Verdict.ACCEPT, SpanVerdict.Verdict.REJECT


@dataclass(frozen=True)
class Ballot:
    """One validator's answer: all found?, and accept/reject per review span index."""

    all_found: bool
    verdicts: Mapping[int, str]


@dataclass(frozen=True)
class Decision:
    accepted: bool
    span_accepted: tuple[bool, ...]  # per review span
    all_found: bool


def decide(ballots: Sequence[Ballot], n_spans: int) -> Decision:
    """Strict majority per question; ties and missing answers count as rejections."""
    half = len(ballots) / 2
    found = sum(b.all_found for b in ballots) > half
    spans = tuple(sum(b.verdicts.get(i) == ACCEPT for b in ballots) > half for i in range(n_spans))
    accepted = bool(ballots) and found and all(spans)
    return Decision(accepted=accepted, span_accepted=spans, all_found=found)


def _review_spans(task: Task) -> list[dict]:
    rows = FinalSpan.objects.filter(task=task, round=task.round).order_by("start")
    return [
        {"start": s.start, "end": s.end, "category": s.category, "context": s.context} for s in rows
    ]


@transaction.atomic
def validation_task_create(*, generation_task: Task, validation_project: Project) -> Task:
    """The validation task of a finalised generation task's current round (idempotent)."""
    if validation_project.kind != Project.Kind.VALIDATION:
        raise DomainError("Final spans are checked in a validation project.")
    spans = _review_spans(generation_task)
    task, created = Task.objects.select_for_update().get_or_create(
        project=validation_project,
        snippet_id=generation_task.snippet_id,
        defaults={
            "source_task": generation_task,
            "review_spans": spans,
            "round": generation_task.round,
        },
    )
    if not created and task.round != generation_task.round:
        # The snippet is back from a new generation round: fresh validators judge it.
        task.round, task.round_started_at = generation_task.round, timezone.now()
        task.review_spans, task.status = spans, Task.Status.OPEN
        task.target_overlap = task.submitted_count + validation_project.overlap
        task.save()
    generation_task.validation = Task.Validation.PENDING
    generation_task.save(update_fields=["validation", "updated_at"])
    return task


def _check_missed(task: Task, span: SpanInput) -> None:
    for shown in task.review_spans:
        if span.start < shown["end"] and shown["start"] < span.end:
            raise DomainError("That text is already marked; judge the span instead.")


def validation_missed_add(*, assignment: Assignment, span: SpanInput) -> Assignment:
    """Mark PII the generation step missed: a draft span that avoids the shown spans."""
    _check_missed(assignment.task, span)
    return labeling_services.assignment_span_add(assignment=assignment, span=span)


def _check_answer(task: Task, all_found: bool, verdicts: Mapping[int, str], missed) -> None:
    if set(verdicts) != set(range(len(task.review_spans))):
        raise DomainError("Accept or reject every span before submitting.")
    if any(v not in (ACCEPT, REJECT) for v in verdicts.values()):
        raise DomainError("A span is either accepted or rejected.")
    if all_found and missed:
        raise DomainError("You marked missed PII but also said everything was found.")


@transaction.atomic
def validation_submit(
    *, assignment: Assignment, all_found: bool, verdicts: Mapping[int, str], time_spent_ms: int = 0
) -> Annotation:
    """Record a validator's answer; missed PII is the assignment's draft spans.

    Idempotent like `assignment_submit`: a second submit returns the first answer.
    The last answer of the round enqueues `validation_decide` on commit.
    """
    locked = Assignment.objects.select_for_update(of=("self",))  # not the shared project row
    locked = locked.select_related("task__project", "task__snippet").get(pk=assignment.pk)
    if locked.status == Assignment.Status.SUBMITTED:
        return locked.annotation
    task = locked.task
    if task.project.kind != Project.Kind.VALIDATION:
        raise DomainError("This task is not a validation task.")
    if locked.status != Assignment.Status.IN_PROGRESS:
        raise DomainError("This task is closed; take the next one.")
    if locked.lease_expires_at <= timezone.now():
        raise DomainError(labeling_services.LEASE_EXPIRED)
    missed = spans_validate(
        spans=[SpanInput(**raw) for raw in locked.draft_spans],
        text=task.snippet.text,
        categories=task.project.categories,
    )
    _check_answer(task, all_found, verdicts, missed)
    annotation = Annotation.objects.create(
        assignment=locked, all_found=all_found, no_pii=False, time_spent_ms=max(0, time_spent_ms)
    )
    SpanVerdict.objects.bulk_create(
        SpanVerdict(annotation=annotation, index=i, verdict=v) for i, v in sorted(verdicts.items())
    )
    Span.objects.bulk_create(Span(annotation=annotation, **asdict(s)) for s in missed)
    locked.status, locked.submitted_at = Assignment.Status.SUBMITTED, timezone.now()
    locked.save(update_fields=["status", "submitted_at", "updated_at"])
    if labeling_services.submission_pay_and_count(assignment=locked):
        enqueue_on_commit(validation_decide_job, task.pk)
    return annotation


def _round_annotations(task: Task):
    annotations = Annotation.objects.filter(
        assignment__task=task, assignment__status=Assignment.Status.SUBMITTED
    )
    if task.round_started_at is not None:
        annotations = annotations.filter(assignment__submitted_at__gte=task.round_started_at)
    return annotations.prefetch_related("verdicts", "spans").order_by("pk")


def _ballots(task: Task) -> list[Ballot]:
    return [
        Ballot(bool(a.all_found), {v.index: v.verdict for v in a.verdicts.all()})
        for a in _round_annotations(task)
    ]


@transaction.atomic
def validation_decide(*, task: Task) -> Task:
    """Decide a COMPLETE validation task; a no-op for any other (safe to run twice)."""
    task = _task_locked(task.pk)
    if task.status != Task.Status.COMPLETE or task.project.kind != Project.Kind.VALIDATION:
        return task
    decision = decide(_ballots(task), len(task.review_spans))
    task.status = Task.Status.FINAL
    task.save(update_fields=["status", "updated_at"])
    source = task.source_task
    if source is None:
        return task
    source = _task_locked(source.pk)
    _mark_spans(source, task.round, task.review_spans, decision)
    _settle(source, accepted=decision.accepted, max_rounds=task.project.max_rounds)
    return task


def _task_locked(pk: int) -> Task:
    """The task with its project, locking only the task's row (not the shared project's)."""
    return Task.objects.select_for_update(of=("self",)).select_related("project").get(pk=pk)


def _mark_spans(source: Task, round_: int, shown: list[dict], decision: Decision) -> None:
    verdict = {
        (s["start"], s["end"], s["category"]): ok
        for s, ok in zip(shown, decision.span_accepted, strict=True)
    }
    for span in FinalSpan.objects.filter(task=source, round=round_):
        ok = verdict.get((span.start, span.end, span.category))
        if ok is not None:
            span.verdict = FinalSpan.Verdict.ACCEPTED if ok else FinalSpan.Verdict.REJECTED
            span.save(update_fields=["verdict", "updated_at"])


def _settle(source: Task, *, accepted: bool, max_rounds: int) -> None:
    if accepted:
        source.validation = Task.Validation.ACCEPTED
    elif source.round >= max_rounds:
        source.validation = Task.Validation.REJECTED
    else:
        # Back to generation: a fresh set of annotators labels the snippet again.
        source.round += 1
        source.round_started_at = timezone.now()
        source.status = Task.Status.OPEN
        source.target_overlap = source.submitted_count + source.project.overlap
        source.validation = Task.Validation.NONE
    source.save()


# --- estimates --------------------------------------------------------------------


@dataclass(frozen=True)
class CategoryMetrics:
    category: str
    judged: int
    accepted: int
    missed: int

    @property
    def precision(self) -> float | None:
        return self.accepted / self.judged if self.judged else None

    @property
    def recall(self) -> float | None:
        found = self.accepted + self.missed
        return self.accepted / found if found else None


def validation_metrics(*, project: Project) -> list[CategoryMetrics]:
    """Estimated precision and recall per category (see the module docstring).

    `project` is a validation project or the generation project it checks.
    """
    checker = project
    if project.kind != Project.Kind.VALIDATION:
        checker = project.validation_projects.filter(kind=Project.Kind.VALIDATION).first()
        if checker is None:
            return []
    tasks = list(
        Task.objects.filter(project=checker, status=Task.Status.FINAL, source_task__isnull=False)
        .select_related("snippet")
        .order_by("pk")
    )
    judged, accepted = Counter(), Counter()
    for task in tasks:
        decision = decide(_ballots(task), len(task.review_spans))
        for shown, ok in zip(task.review_spans, decision.span_accepted, strict=True):
            judged[shown["category"]] += 1
            accepted[shown["category"]] += ok
    missed = _missed_by_majority(tasks)
    return [CategoryMetrics(c, judged[c], accepted[c], missed[c]) for c in checker.categories]


def _missed_by_majority(tasks: Sequence[Task]) -> Counter:
    answers = [
        aggregation.Answer(
            task.pk,
            annotation.assignment.annotator_id,
            task.snippet.text,
            tuple(
                LabeledSpan(s.start, s.end, s.category, s.context) for s in annotation.spans.all()
            ),
        )
        for task in tasks
        for annotation in _round_annotations(task).select_related("assignment")
    ]
    final = aggregation.aggregate(answers, "majority") if answers else {}
    return Counter(span.category for spans in final.values() for span in spans)

"""Training quizzes and exams: one quiz project (kind QUIZ) per category.

How a quiz is cut (no model of its own: answers are Assignments + Annotations):

* The quiz project's tasks, in id order, are its questions. The first half
  (`len // 2`) is **training**: after each answer the annotator sees the gold spans,
  what they missed and got wrong, and the question's explanation. The rest is the
  **exam**: no feedback per question, and gold is never shown for exam questions.
* The exam score is the mean control F1 (exact spans, `quality.spans.control_f1`)
  over the exam answers, times 100, rounded. An answer with nothing to score (every
  gold span hedged with AMBIGUOUS) counts as 0: an exam is not passed by hedging.
  Passing (`score >= project.pass_score`) sets the category's skill to the score.
* A failed exam can be retaken after `RETAKE_COOLDOWN`. Assignment is unique per
  (task, annotator), so a retake deletes the previous exam *answers* (their
  Annotations, logged with the old score) and re-opens the same assignments.
  Training answers are kept: training is done once.
* Categories unlock in `TRAINING_ORDER`: one is open once the one before it is passed
  (by exam, or by a skill a requester set) or opted out of. Opting out and back in is
  allowed at any time and never changes the skill value.
"""

import logging
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from annotator.core import taxonomy
from annotator.core.exceptions import DomainError
from annotator.labeling.models import Annotation, Assignment, Span
from annotator.projects.models import Project, Task
from annotator.projects.services import SpanInput, spans_validate
from annotator.quality.models import Skill
from annotator.quality.services.skills import skill_set
from annotator.quality.spans import LabeledSpan, control_f1, spans_match

logger = logging.getLogger(__name__)

RETAKE_COOLDOWN = timedelta(minutes=10)


class Phase:
    TRAINING = "training"
    EXAM = "exam"
    PASSED = "passed"
    FAILED = "failed"


@dataclass(frozen=True)
class QuizProgress:
    project: Project
    training_total: int
    training_done: int
    exam_total: int
    exam_done: int
    phase: str
    score: int | None = None  # of the last complete exam
    retake_at: datetime | None = None

    @property
    def question_number(self) -> int:
        """1-based number of the question being answered now, across the whole quiz."""
        return self.training_done + self.exam_done + 1

    @property
    def total(self) -> int:
        return self.training_total + self.exam_total


@dataclass(frozen=True)
class CategoryStatus:
    code: str
    label: str
    state: str  # locked | available | training | exam | failed | passed | opted_out | no_quiz
    quiz: Project | None
    score: int | None = None
    skill: int | None = None
    opted_out: bool = False
    retake_at: datetime | None = None


# --- reads --------------------------------------------------------------------------


def quiz_projects() -> dict[str, Project]:
    """The active quiz project of each category (the oldest when there are several)."""
    found: dict[str, Project] = {}
    for project in Project.objects.filter(
        kind=Project.Kind.QUIZ, status=Project.Status.ACTIVE
    ).order_by("pk"):
        if len(project.categories) == 1:
            found.setdefault(project.categories[0], project)
    return found


def quiz_split(tasks: list[Task]) -> tuple[list[Task], list[Task]]:
    """(training, exam) questions: the first half trains, the rest is the exam."""
    ordered = sorted(tasks, key=lambda t: t.pk)
    cut = len(ordered) // 2
    return ordered[:cut], ordered[cut:]


def _answers(annotator, project: Project) -> dict[int, Assignment]:
    spans = Prefetch("annotation__spans", queryset=Span.objects.order_by("start"))
    rows = (
        Assignment.objects.filter(annotator=annotator, task__project=project)
        .select_related("annotation")
        .prefetch_related(spans)
    )
    return {a.task_id: a for a in rows}


def answer_spans(assignment: Assignment) -> list[LabeledSpan]:
    return [
        LabeledSpan(s.start, s.end, s.category, s.context)
        for s in assignment.annotation.spans.all()
    ]


def gold_spans(task: Task) -> list[LabeledSpan]:
    return [
        LabeledSpan(g["start"], g["end"], g["category"], g.get("context") or "real")
        for g in task.gold_spans or []
    ]


def exam_score(pairs: list[tuple[list[LabeledSpan], list[LabeledSpan]]]) -> int:
    """Mean exact-span F1 x 100 over (answer, gold) pairs; unscorable answers count 0."""
    if not pairs:
        return 0
    scores = [control_f1(answer, gold) or 0.0 for answer, gold in pairs]
    return round(100 * sum(scores) / len(scores))


def _submitted(assignment: Assignment | None) -> bool:
    return assignment is not None and assignment.status == Assignment.Status.SUBMITTED


def quiz_progress(*, annotator, project: Project) -> QuizProgress:
    tasks = list(Task.objects.filter(project=project, is_control=True))
    training, exam = quiz_split(tasks)
    answers = _answers(annotator, project)
    training_done = sum(_submitted(answers.get(t.pk)) for t in training)
    exam_answers = [answers[t.pk] for t in exam if _submitted(answers.get(t.pk))]
    common = {
        "project": project,
        "training_total": len(training),
        "training_done": training_done,
        "exam_total": len(exam),
        "exam_done": len(exam_answers),
    }
    if training_done < len(training):
        return QuizProgress(**common, phase=Phase.TRAINING)
    if len(exam_answers) < len(exam) or not exam:
        return QuizProgress(**common, phase=Phase.EXAM)
    score = exam_score([(answer_spans(a), gold_spans(a.task)) for a in exam_answers])
    if score >= project.pass_score:
        return QuizProgress(**common, phase=Phase.PASSED, score=score)
    last = max(a.submitted_at or a.updated_at for a in exam_answers)
    return QuizProgress(**common, phase=Phase.FAILED, score=score, retake_at=last + RETAKE_COOLDOWN)


def category_statuses(*, annotator) -> list[CategoryStatus]:
    """Every category in training order with where the annotator stands on it."""
    quizzes = quiz_projects()
    skills = {s.category: s for s in Skill.objects.filter(annotator=annotator)}
    statuses: list[CategoryStatus] = []
    unlocked = True
    for code in taxonomy.TRAINING_ORDER:
        status = _category_status(annotator, code, quizzes.get(code), skills.get(code), unlocked)
        statuses.append(status)
        unlocked = status.state in {"passed", "opted_out"}
    return statuses


def _category_status(annotator, code, quiz, skill, unlocked) -> CategoryStatus:
    base = {
        "code": code,
        "label": taxonomy.Category(code).label,
        "quiz": quiz,
        "skill": skill.value if skill else None,
        "opted_out": bool(skill and skill.opted_out),
    }
    if skill and skill.opted_out:
        return CategoryStatus(**base, state="opted_out")
    progress = quiz_progress(annotator=annotator, project=quiz) if quiz else None
    if progress and progress.phase == Phase.PASSED:
        return CategoryStatus(**base, state="passed", score=progress.score)
    if skill and skill.value > 0:
        return CategoryStatus(**base, state="passed", score=skill.value)
    if not unlocked:
        return CategoryStatus(**base, state="locked")
    if progress is None:
        return CategoryStatus(**base, state="no_quiz")
    if progress.phase == Phase.FAILED:
        return CategoryStatus(
            **base, state="failed", score=progress.score, retake_at=progress.retake_at
        )
    started = progress.training_done or progress.exam_done
    state = progress.phase if started else "available"
    return CategoryStatus(**base, state=state)


def quiz_is_open(*, annotator, project: Project) -> bool:
    """Whether the annotator may take this quiz now (its category is unlocked)."""
    for status in category_statuses(annotator=annotator):
        if status.quiz is not None and status.quiz.pk == project.pk:
            return status.state not in {"locked", "opted_out"}
    return False


# --- writes -------------------------------------------------------------------------


@transaction.atomic
def quiz_next(*, annotator, project: Project) -> Assignment | None:
    """The question to answer now, or None when training and exam are both answered.

    Quiz questions ignore the project's overlap: every annotator answers every one.
    An unfinished question whose lease ran out is simply leased again.
    """
    tasks = list(Task.objects.filter(project=project, is_control=True).order_by("pk"))
    answers = _answers(annotator, project)
    for task in tasks:
        assignment = answers.get(task.pk)
        if _submitted(assignment):
            continue
        lease = timezone.now() + timedelta(seconds=project.lease_seconds)
        if assignment is None:
            return Assignment.objects.create(task=task, annotator=annotator, lease_expires_at=lease)
        if (
            assignment.status != Assignment.Status.IN_PROGRESS
            or assignment.lease_expires_at <= timezone.now()
        ):
            assignment.status, assignment.lease_expires_at = Assignment.Status.IN_PROGRESS, lease
            assignment.save(update_fields=["status", "lease_expires_at", "updated_at"])
        return assignment
    return None


@transaction.atomic
def quiz_answer_submit(
    *, assignment: Assignment, no_pii: bool = False, time_spent_ms: int = 0
) -> Annotation:
    """Record a quiz answer; grade the exam when this was its last question.

    Idempotent like `assignment_submit` (a double submit returns the first answer), but
    a quiz answer earns no reward and does not count toward the task's overlap.
    """
    locked = (
        Assignment.objects.select_for_update()
        .select_related("task__project", "task__snippet")
        .get(pk=assignment.pk)
    )
    if locked.status == Assignment.Status.SUBMITTED:
        return locked.annotation
    if locked.status != Assignment.Status.IN_PROGRESS:
        raise DomainError("This question is closed; take the next one.")
    task = locked.task
    spans = spans_validate(
        spans=[SpanInput(**raw) for raw in locked.draft_spans],
        text=task.snippet.text,
        categories=task.project.categories,
    )
    if no_pii and spans:
        raise DomainError("You marked spans and also said 'No PII'. Remove one or the other.")
    if not no_pii and not spans:
        raise DomainError("Mark at least one span, or choose 'No PII in this snippet'.")
    annotation = Annotation.objects.create(
        assignment=locked, no_pii=no_pii, time_spent_ms=max(0, time_spent_ms)
    )
    Span.objects.bulk_create(Span(annotation=annotation, **asdict(s)) for s in spans)
    locked.status, locked.submitted_at = Assignment.Status.SUBMITTED, timezone.now()
    locked.save(update_fields=["status", "submitted_at", "updated_at"])
    _grade_if_complete(annotator=locked.annotator, project=task.project)
    return annotation


def _grade_if_complete(*, annotator, project: Project) -> None:
    progress = quiz_progress(annotator=annotator, project=project)
    if progress.phase == Phase.PASSED:
        skill_set(
            annotator=annotator,
            category=project.categories[0],
            value=progress.score,
            reason=f"Passed the exam of {project.name} with {progress.score}.",
            actor=annotator,
        )
    elif progress.phase == Phase.FAILED:
        logger.info(
            "Annotator #%s failed the exam of quiz #%s with %s (pass %s).",
            annotator.pk, project.pk, progress.score, project.pass_score,
        )  # fmt: skip


@transaction.atomic
def quiz_retake(*, annotator, project: Project) -> QuizProgress:
    """Clear a failed exam's answers so the exam can be taken again (after the cool-down)."""
    progress = quiz_progress(annotator=annotator, project=project)
    if progress.phase != Phase.FAILED:
        raise DomainError("Only a failed exam can be retaken.")
    if progress.retake_at and timezone.now() < progress.retake_at:
        raise DomainError(f"You can retake this exam from {progress.retake_at:%H:%M} UTC.")
    _, exam = quiz_split(list(Task.objects.filter(project=project, is_control=True)))
    retaken = Assignment.objects.select_for_update().filter(annotator=annotator, task__in=exam)
    logger.info(
        "Annotator #%s retakes the exam of quiz #%s (previous score %s).",
        annotator.pk, project.pk, progress.score,
    )  # fmt: skip
    Annotation.objects.filter(assignment__in=retaken).delete()
    retaken.update(status=Assignment.Status.EXPIRED, draft_spans=[], updated_at=timezone.now())
    return quiz_progress(annotator=annotator, project=project)


@transaction.atomic
def skill_opt(*, annotator, category: str, opted_out: bool) -> Skill:
    """Opt out of a category (no tasks of it, the next quiz unlocks) or back in."""
    if category not in taxonomy.PII_CATEGORIES:
        raise DomainError(f"Unknown category {category!r}.")
    skill, _ = Skill.objects.select_for_update().get_or_create(
        annotator=annotator, category=category, defaults={"value": 0}
    )
    if skill.opted_out != opted_out:
        skill.opted_out = opted_out
        skill.save(update_fields=["opted_out", "updated_at"])
    return skill


# --- feedback (read) ----------------------------------------------------------------


@dataclass(frozen=True)
class FeedbackSpan:
    start: int
    end: int
    category: str
    context: str
    text: str
    verdict: str  # found | missed | wrong | context (right place, wrong context)


@dataclass(frozen=True)
class Feedback:
    assignment: Assignment
    expected: list[FeedbackSpan]
    answered: list[FeedbackSpan]
    explanation: str
    correct: bool


def quiz_feedback(*, assignment: Assignment) -> Feedback:
    """What the annotator got right and wrong on a *submitted training* question.

    Raises DomainError before submission and for exam questions: gold is shown only
    after the answer is in, and never for the exam.
    """
    if assignment.status != Assignment.Status.SUBMITTED:
        raise DomainError("Feedback comes after you submit your answer.")
    task = assignment.task
    training, _ = quiz_split(list(Task.objects.filter(project=task.project_id, is_control=True)))
    if task.pk not in {t.pk for t in training}:
        raise DomainError("Exam questions have no feedback.")
    text = task.snippet.text
    gold, answer = gold_spans(task), answer_spans(assignment)
    pairs = spans_match(answer, gold)
    gold_hit = {gi: pi for pi, gi in pairs}
    answer_hit = {pi: gi for pi, gi in pairs}

    def row(span: LabeledSpan, verdict: str) -> FeedbackSpan:
        return FeedbackSpan(
            span.start, span.end, span.category, span.context, text[span.start : span.end], verdict
        )

    expected = [
        row(
            g,
            "missed"
            if i not in gold_hit
            else ("context" if answer[gold_hit[i]].context != g.context else "found"),
        )
        for i, g in enumerate(gold)
    ]

    def answer_verdict(i: int, span: LabeledSpan) -> str:
        if i not in answer_hit:
            return "wrong"
        return "context" if gold[answer_hit[i]].context != span.context else "found"

    answered = [row(a, answer_verdict(i, a)) for i, a in enumerate(answer)]
    correct = all(e.verdict == "found" for e in expected) and all(
        a.verdict == "found" for a in answered
    )
    return Feedback(assignment, expected, answered, task.explanation, correct)

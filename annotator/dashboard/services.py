"""Writes from the dashboard that no other app's service covers yet.

Project settings and the quality policy are changed here (with the model's own
validation and the database constraints as the last word); gold files go through
`projects.services.control_task_set` line by line; feedback is sent and answered here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from annotator.catalog.models import Snippet
from annotator.core import taxonomy
from annotator.core.exceptions import DomainError
from annotator.dashboard.gold import GoldError, gold_parse
from annotator.labeling.models import Annotation, Assignment, Feedback
from annotator.projects.models import Project
from annotator.projects.services import control_task_set
from annotator.quality.models import QualityPolicy
from annotator.quality.services.rules import policy_for

# What may change after creation; the dataset and the kind never do.
CONFIGURABLE = (
    "name", "categories", "overlap", "control_rate", "reward_cents", "min_skill", "pass_score",
    "lease_seconds", "instructions", "examples", "aggregation_method", "max_overlap",
    "confidence_threshold", "max_rounds",
)  # fmt: skip


# Database constraints in words a requester can act on.
CONSTRAINT_MESSAGES = {
    "project_max_overlap_gte_overlap": "The maximum overlap cannot be below the overlap.",
    "project_control_rate_0_1": "The control rate is a share between 0 and 1.",
    "project_confidence_threshold_0_1": "The confidence threshold lies between 0 and 1.",
    "project_lease_gte_30s": "A lease lasts at least 30 seconds.",
    "project_overlap_gte_1": "Each task needs at least one answer.",
    "policy_control_minimum_in_window": "The minimum control answers must fit in the window.",
    "policy_control_threshold_0_1": "The F1 threshold lies between 0 and 1.",
    "policy_percentages_lte_100": "Percentages go up to 100.",
    "policy_rule_counts_valid": (
        "Streaks need at least 1, and the 'No PII' count must fit in its window."
    ),
}


def _message(exc: ValidationError) -> str:
    messages = []
    for message in exc.messages:
        named = [text for name, text in CONSTRAINT_MESSAGES.items() if name in message]
        messages.append(named[0] if named else message)
    return " ".join(messages)


@transaction.atomic
def project_configure(*, project: Project, fields: Mapping[str, Any]) -> Project:
    """Change a project's settings; categories only while it is a draft.

    Raises DomainError with a message for the requester on any invalid value.
    """
    unknown = set(fields) - set(CONFIGURABLE)
    if unknown:
        raise DomainError(f"These settings cannot be changed: {', '.join(sorted(unknown))}.")
    if "categories" in fields:
        try:
            categories = taxonomy.validate_categories(list(fields["categories"]))
        except ValueError as exc:
            raise DomainError(str(exc)) from exc
        if categories != project.categories and project.status != Project.Status.DRAFT:
            raise DomainError("Categories can only change while the project is a draft.")
        fields = {**fields, "categories": categories}
    for name, value in fields.items():
        setattr(project, name, value)
    try:
        project.full_clean(exclude=["owner", "dataset", "pipeline", "source_project"])
        project.save()
    except ValidationError as exc:
        raise DomainError(_message(exc)) from exc
    except IntegrityError as exc:
        raise DomainError("These settings contradict each other.") from exc
    return project


@transaction.atomic
def policy_update(*, project: Project, fields: Mapping[str, Any]) -> QualityPolicy:
    """Change the project's quality rules, skill window, bonus and pay floor."""
    policy = policy_for(project)
    for name, value in fields.items():
        setattr(policy, name, value)
    try:
        policy.full_clean(exclude=["project"])
        with transaction.atomic():
            policy.save()
    except ValidationError as exc:
        raise DomainError(_message(exc)) from exc
    except IntegrityError as exc:
        raise DomainError(
            "Check the numbers: the minimum answers must fit in the window, and a rule's "
            "count in its own window."
        ) from exc
    return policy


def _gold_snippets(project: Project, lines) -> dict:
    by_id = {line.snippet_id for line in lines if line.snippet_id is not None}
    by_place = {(line.path, line.start_line) for line in lines if line.snippet_id is None}
    snippets = Snippet.objects.filter(dataset_id=project.dataset_id)
    found: dict = {s.pk: s for s in snippets.filter(pk__in=by_id)}
    if by_place:
        paths = {path for path, _ in by_place}
        for s in snippets.filter(source_file__path__in=paths).select_related("source_file"):
            found[(s.source_file.path, s.start_line)] = s
    return found


@transaction.atomic
def gold_import(*, project: Project, text: str) -> int:
    """Make every snippet of the gold file a control task; all lines or none.

    Raises DomainError naming the first bad line. Returns the number of control tasks.
    """
    try:
        lines = gold_parse(text)
    except GoldError as exc:
        raise DomainError(str(exc)) from exc
    snippets = _gold_snippets(project, lines)
    for line in lines:
        key = line.snippet_id if line.snippet_id is not None else (line.path, line.start_line)
        snippet = snippets.get(key)
        if snippet is None:
            raise DomainError(f"Line {line.number}: no such snippet in this project's dataset.")
        try:
            control_task_set(
                project=project, snippet=snippet, gold=line.spans, explanation=line.explanation
            )
        except DomainError as exc:
            raise DomainError(f"Line {line.number}: {exc}") from exc
    return len(lines)


def feedback_send(
    *, annotator, project: Project, body: str, assignment: Assignment | None = None
) -> Feedback:
    """An annotator writes to the requester of a project (about one task, optionally)."""
    if not body.strip():
        raise DomainError("Write a message first.")
    if assignment is not None and assignment.annotator_id != annotator.pk:
        raise DomainError("That task is not yours.")
    return Feedback.objects.create(
        annotator=annotator,
        project=project,
        assignment=assignment,
        task_id=assignment.task_id if assignment else None,
        body=body.strip()[:5000],
    )


@transaction.atomic
def feedback_reply(*, feedback: Feedback, reply: str, actor) -> Feedback:
    """Answer a message (a second reply replaces the first); it counts as read."""
    if not reply.strip():
        raise DomainError("Write a reply first.")
    now = timezone.now()
    feedback.reply, feedback.replied_by, feedback.replied_at = reply.strip()[:5000], actor, now
    feedback.read_at = feedback.read_at or now
    feedback.save(update_fields=["reply", "replied_by", "replied_at", "read_at", "updated_at"])
    return feedback


@transaction.atomic
def problem_report_reply(*, annotation: Annotation, reply: str, actor) -> Feedback:
    """Answer a problem report: its feedback row is made on first reply (one per report)."""
    if not annotation.problem:
        raise DomainError("Only problem reports are answered here.")
    assignment = annotation.assignment
    label = Annotation.Problem(annotation.problem).label
    feedback, _ = Feedback.objects.get_or_create(
        annotation=annotation,
        defaults={
            "annotator_id": assignment.annotator_id,
            "project_id": assignment.task.project_id,
            "task_id": assignment.task_id,
            "assignment": assignment,
            "body": f"Problem report: {label}. {annotation.comment}".strip(),
        },
    )
    return feedback_reply(feedback=feedback, reply=reply, actor=actor)


def feedback_mark_read(*, feedback: Feedback) -> Feedback:
    if feedback.read_at is None:
        feedback.read_at = timezone.now()
        feedback.save(update_fields=["read_at", "updated_at"])
    return feedback

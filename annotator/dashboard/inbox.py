"""The requester's feedback inbox: messages and problem reports from annotators (reads).

A problem report is an `Annotation` with `problem` set; it gets a `Feedback` row only
when answered (`services.problem_report_reply`), so the inbox lists both: feedback
rows, and reports not answered yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet

from annotator.dashboard.selectors import owned_projects
from annotator.labeling.models import Annotation, Feedback

LIMIT = 200


@dataclass(frozen=True)
class InboxItem:
    kind: str  # "message" | "report" (answered: a Feedback row) | "open-report" (Annotation)
    pk: int  # Feedback pk, or Annotation pk for an open report
    created_at: datetime
    annotator: str
    project_id: int
    project: str
    task_id: int | None
    body: str
    reply: str
    unread: bool


def feedback_for_requester(user) -> QuerySet[Feedback]:
    return Feedback.objects.filter(project__in=owned_projects(user)).select_related(
        "annotator", "project"
    )


def reports_for_requester(user) -> QuerySet[Annotation]:
    """Problem reports in the requester's projects that nobody has answered yet."""
    return (
        Annotation.objects.filter(assignment__task__project__in=owned_projects(user))
        .exclude(problem="")
        .filter(feedback__isnull=True)
        .select_related("assignment__annotator", "assignment__task__project")
    )


def item_of(f: Feedback) -> InboxItem:
    kind = "report" if f.annotation_id else "message"
    return InboxItem(kind, f.pk, f.created_at, f.annotator.username, f.project_id,
                     f.project.name, f.task_id, f.body, f.reply, f.read_at is None)  # fmt: skip


def report_item(a: Annotation) -> InboxItem:
    task = a.assignment.task
    body = f"{a.get_problem_display()}. {a.comment}".strip()
    return InboxItem("open-report", a.pk, a.created_at, a.assignment.annotator.username,
                     task.project_id, task.project.name, task.pk, body, "", True)  # fmt: skip


def item_for(kind: str, target) -> InboxItem:
    return report_item(target) if kind == "report" else item_of(target)


def inbox(user) -> list[InboxItem]:
    """Unread first, then newest first: messages, answered and open problem reports."""
    items = [item_of(f) for f in feedback_for_requester(user)[:LIMIT]]
    reports = reports_for_requester(user).order_by("-created_at")[:LIMIT]
    items += [report_item(a) for a in reports]
    return sorted(items, key=lambda item: (not item.unread, -item.created_at.timestamp()))


def unread_count(user) -> int:
    return (
        feedback_for_requester(user).filter(read_at__isnull=True).count()
        + reports_for_requester(user).count()
    )


def feedback_for_annotator(user) -> QuerySet[Feedback]:
    return Feedback.objects.filter(annotator=user).select_related("project", "replied_by")


def open_reports_for_annotator(user) -> QuerySet[Annotation]:
    """The annotator's problem reports that are not answered yet."""
    return (
        Annotation.objects.filter(assignment__annotator=user, feedback__isnull=True)
        .exclude(problem="")
        .select_related("assignment__task__project")
        .order_by("-created_at")
    )

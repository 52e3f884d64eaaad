"""Helpers for the people side of quality: control tasks and answers through the services."""

from datetime import timedelta

from django.utils import timezone

from annotator.labeling import services
from annotator.labeling.models import Assignment
from annotator.projects.services import SpanInput
from annotator.quality.services.rules import policy_for
from tests import factories
from tests.labeling.conftest import CODE, make_task

# Offsets into tests.labeling.conftest.CODE.
JANE = SpanInput(17, 25, "NAME")
EMAIL = SpanInput(27, 45, "EMAIL")
HOST = SpanInput(55, 64, "IP_ADDRESS")
WRONG_NAME = SpanInput(2, 11, "NAME")  # "Copyright"
STRAY_NAME = SpanInput(30, 40, "NAME")  # a second NAME span where gold has none


def gold(*spans: SpanInput) -> list[dict]:
    return [
        {"start": s.start, "end": s.end, "category": s.category, "context": s.context}
        for s in spans
    ]


def control_task(project, *spans: SpanInput):
    """A control task on CODE whose gold spans are `spans` (none: "no PII")."""
    return make_task(project, CODE, is_control=True, gold_spans=gold(*spans))


def answer(annotator, task, *spans: SpanInput, no_pii: bool = False, seconds: float = 60):
    """`annotator` submits `spans` on `task` after `seconds` of work (server-side time)."""
    assignment = factories.AssignmentFactory(task=task, annotator=annotator)
    Assignment.objects.filter(pk=assignment.pk).update(
        created_at=timezone.now() - timedelta(seconds=seconds),
        draft_spans=gold(*spans),
    )
    assignment.refresh_from_db()
    services.assignment_submit(assignment=assignment, no_pii=no_pii or not spans)
    assignment.refresh_from_db()
    return assignment


def skip(annotator, task) -> Assignment:
    assignment = factories.AssignmentFactory(task=task, annotator=annotator)
    return services.assignment_skip(assignment=assignment)


def set_policy(project, **fields):
    policy = policy_for(project)
    for name, value in fields.items():
        setattr(policy, name, value)
    policy.save()
    return policy

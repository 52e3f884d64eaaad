"""`assignment_spans_set`: the API's submit writes all its drafts at once, with the page's rules."""

from datetime import timedelta

import pytest
from django.utils import timezone

from annotator.core.exceptions import DomainError
from annotator.labeling import services
from annotator.labeling.models import Assignment
from annotator.projects.services import SpanInput
from tests.labeling.conftest import HOST, JANE

pytestmark = pytest.mark.django_db


@pytest.fixture
def held(alice, project, task) -> Assignment:
    return services.assignment_next(annotator=alice, project=project)


def _one_by_one_error(assignment: Assignment, spans: list[SpanInput]) -> str:
    """What the page's services say for the same spans, removing the drafts and adding in turn."""
    for _ in list(assignment.draft_spans):
        services.assignment_span_remove(assignment=assignment, index=0)
    try:
        for span in spans:
            services.assignment_span_add(assignment=assignment, span=span)
    except DomainError as exc:
        return str(exc)
    return ""


def test_the_drafts_are_replaced_sorted(held):
    services.assignment_span_add(assignment=held, span=SpanInput(0, 2, "NAME"))
    services.assignment_spans_set(
        assignment=held, spans=[SpanInput(*HOST, "IP_ADDRESS"), SpanInput(*JANE, "NAME", "license")]
    )
    held.refresh_from_db()
    assert [(s["start"], s["category"], s["context"]) for s in held.draft_spans] == [
        (JANE[0], "NAME", "license"),
        (HOST[0], "IP_ADDRESS", "real"),
    ]


def test_an_empty_list_clears_the_drafts(held):
    services.assignment_span_add(assignment=held, span=SpanInput(*JANE, "NAME"))
    services.assignment_spans_set(assignment=held, spans=[])
    held.refresh_from_db()
    assert held.draft_spans == []


def test_a_context_sticks_only_where_the_category_has_one(held):
    services.assignment_spans_set(
        assignment=held, spans=[SpanInput(*HOST, "IP_ADDRESS", "placeholder")]
    )
    held.refresh_from_db()
    assert held.draft_spans[0]["context"] == "real"


@pytest.mark.parametrize(
    "spans",
    [
        # Two bad spans: the one named is the first whose addition fails, not the first
        # in offset order.
        [SpanInput(60, 70, "NAME"), SpanInput(0, 999, "NAME"), SpanInput(0, 3, "KEY")],
        [SpanInput(*JANE, "NAME"), SpanInput(20, 30, "AMBIGUOUS")],
        [SpanInput(20, 30, "AMBIGUOUS"), SpanInput(*JANE, "NAME")],
        [SpanInput(79, 86, "KEY"), SpanInput(5, 5, "NAME")],
    ],
)
def test_a_refusal_names_the_span_the_page_would_name_and_keeps_the_drafts(held, spans):
    services.assignment_span_add(assignment=held, span=SpanInput(0, 2, "NAME"))
    with pytest.raises(DomainError) as refused:
        services.assignment_spans_set(assignment=held, spans=spans)
    held.refresh_from_db()
    assert held.draft_spans == [{"start": 0, "end": 2, "category": "NAME", "context": "real"}]
    assert str(refused.value) == _one_by_one_error(held, spans)


def test_after_the_lease_ran_out_nothing_is_written(held):
    Assignment.objects.filter(pk=held.pk).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    with pytest.raises(DomainError, match="ran out"):
        services.assignment_spans_set(assignment=held, spans=[SpanInput(*JANE, "NAME")])
    held.refresh_from_db()
    assert held.draft_spans == []


def test_a_submitted_assignment_takes_no_more_drafts(held):
    services.assignment_submit(assignment=held, no_pii=True)
    with pytest.raises(DomainError, match="closed"):
        services.assignment_spans_set(assignment=held, spans=[SpanInput(*JANE, "NAME")])

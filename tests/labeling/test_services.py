import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from annotator.core.exceptions import DomainError
from annotator.labeling import services
from annotator.labeling.models import Annotation, Assignment, Span
from annotator.projects.models import Project, Task
from annotator.projects.services import SpanInput
from annotator.quality.models import LedgerEntry
from tests import factories
from tests.labeling.conftest import CODE, HOST, JANE, make_task

pytestmark = pytest.mark.django_db


def expire(assignment: Assignment) -> None:
    Assignment.objects.filter(pk=assignment.pk).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1)
    )


def add(assignment, start, end, category, context="real"):
    return services.assignment_span_add(
        assignment=assignment, span=SpanInput(start, end, category, context)
    )


# --- Handing out tasks -------------------------------------------------------------


def test_alice_gets_a_task_under_a_lease(alice, project, task):
    project.lease_seconds = 600
    project.save()
    assignment = services.assignment_next(annotator=alice, project=project)
    assert assignment.task == task
    assert assignment.status == Assignment.Status.IN_PROGRESS
    remaining = assignment.lease_expires_at - timezone.now()
    assert timedelta(seconds=590) < remaining <= timedelta(seconds=600)


def test_asking_again_returns_the_same_live_assignment(alice, project, task):
    make_task(project)
    first = services.assignment_next(annotator=alice, project=project)
    add(first, *JANE, "NAME")
    again = services.assignment_next(annotator=alice, project=project)
    assert again.pk == first.pk
    assert again.draft_spans == [{"start": 17, "end": 25, "category": "NAME", "context": "real"}]


def test_claims_never_exceed_the_overlap(alice, bob, carol, project, task):
    project.overlap = 2
    project.save()
    assert services.assignment_next(annotator=alice, project=project).task == task
    assert services.assignment_next(annotator=bob, project=project).task == task
    assert services.assignment_next(annotator=carol, project=project) is None


def test_an_expired_lease_frees_the_slot_but_never_returns_the_task(alice, bob, project, task):
    mine = services.assignment_next(annotator=alice, project=project)
    assert services.assignment_next(annotator=bob, project=project) is None
    expire(mine)
    assert services.assignment_next(annotator=bob, project=project).task == task
    assert services.assignment_next(annotator=alice, project=project) is None
    mine.refresh_from_db()
    assert mine.status == Assignment.Status.EXPIRED


def test_an_annotator_never_gets_the_same_task_twice(alice, project):
    project.overlap = 3
    project.save()
    tasks = {make_task(project).pk for _ in range(3)}
    seen = []
    while (assignment := services.assignment_next(annotator=alice, project=project)) is not None:
        seen.append(assignment.task_id)
        services.assignment_skip(assignment=assignment)
    assert sorted(seen) == sorted(tasks)


def test_tasks_closest_to_completion_come_first(alice, bob, project):
    project.overlap = 3
    project.save()
    fresh, started = make_task(project), make_task(project)
    other = services.assignment_next(annotator=bob, project=project)
    assert other.task == fresh  # equal progress: lowest id first
    services.assignment_skip(assignment=other)
    Task.objects.filter(pk=started.pk).update(submitted_count=1)
    assert services.assignment_next(annotator=alice, project=project).task == started


def test_a_paused_project_hands_out_nothing(alice, project, task):
    project.status = Project.Status.PAUSED
    project.save()
    assert services.assignment_next(annotator=alice, project=project) is None


@pytest.mark.parametrize(
    ("served", "rate", "due"),
    [(0, 0.1, False), (8, 0.1, False), (9, 0.1, True), (19, 0.1, True), (0, 0.0, False),
     (0, 1.0, True), (1, 0.5, True), (2, 0.5, False), (2, 0.34, True)],
)  # fmt: skip
def test_control_is_due_every_nth_task(served, rate, due):
    assert services.control_is_due(served=served, rate=rate) is due


def test_every_second_task_is_a_control_task_at_rate_one_half(alice, project):
    project.control_rate = 0.5
    project.overlap = 5
    project.save()
    regular = [make_task(project) for _ in range(2)]
    control = make_task(project, is_control=True, gold_spans=[])
    kinds = []
    while (assignment := services.assignment_next(annotator=alice, project=project)) is not None:
        kinds.append(assignment.task.is_control)
        services.assignment_skip(assignment=assignment)
    # Regular, control, then only regular work is left, so it is served anyway.
    assert kinds == [False, True, False]
    assert control.pk not in {t.pk for t in regular}


def test_a_control_task_is_served_when_only_control_tasks_are_left(alice, project):
    make_task(project, is_control=True, gold_spans=[])
    assignment = services.assignment_next(annotator=alice, project=project)
    assert assignment.task.is_control


@pytest.mark.django_db(transaction=True)
def test_simultaneous_claims_never_exceed_the_overlap(project):
    project.overlap = 2
    project.save()
    task = make_task(project)
    people = [factories.UserFactory() for _ in range(6)]
    barrier = threading.Barrier(len(people))
    errors = []

    def claim(person):
        try:
            barrier.wait(timeout=10)
            services.assignment_next(annotator=person, project=project)
        except Exception as exc:  # reported below: a thread must not swallow failures
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(p,)) for p in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert 1 <= Assignment.objects.filter(task=task).count() <= 2


# --- Draft spans ---------------------------------------------------------------------


def test_draft_spans_are_validated_and_kept_sorted(alice, project, task):
    assignment = services.assignment_next(annotator=alice, project=project)
    add(assignment, *HOST, "IP_ADDRESS")
    add(assignment, *JANE, "NAME", "license")
    assignment.refresh_from_db()
    assert [(s["start"], s["category"], s["context"]) for s in assignment.draft_spans] == [
        (17, "NAME", "license"),
        (55, "IP_ADDRESS", "real"),
    ]


@pytest.mark.parametrize(
    ("span", "message"),
    [
        (SpanInput(20, 30, "AMBIGUOUS"), "overlaps"),
        (SpanInput(0, 999, "AMBIGUOUS"), "outside the snippet"),
        (SpanInput(79, 86, "KEY"), "does not label KEY"),
    ],
)
def test_a_bad_draft_span_is_refused_and_nothing_changes(alice, project, task, span, message):
    assignment = services.assignment_next(annotator=alice, project=project)
    add(assignment, *JANE, "NAME")
    with pytest.raises(DomainError, match=message):
        services.assignment_span_add(assignment=assignment, span=span)
    assignment.refresh_from_db()
    assert len(assignment.draft_spans) == 1


def test_ambiguous_is_always_allowed_and_context_only_sticks_where_defined(alice, project, task):
    assignment = services.assignment_next(annotator=alice, project=project)
    add(assignment, 79, 86, "AMBIGUOUS", "license")
    add(assignment, *HOST, "IP_ADDRESS", "placeholder")
    assignment.refresh_from_db()
    assert {s["context"] for s in assignment.draft_spans} == {"real"}


def test_a_draft_span_can_be_removed(alice, project, task):
    assignment = services.assignment_next(annotator=alice, project=project)
    add(assignment, *JANE, "NAME")
    add(assignment, *HOST, "IP_ADDRESS")
    services.assignment_span_remove(assignment=assignment, index=0)
    assignment.refresh_from_db()
    assert [s["category"] for s in assignment.draft_spans] == ["IP_ADDRESS"]
    with pytest.raises(DomainError, match="no longer there"):
        services.assignment_span_remove(assignment=assignment, index=5)


def test_spans_cannot_be_added_after_the_lease_ran_out(alice, project, task):
    assignment = services.assignment_next(annotator=alice, project=project)
    expire(assignment)
    with pytest.raises(DomainError, match="ran out"):
        add(assignment, *JANE, "NAME")


# --- Submitting ----------------------------------------------------------------------


def test_submit_stores_the_drafts_as_spans_and_pays_once(alice, project, task):
    project.reward_cents = 12
    project.save()
    assignment = services.assignment_next(annotator=alice, project=project)
    add(assignment, *JANE, "NAME", "license")
    add(assignment, *HOST, "IP_ADDRESS")
    annotation = services.assignment_submit(assignment=assignment, time_spent_ms=4200)
    spans = list(annotation.spans.order_by("start"))
    assert [CODE[s.start : s.end] for s in spans] == ["Jane Roe", "10.0.4.17"]
    assert [(s.category, s.context) for s in spans] == [("NAME", "license"), ("IP_ADDRESS", "real")]
    assert annotation.time_spent_ms == 4200 and not annotation.no_pii
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.SUBMITTED and assignment.submitted_at
    entry = LedgerEntry.objects.get(assignment=assignment)
    assert (entry.kind, entry.amount_cents, entry.annotator, entry.project) == (
        LedgerEntry.Kind.REWARD, 12, alice, project,
    )  # fmt: skip


def test_a_double_submit_records_one_annotation(alice, project, task):
    assignment = services.assignment_next(annotator=alice, project=project)
    add(assignment, *JANE, "NAME")
    first = services.assignment_submit(assignment=assignment)
    second = services.assignment_submit(assignment=assignment)
    assert first.pk == second.pk
    assert Annotation.objects.count() == 1 and Span.objects.count() == 1
    assert LedgerEntry.objects.count() == 1
    task.refresh_from_db()
    assert task.submitted_count == 1


def test_the_last_submission_completes_the_task(alice, bob, project, task):
    project.overlap = 2
    project.save()
    for person in (alice, bob):
        assignment = services.assignment_next(annotator=person, project=project)
        task.refresh_from_db()
        assert task.status == Task.Status.OPEN
        services.assignment_submit(assignment=assignment, no_pii=True)
    task.refresh_from_db()
    assert (task.submitted_count, task.status) == (2, Task.Status.COMPLETE)


def test_an_expired_lease_is_refused_at_submit(alice, project, task):
    assignment = services.assignment_next(annotator=alice, project=project)
    add(assignment, *JANE, "NAME")
    expire(assignment)
    with pytest.raises(DomainError, match="Your time on this task ran out"):
        services.assignment_submit(assignment=assignment)
    assert not Annotation.objects.exists() and not LedgerEntry.objects.exists()


def test_no_pii_with_spans_is_refused(alice, project, task):
    assignment = services.assignment_next(annotator=alice, project=project)
    add(assignment, *JANE, "NAME")
    with pytest.raises(DomainError, match="No PII"):
        services.assignment_submit(assignment=assignment, no_pii=True)
    assert not Annotation.objects.exists()


def test_an_empty_submit_needs_no_pii_ticked(alice, project, task):
    assignment = services.assignment_next(annotator=alice, project=project)
    with pytest.raises(DomainError, match="at least one span"):
        services.assignment_submit(assignment=assignment)
    annotation = services.assignment_submit(assignment=assignment, no_pii=True)
    assert annotation.no_pii and not annotation.spans.exists()


def test_a_skipped_task_cannot_be_submitted(alice, project, task):
    assignment = services.assignment_next(annotator=alice, project=project)
    services.assignment_skip(assignment=assignment)
    with pytest.raises(DomainError, match="closed"):
        services.assignment_submit(assignment=assignment, no_pii=True)


# --- Skipping and reporting ------------------------------------------------------------


def test_skipping_frees_the_slot_for_someone_else(alice, bob, project, task):
    assignment = services.assignment_next(annotator=alice, project=project)
    services.assignment_skip(assignment=assignment)
    services.assignment_skip(assignment=assignment)  # twice is harmless
    assert services.assignment_next(annotator=bob, project=project).task == task


def test_a_report_is_an_annotation_with_a_problem_and_no_pay(alice, bob, project, task):
    project.reward_cents = 10
    project.save()
    assignment = services.assignment_next(annotator=alice, project=project)
    add(assignment, *JANE, "NAME")
    annotation = services.assignment_report(
        assignment=assignment, problem=Annotation.Problem.GARBLED, comment="  mojibake "
    )
    assert (annotation.problem, annotation.comment) == ("garbled", "mojibake")
    assert not annotation.spans.exists() and not LedgerEntry.objects.exists()
    task.refresh_from_db()
    assert task.submitted_count == 0
    assert services.assignment_next(annotator=bob, project=project).task == task


def test_other_problems_need_a_comment(alice, project, task):
    assignment = services.assignment_next(annotator=alice, project=project)
    with pytest.raises(DomainError, match="comment"):
        services.assignment_report(assignment=assignment, problem="other", comment=" ")
    with pytest.raises(DomainError, match="Pick what is wrong"):
        services.assignment_report(assignment=assignment, problem="boring")

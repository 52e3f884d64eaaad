import pytest

from annotator.core.exceptions import DomainError
from annotator.core.taxonomy import Category, Context
from annotator.projects import services
from annotator.projects.services import SpanInput
from tests import factories

TEXT = "author = 'Jane Roe'\nhost = '10.0.0.7'\n"


def test_spans_come_back_sorted():
    spans = services.spans_validate(
        spans=[SpanInput(28, 36, "IP_ADDRESS"), SpanInput(10, 18, "NAME")],
        text=TEXT,
        categories=[Category.NAME, Category.IP_ADDRESS],
    )
    assert [s.start for s in spans] == [10, 28]


@pytest.mark.parametrize(
    ("span", "message"),
    [
        (SpanInput(30, 99, "NAME"), "outside the snippet"),
        (SpanInput(-1, 4, "NAME"), "outside the snippet"),
        (SpanInput(8, 8, "NAME"), "empty or reversed"),
        (SpanInput(9, 4, "NAME"), "empty or reversed"),
        (SpanInput(0, 4, "PHONE"), "unknown category"),
        (SpanInput(0, 4, "KEY"), "does not label KEY"),
        (SpanInput(0, 4, "IP_ADDRESS", Context.LICENSE), "takes no context"),
        (SpanInput(0, 4, "NAME", "fake"), "unknown context"),
    ],
)
def test_bad_spans_are_refused_with_a_message(span, message):
    with pytest.raises(DomainError, match=message):
        services.spans_validate(
            spans=[span], text=TEXT, categories=[Category.NAME, Category.IP_ADDRESS]
        )


def test_overlapping_spans_are_refused():
    with pytest.raises(DomainError, match="overlaps"):
        services.spans_validate(
            spans=[SpanInput(10, 18, "NAME"), SpanInput(15, 20, "AMBIGUOUS")],
            text=TEXT,
            categories=[Category.NAME],
        )


@pytest.mark.django_db
def test_a_project_with_five_categories_is_rejected(requester, dataset):
    with pytest.raises(DomainError, match="at most 4 categories"):
        services.project_create(
            owner=requester,
            dataset=dataset,
            name="too wide",
            categories=["NAME", "EMAIL", "USERNAME", "KEY", "ID"],
        )


@pytest.mark.django_db
def test_categories_are_stored_in_training_order(requester, dataset):
    project = services.project_create(
        owner=requester, dataset=dataset, name="p", categories=["KEY", "NAME", "EMAIL"]
    )
    assert project.categories == ["NAME", "EMAIL", "KEY"]


@pytest.mark.django_db
def test_mallory_cannot_build_a_project_on_another_requesters_dataset(mallory, dataset):
    with pytest.raises(DomainError, match="your own datasets"):
        services.project_create(owner=mallory, dataset=dataset, name="p", categories=["NAME"])


@pytest.mark.django_db
def test_adding_tasks_twice_keeps_one_task_per_snippet(project):
    for _ in range(3):
        factories.SnippetFactory(source_file__dataset=project.dataset)
    assert services.project_add_tasks(project=project) == 3
    assert services.project_add_tasks(project=project) == 0
    assert project.tasks.count() == 3


@pytest.mark.django_db
def test_control_task_stores_validated_gold(project):
    snippet = factories.SnippetFactory(source_file__dataset=project.dataset)
    start = snippet.text.index("Jane Roe")
    task = services.control_task_set(
        project=project,
        snippet=snippet,
        gold=[SpanInput(start, start + 8, "NAME", Context.LICENSE)],
        explanation="A name in a copyright line is NAME in a license.",
    )
    assert task.is_control
    assert task.gold_spans == [
        {"start": start, "end": start + 8, "category": "NAME", "context": "license"}
    ]


@pytest.mark.django_db
def test_status_moves_only_along_allowed_transitions(project):
    services.project_set_status(project=project, status="paused")
    with pytest.raises(DomainError):
        services.project_set_status(project=project, status="draft")

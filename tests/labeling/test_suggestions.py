"""The detector's suggestions on the labeling page: shown only where the project turned
them on, accepted, rejected or edited through htmx, never a hint about control tasks."""

import re

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from annotator.detection import preannotation
from annotator.detection.models import Suggestion
from annotator.labeling import selectors, services
from annotator.labeling.models import Assignment
from annotator.projects.models import Project
from annotator.projects.services import SpanInput
from tests import factories
from tests.labeling.conftest import JANE, make_task
from tests.labeling.test_views import HTMX, _shape, code_text, login, work_url

pytestmark = pytest.mark.django_db

# What the rule detector finds in CODE (tests.labeling.conftest).
DETECTED = {"Jane Roe", "jane.roe@corp.test", "10.0.4.17", "hunter2"}


@pytest.fixture
def shown(project):
    project.show_suggestions = True
    project.save(update_fields=["show_suggestions"])
    return project


def preannotate(project) -> None:
    preannotation.dataset_preannotate(dataset=project.dataset)


def marks(html: str) -> dict[str, str]:
    """{suggestion id: category} of the suggestion marks in the code."""
    found = re.findall(
        r'<mark class="suggestion-mark cat-(\w+)[^"]*" data-suggestion="(\d+)"', html
    )
    return {pk: category for category, pk in found}


def suggestion_on(task, text: str) -> Suggestion:
    start = task.snippet.text.index(text)
    return Suggestion.objects.get(snippet=task.snippet, start=start)


def accept_url(assignment, suggestion) -> str:
    return reverse("labeling:suggestion-accept", args=[assignment.pk, suggestion.pk])


def reject_url(assignment, suggestion) -> str:
    return reverse("labeling:suggestion-reject", args=[assignment.pk, suggestion.pk])


def test_suggestions_are_off_by_default_and_leave_no_markup_at_all(client, alice, project, task):
    preannotate(project)
    assert Project._meta.get_field("show_suggestions").default is False
    assert Suggestion.objects.filter(snippet=task.snippet).count() == 4
    html = login(client, alice).get(work_url(project)).content.decode()
    assert "suggest" not in html.lower()
    assert code_text(html) == task.snippet.text


def test_the_page_outlines_each_suggestion_and_lists_it_with_its_actions(
    client, alice, shown, task
):
    preannotate(shown)
    html = login(client, alice).get(work_url(shown)).content.decode()
    assignment = Assignment.objects.get(annotator=alice)
    found = marks(html)
    assert sorted(found.values()) == ["EMAIL", "IP_ADDRESS", "NAME", "PASSWORD"]
    texts = {s.snippet.text[s.start : s.end] for s in Suggestion.objects.filter(pk__in=found)}
    assert texts == DETECTED
    name = suggestion_on(task, "Jane Roe")
    assert (
        f'data-suggestion="{name.pk}" data-chip="NAME · license?" title="Suggested: Name"' in html
    )
    assert f'data-suggestion-item="{name.pk}"' in html
    assert accept_url(assignment, name) in html and reject_url(assignment, name) in html
    assert "js/suggestions.js" in html
    assert code_text(html) == task.snippet.text  # the marks add no text


def test_only_the_projects_categories_are_suggested(client, alice, requester, dataset):
    project = factories.ProjectFactory(
        owner=requester, dataset=dataset, categories=["EMAIL"], show_suggestions=True
    )
    task = make_task(project)
    preannotate(project)
    html = login(client, alice).get(work_url(project)).content.decode()
    assert list(marks(html).values()) == ["EMAIL"]
    hidden = suggestion_on(task, "Jane Roe")
    assignment = Assignment.objects.get(annotator=alice)
    assert client.post(accept_url(assignment, hidden), headers=HTMX).status_code == 404


def test_a_suggestion_under_the_annotators_own_span_is_not_shown(client, alice, shown, task):
    preannotate(shown)
    assignment = services.assignment_next(annotator=alice, project=shown)
    services.assignment_span_add(assignment=assignment, span=SpanInput(20, 30, "AMBIGUOUS"))
    html = login(client, alice).get(work_url(shown)).content.decode()
    # "Jane Roe" (17-25) and the email (27-45) overlap 20-30; the others stay.
    assert sorted(marks(html).values()) == ["IP_ADDRESS", "PASSWORD"]


def test_accepting_makes_it_a_draft_span_and_answers_with_the_partial(client, alice, shown, task):
    preannotate(shown)
    login(client, alice).get(work_url(shown))
    assignment = Assignment.objects.get(annotator=alice)
    email = suggestion_on(task, "jane.roe@corp.test")
    response = client.post(accept_url(assignment, email), headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="labeling-task"') and "<html" not in html
    assignment.refresh_from_db()
    assert assignment.draft_spans == [
        {"start": 27, "end": 45, "category": "EMAIL", "context": "license"}
    ]
    assert '<mark class="span-mark cat-EMAIL span-end" data-span="0"' in html
    assert "EMAIL" not in marks(html).values()
    assert "data-edit-focus" not in html


def test_accepting_without_htmx_redirects_to_the_work_page(client, alice, shown, task):
    preannotate(shown)
    assignment = services.assignment_next(annotator=alice, project=shown)
    response = login(client, alice).post(accept_url(assignment, suggestion_on(task, "10.0.4.17")))
    assert response.status_code == 302 and response["Location"] == work_url(shown)
    assignment.refresh_from_db()
    assert [s["category"] for s in assignment.draft_spans] == ["IP_ADDRESS"]


def test_accepting_over_an_own_span_is_refused_with_a_message(client, alice, shown, task):
    preannotate(shown)
    assignment = services.assignment_next(annotator=alice, project=shown)
    services.assignment_span_add(assignment=assignment, span=SpanInput(*JANE, "AMBIGUOUS"))
    response = login(client, alice).post(
        accept_url(assignment, suggestion_on(task, "Jane Roe")), headers=HTMX
    )
    assert response.status_code == 200 and 'role="alert"' in response.content.decode()
    assignment.refresh_from_db()
    assert [s["category"] for s in assignment.draft_spans] == ["AMBIGUOUS"]


def test_edit_accepts_then_puts_the_change_control_of_the_new_span_first(
    client, alice, shown, task
):
    preannotate(shown)
    assignment = services.assignment_next(annotator=alice, project=shown)
    services.assignment_span_add(assignment=assignment, span=SpanInput(79, 86, "PASSWORD"))
    login(client, alice)
    response = client.post(
        accept_url(assignment, suggestion_on(task, "Jane Roe")), {"edit": "1"}, headers=HTMX
    )
    html = response.content.decode()
    # The new span sorts first (index 0): its category select carries the focus marker.
    assert 'id="change-category-0" name="category" data-change-category data-edit-focus>' in html
    assert html.count("data-edit-focus") == 1
    client.post(
        reverse("labeling:span-change", args=[assignment.pk, 0]),
        {"category": "NAME", "context": "placeholder"},
        headers=HTMX,
    )
    assignment.refresh_from_db()
    assert assignment.draft_spans[0] == {
        "start": 17,
        "end": 25,
        "category": "NAME",
        "context": "placeholder",
    }


def test_rejecting_hides_it_on_this_assignment_only(client, alice, requester, shown, task):
    preannotate(shown)
    login(client, alice).get(work_url(shown))
    assignment = Assignment.objects.get(annotator=alice)
    ip = suggestion_on(task, "10.0.4.17")
    html = client.post(reject_url(assignment, ip), headers=HTMX).content.decode()
    assert str(ip.pk) not in marks(html) and len(marks(html)) == 3
    assert str(ip.pk) not in marks(client.get(work_url(shown)).content.decode())  # a reload too
    assignment.refresh_from_db()
    assert assignment.draft_spans == []  # a rejection writes nothing on the task
    # The same snippet in another project: a new assignment, the suggestion is back.
    other = factories.ProjectFactory(owner=requester, dataset=shown.dataset, show_suggestions=True)
    factories.TaskFactory(project=other, snippet=task.snippet)
    assert str(ip.pk) in marks(client.get(work_url(other)).content.decode())


def test_the_session_keeps_rejections_of_recent_assignments_only(client, alice, shown, task):
    preannotate(shown)
    assignment = services.assignment_next(annotator=alice, project=shown)
    login(client, alice)
    session = client.session
    session["rejected_suggestions"] = {str(n): [1] for n in range(1000, 1030)}
    session.save()
    client.post(reject_url(assignment, suggestion_on(task, "hunter2")), headers=HTMX)
    stored = client.session["rejected_suggestions"]
    assert len(stored) == 20 and list(stored)[-1] == str(assignment.pk)
    assert "1029" in stored and "1000" not in stored


def test_bob_cannot_act_on_alices_suggestions(client, alice, bob, shown, task):
    preannotate(shown)
    assignment = services.assignment_next(annotator=alice, project=shown)
    suggestion = suggestion_on(task, "Jane Roe")
    login(client, bob)
    assert client.post(accept_url(assignment, suggestion), headers=HTMX).status_code == 404
    assert client.post(reject_url(assignment, suggestion), headers=HTMX).status_code == 404
    assignment.refresh_from_db()
    assert assignment.draft_spans == []


def test_a_suggestion_of_another_snippet_or_a_project_without_them_is_a_404(
    client, alice, project, task
):
    preannotate(project)
    assignment = services.assignment_next(annotator=alice, project=project)
    own = suggestion_on(task, "Jane Roe")
    login(client, alice)
    assert client.post(accept_url(assignment, own), headers=HTMX).status_code == 404  # off
    project.show_suggestions = True
    project.save()
    elsewhere = factories.SnippetFactory(source_file__dataset=project.dataset)
    foreign = Suggestion.objects.create(snippet=elsewhere, start=0, end=5, category="NAME")
    assert client.post(accept_url(assignment, foreign), headers=HTMX).status_code == 404
    assert client.post(reject_url(assignment, foreign), headers=HTMX).status_code == 404


def test_a_control_task_shows_the_same_kind_of_suggestions_as_any_task(client, alice, shown):
    shown.control_rate = 0.5  # the second task served is the control task
    shown.save()
    make_task(shown)
    gold = [{"start": 17, "end": 25, "category": "NAME", "context": "license"}]
    control = make_task(shown, is_control=True, gold_spans=gold)
    preannotate(shown)
    login(client, alice)
    pages = []
    for _ in range(2):
        pages.append(client.get(work_url(shown)).content.decode())
        assignment = Assignment.objects.get(annotator=alice, status="in_progress")
        services.assignment_submit(assignment=assignment, no_pii=True)
    assert Assignment.objects.get(annotator=alice, task=control)  # it was served second
    assert [sorted(marks(page).values()) for page in pages] == [
        ["EMAIL", "IP_ADDRESS", "NAME", "PASSWORD"]
    ] * 2
    assert "gold" not in pages[1].lower()
    assert _shape(pages[0]) == _shape(pages[1])


def test_quizzes_never_show_suggestions(shown):
    assert selectors.suggestions_shown(shown)
    shown.kind = Project.Kind.QUIZ
    assert not selectors.suggestions_shown(shown)


def test_the_page_with_suggestions_runs_one_more_query(
    client, alice, shown, task, django_assert_max_num_queries
):
    preannotate(shown)
    login(client, alice)
    client.get(work_url(shown))
    with django_assert_max_num_queries(10):  # the page's 9 (test_views) + the suggestions
        client.get(work_url(shown))


def test_the_requester_turns_suggestions_on_through_the_api(requester, dataset):
    factories.SnippetFactory(source_file__dataset=dataset)
    api = APIClient()
    api.force_authenticate(requester)
    body = {"name": "Anchored", "dataset": dataset.pk, "categories": ["NAME"]}
    response = api.post("/api/v1/projects", body | {"show_suggestions": True}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["show_suggestions"] is True
    assert Project.objects.get(name="Anchored").show_suggestions is True
    default = api.post("/api/v1/projects", body | {"name": "Plain"}, format="json").json()
    assert default["show_suggestions"] is False

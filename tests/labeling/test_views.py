import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from annotator.core.taxonomy import LOOKS
from annotator.labeling import services
from annotator.labeling.models import Annotation, Assignment, Span
from annotator.projects.models import Project
from annotator.projects.services import SpanInput
from tests import factories
from tests.labeling.conftest import HOST, JANE, make_task

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}
HOSTILE = "x = '<script>alert(1)</script>'\n</pre><b>bold</b>\n\tt = '{{ x }}' & {% now 'Y' %}\n"


class CodeText(HTMLParser):
    """Collects the text inside <pre class="code">, as the browser's DOM would hold it."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.text = ""

    def handle_starttag(self, tag, attrs):
        if self.depth:
            self.depth += 1 if tag in {"span", "mark", "code"} else 0
        elif tag == "pre" and ("class", "code") in attrs:
            self.depth = 1

    def handle_endtag(self, tag):
        if self.depth and tag in {"span", "mark", "code", "pre"}:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.text += data


def code_text(html: str) -> str:
    parser = CodeText()
    parser.feed(html)
    return parser.text


def login(client, user):
    client.force_login(user)
    return client


def work_url(project):
    return reverse("labeling:work", args=[project.pk])


def test_anonymous_visitors_are_sent_to_log_in(client, project):
    for url in (reverse("labeling:home"), work_url(project)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


def test_home_lists_the_open_projects_with_a_start_link(client, alice, project, task):
    factories.ProjectFactory(name="on hold", status=Project.Status.PAUSED)
    html = login(client, alice).get(reverse("labeling:home")).content.decode()
    assert project.name in html and work_url(project) in html and "Start" in html
    assert "on hold" not in html


def test_the_work_page_shows_the_snippet_with_its_file_line_numbers(client, alice, project):
    source = factories.SourceFileFactory(dataset=project.dataset, path="lib/auth.py")
    snippet = factories.SnippetFactory(
        source_file=source, index=1, start_line=51, start_offset=0, text="a = 1\nb = 2\n"
    )
    factories.TaskFactory(project=project, snippet=snippet)
    response = login(client, alice).get(work_url(project))
    html = response.content.decode()
    assert response.status_code == 200 and "<html" in html
    assert 'id="labeling-task"' in html and "lib/auth.py" in html
    # Line numbers are CSS generated content from data-line: never part of the text.
    assert 'data-offset="0" data-line="51"' in html and 'data-offset="6" data-line="52"' in html
    assert code_text(html) == "a = 1\nb = 2\n"


def test_an_htmx_request_gets_only_the_task_partial(client, alice, project, task):
    response = login(client, alice).get(work_url(project), headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="labeling-task"') and "<html" not in html


def test_hostile_code_is_shown_verbatim_and_never_runs(client, alice, project):
    task = make_task(project, text=HOSTILE)
    html = login(client, alice).get(work_url(project)).content.decode()
    assert "<script>alert(1)" not in html and "<b>bold</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "&lt;/pre&gt;" in html
    assert "{{ x }}" in html and "&#x27;Y&#x27;" in html
    assert code_text(html) == task.snippet.text


def test_marked_hostile_text_is_escaped_inside_its_highlight(client, alice, project):
    make_task(project, text=HOSTILE)
    assignment = services.assignment_next(annotator=alice, project=project)
    services.assignment_span_add(assignment=assignment, span=SpanInput(5, 30, "AMBIGUOUS"))
    html = login(client, alice).get(work_url(project)).content.decode()
    assert "<script>" not in html and 'class="span-mark cat-AMBIGUOUS span-end"' in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;</span></mark>" in html
    assert code_text(html) == assignment.task.snippet.text


def test_adding_a_span_rerenders_the_code_with_the_highlight(client, alice, project, task):
    login(client, alice).get(work_url(project))
    assignment = Assignment.objects.get(annotator=alice)
    response = client.post(
        reverse("labeling:span-add", args=[assignment.pk]),
        {"start": JANE[0], "end": JANE[1], "category": "NAME", "context": "license"},
        headers=HTMX,
    )
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert '<mark class="span-mark cat-NAME span-end" data-span="0"' in html
    assert 'data-chip="NAME · license" title="Name" tabindex="0">' in html
    assert '<span class="t-c">Jane Roe</span></mark>' in html  # still coloured as a comment
    assignment.refresh_from_db()
    assert assignment.draft_spans == [
        {"start": 17, "end": 25, "category": "NAME", "context": "license"}
    ]


def test_a_refused_span_comes_back_with_a_message_and_status_200(client, alice, project, task):
    assignment = services.assignment_next(annotator=alice, project=project)
    response = login(client, alice).post(
        reverse("labeling:span-add", args=[assignment.pk]),
        {"start": JANE[0], "end": JANE[1], "category": "KEY"},
        headers=HTMX,
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'role="alert">Span 17-25: this project does not label KEY.</p>' in html
    assignment.refresh_from_db()
    assert assignment.draft_spans == []


def test_malformed_span_input_is_refused_with_a_message(client, alice, project, task):
    assignment = services.assignment_next(annotator=alice, project=project)
    response = login(client, alice).post(
        reverse("labeling:span-add", args=[assignment.pk]),
        {"start": "abc", "end": "4", "category": "NAME"},
        headers=HTMX,
    )
    assert response.status_code == 200 and "Start: Enter a whole number." in response.text


def test_removing_a_span_drops_its_highlight(client, alice, project, task):
    assignment = services.assignment_next(annotator=alice, project=project)
    services.assignment_span_add(assignment=assignment, span=SpanInput(*HOST, "IP_ADDRESS"))
    response = login(client, alice).post(
        reverse("labeling:span-remove", args=[assignment.pk, 0]), headers=HTMX
    )
    assert response.status_code == 200 and "span-mark" not in response.text
    assignment.refresh_from_db()
    assert assignment.draft_spans == []


def test_submit_over_htmx_swaps_in_the_next_task(client, alice, project, task):
    second = make_task(project)
    first = services.assignment_next(annotator=alice, project=project)
    services.assignment_span_add(assignment=first, span=SpanInput(*JANE, "NAME"))
    response = login(client, alice).post(reverse("labeling:submit", args=[first.pk]), headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    nxt = Assignment.objects.get(annotator=alice, task=second)
    assert f'data-assignment="{nxt.pk}"' in html and "Submitted." in html
    span = Span.objects.get(annotation__assignment=first)
    assert task.snippet.text[span.start : span.end] == "Jane Roe"


def test_submit_without_htmx_redirects_to_the_work_page(client, alice, project, task):
    assignment = services.assignment_next(annotator=alice, project=project)
    response = login(client, alice).post(
        reverse("labeling:submit", args=[assignment.pk]), {"no_pii": "on"}
    )
    assert response.status_code == 302 and response["Location"] == work_url(project)
    assert Annotation.objects.get(assignment=assignment).no_pii


def test_an_empty_submit_keeps_the_task_and_explains(client, alice, project, task):
    assignment = services.assignment_next(annotator=alice, project=project)
    response = login(client, alice).post(
        reverse("labeling:submit", args=[assignment.pk]), headers=HTMX
    )
    assert "Mark at least one span" in response.text
    assert f'data-assignment="{assignment.pk}"' in response.text


def test_a_late_submit_explains_and_moves_on_to_a_fresh_task(client, alice, project, task):
    make_task(project)
    late = services.assignment_next(annotator=alice, project=project)
    services.assignment_span_add(assignment=late, span=SpanInput(*JANE, "NAME"))
    Assignment.objects.filter(pk=late.pk).update(lease_expires_at=timezone.now())
    response = login(client, alice).post(reverse("labeling:submit", args=[late.pk]), headers=HTMX)
    assert "Your time on this task ran out" in response.text
    fresh = Assignment.objects.get(annotator=alice, status=Assignment.Status.IN_PROGRESS)
    assert fresh.pk != late.pk and f'data-assignment="{fresh.pk}"' in response.text
    assert not Annotation.objects.exists()


def test_the_last_task_done_shows_no_tasks_left(client, alice, project, task):
    assignment = services.assignment_next(annotator=alice, project=project)
    response = login(client, alice).post(
        reverse("labeling:submit", args=[assignment.pk]), {"no_pii": "on"}, headers=HTMX
    )
    assert "No tasks left" in response.text and 'data-assignment=""' in response.text


def test_skip_and_report_move_on(client, alice, project, task):
    make_task(project)
    first = services.assignment_next(annotator=alice, project=project)
    login(client, alice).post(reverse("labeling:skip", args=[first.pk]), headers=HTMX)
    second = services.assignment_next(annotator=alice, project=project)
    assert second.pk != first.pk
    response = client.post(
        reverse("labeling:report", args=[second.pk]),
        {"problem": "binary", "comment": ""},
        headers=HTMX,
    )
    assert "Thanks for the report" in response.text and "No tasks left" in response.text
    assert Annotation.objects.get(assignment=second).problem == "binary"


def test_bob_cannot_open_alices_assignment(client, alice, bob, project, task):
    assignment = services.assignment_next(annotator=alice, project=project)
    login(client, bob)
    for name, args in [
        ("labeling:span-add", [assignment.pk]),
        ("labeling:span-remove", [assignment.pk, 0]),
        ("labeling:submit", [assignment.pk]),
        ("labeling:skip", [assignment.pk]),
        ("labeling:report", [assignment.pk]),
    ]:
        data = {"start": 0, "end": 3, "category": "NAME", "no_pii": "on", "problem": "binary"}
        assert client.post(reverse(name, args=args), data).status_code == 404
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.IN_PROGRESS and assignment.draft_spans == []


def test_actions_only_accept_post(client, alice, project, task):
    assignment = services.assignment_next(annotator=alice, project=project)
    response = login(client, alice).get(reverse("labeling:submit", args=[assignment.pk]))
    assert response.status_code == 405


def _shape(html: str) -> str:
    """The page with its per-request noise removed: CSRF masks, ids, counters, times."""
    html = re.sub(r'(csrfmiddlewaretoken" value=|"X-CSRFToken": )"[^"]+"', "", html)
    return re.sub(r"\d+", "0", html)


def test_a_control_task_page_looks_like_any_other(client, alice, project):
    project.control_rate = 0.5  # the second task served is the control task
    project.save()
    make_task(project)
    gold = [{"start": 17, "end": 25, "category": "NAME", "context": "license"}]
    control = make_task(project, is_control=True, gold_spans=gold)
    login(client, alice)
    pages = []
    for _ in range(2):
        pages.append(client.get(work_url(project)).content.decode())
        assignment = Assignment.objects.get(annotator=alice, status="in_progress")
        services.assignment_submit(assignment=assignment, no_pii=True)
    assert Assignment.objects.get(annotator=alice, task=control)  # it was served second
    assert "gold" not in pages[1].lower() and "span-mark cat-NAME span-end" not in pages[1]
    assert _shape(pages[0]) == _shape(pages[1])


def test_the_requester_previews_without_taking_a_slot(client, requester, project, task):
    html = login(client, requester).get(work_url(project)).content.decode()
    assert "Preview" in html and code_text(html) == task.snippet.text
    assert not Assignment.objects.exists()


def test_mallory_cannot_preview_someone_elses_project(client, mallory, project, task):
    assert login(client, mallory).get(work_url(project)).status_code == 404


def test_the_work_page_runs_a_bounded_number_of_queries(
    client, alice, project, task, django_assert_max_num_queries
):
    assignment = services.assignment_next(annotator=alice, project=project)
    for start in range(0, 40, 4):
        services.assignment_span_add(
            assignment=assignment, span=SpanInput(start, start + 2, "AMBIGUOUS")
        )
    login(client, alice)
    client.get(work_url(project))  # the first visit also writes the session
    # session, user, project, live assignment, progress strip, bonus rule, savepoints
    with django_assert_max_num_queries(8):
        client.get(work_url(project))


def test_the_stylesheet_has_a_rule_for_every_category_look(settings):
    css = (settings.BASE_DIR / "static" / "css" / "app.css").read_text()
    for category, look in LOOKS.items():
        rule = f".cat-{category} {{ --cat: {look.colour};"
        assert rule in css, f"app.css lacks {rule}"
        line = css[css.index(rule) : css.index("}", css.index(rule))]
        assert f"--cat-line: {look.underline};" in line

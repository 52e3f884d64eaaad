"""The annotator's side of the work page: instructions, progress, changing spans,
the reasons there is no work, security headers and hostile text."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from annotator.labeling import services
from annotator.labeling.models import Assignment
from annotator.projects.services import SpanInput
from annotator.quality.models import LedgerEntry, QualityPolicy, Sanction, Skill
from tests import factories
from tests.labeling.conftest import HOST, JANE, make_task
from tests.labeling.test_views import code_text

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}
EXAMPLES = [
    {"category": "NAME", "text": "# (c) Jane Roe", "is_pii": True, "explanation": "A person."},
    {"category": "NAME", "text": "NewtonSolver()", "is_pii": False, "explanation": "An algorithm."},
]


def work_url(project):
    return reverse("labeling:work", args=[project.pk])


def test_instructions_open_on_the_first_visit_only(client, alice, project, task):
    project.instructions = "Label <every> name."
    project.examples = EXAMPLES
    project.save()
    client.force_login(alice)
    first = client.get(work_url(project)).content.decode()
    assert '<details class="card instructions" data-instructions open>' in first
    assert "Label &lt;every&gt; name." in first
    assert "# (c) Jane Roe" in first and "NewtonSolver()" in first and "Do not label" in first
    again = client.get(work_url(project)).content.decode()
    assert "data-instructions open" not in again and "data-instructions>" in again


def test_progress_shows_done_today_and_earnings(client, alice, project):
    project.reward_cents = 7
    project.save()
    make_task(project)
    make_task(project)
    assignment = services.assignment_next(annotator=alice, project=project)
    services.assignment_submit(assignment=assignment, no_pii=True)
    LedgerEntry.objects.create(annotator=alice, project=project, kind="bonus", amount_cents=50)
    # A payout moves money already earned: it lowers nothing on the strip.
    LedgerEntry.objects.create(annotator=alice, project=project, kind="payout", amount_cents=-40)
    client.force_login(alice)
    html = client.get(work_url(project)).content.decode()
    assert "Done today <strong data-done-today>1</strong>" in html
    assert "Earned <strong>$0.57</strong>" in html and "0.50 earned in bonuses" in html
    assert "data-timer data-elapsed=" in html


def test_the_projects_bonus_rule_is_shown_but_no_control_count(client, alice, project, task):
    QualityPolicy.objects.create(project=project, bonus_cents=200, bonus_accuracy=90)
    client.force_login(alice)
    html = client.get(work_url(project)).content.decode()
    assert "Bonus: $2.00 a day when 90% or more" in html


def test_a_span_changes_category_and_context_in_place(client, alice, project, task):
    assignment = services.assignment_next(annotator=alice, project=project)
    services.assignment_span_add(assignment=assignment, span=SpanInput(*JANE, "NAME", "license"))
    client.force_login(alice)
    response = client.post(
        reverse("labeling:span-change", args=[assignment.pk, 0]),
        {"category": "AMBIGUOUS", "context": "license"},
        headers=HTMX,
    )
    assert response.status_code == 200 and "<html" not in response.content.decode()
    assignment.refresh_from_db()
    # AMBIGUOUS takes no context: it falls back to "real".
    assert assignment.draft_spans == [
        {"start": JANE[0], "end": JANE[1], "category": "AMBIGUOUS", "context": "real"}
    ]
    assert 'class="span-mark cat-AMBIGUOUS span-end"' in response.content.decode()


def test_changing_a_span_to_a_category_the_project_lacks_is_refused(client, alice, project, task):
    assignment = services.assignment_next(annotator=alice, project=project)
    services.assignment_span_add(assignment=assignment, span=SpanInput(*HOST, "IP_ADDRESS"))
    client.force_login(alice)
    response = client.post(
        reverse("labeling:span-change", args=[assignment.pk, 0]), {"category": "KEY"}, headers=HTMX
    )
    assert "does not label KEY" in response.content.decode()
    assignment.refresh_from_db()
    assert assignment.draft_spans[0]["category"] == "IP_ADDRESS"


def test_an_overlapping_span_is_refused_with_a_message(client, alice, project, task):
    assignment = services.assignment_next(annotator=alice, project=project)
    services.assignment_span_add(assignment=assignment, span=SpanInput(*JANE, "NAME"))
    client.force_login(alice)
    response = client.post(
        reverse("labeling:span-add", args=[assignment.pk]),
        {"start": JANE[0] + 2, "end": JANE[1] + 3, "category": "EMAIL"},
        headers=HTMX,
    )
    assert response.status_code == 200 and "overlaps span" in response.content.decode()


def test_bob_cannot_change_alices_span(client, alice, bob, project, task):
    assignment = services.assignment_next(annotator=alice, project=project)
    services.assignment_span_add(assignment=assignment, span=SpanInput(*JANE, "NAME"))
    client.force_login(bob)
    url = reverse("labeling:span-change", args=[assignment.pk, 0])
    assert client.post(url, {"category": "EMAIL"}).status_code == 404


def test_no_work_because_the_skill_is_too_low_links_to_the_quiz(client, bob, project, task):
    project.min_skill = 70
    project.save()
    quiz = factories.ProjectFactory(kind="quiz", categories=["NAME"], name="Quiz 1: Name")
    Skill.objects.create(annotator=bob, category="NAME", value=40)
    client.force_login(bob)
    html = client.get(work_url(project)).content.decode()
    assert 'data-no-work="blocked"' in html and "Your Name skill is 40" in html
    assert 'data-reason="skill_too_low"' in html and work_url(quiz) in html
    assert not Assignment.objects.filter(annotator=bob).exists()


def test_no_work_because_of_a_suspension_names_the_rule_and_the_end(client, alice, project, task):
    until = timezone.now() + timedelta(hours=5)
    Sanction.objects.create(
        annotator=alice, project=project, rule="too_fast", action="suspend", until=until,
        reason="You submitted 3 tasks in under 15 seconds each.",
    )  # fmt: skip
    client.force_login(alice)
    html = client.get(work_url(project)).content.decode()
    assert "You submitted 3 tasks in under 15 seconds each." in html
    assert "rule: too_fast" in html and f"until {until:%Y-%m-%d %H:%M} UTC" in html


def test_no_tasks_left_says_so(client, alice, project):
    client.force_login(alice)
    html = client.get(work_url(project)).content.decode()
    assert 'data-no-work="done"' in html and "No tasks left" in html


def test_home_lists_blocked_projects_with_the_reason(client, bob, project, task):
    project.min_skill = 50
    project.save()
    client.force_login(bob)
    html = client.get(reverse("labeling:home")).content.decode()
    assert project.name in html and "this project needs 50" in html


def test_pages_forbid_inline_script(client, alice, project, task):
    client.force_login(alice)
    response = client.get(work_url(project))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "<script>" not in response.content.decode().split("</head>")[1]


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        "</pre><img src=x onerror=alert(1)>",
        "{{ request.user }} {% debug %}",
        "&lt;b&gt; &amp;amp;",
        "user = 'admin\u202e \u2066// check\u2069 \u2066'",
        '" onmouseover="alert(1)',
    ],
)
def test_hostile_snippets_paths_and_instructions_render_verbatim(client, alice, project, hostile):
    project.instructions = hostile
    project.save()
    source = factories.SourceFileFactory(
        dataset=project.dataset, path=f"src/{hostile}.py", content=f"x = '{hostile}'\n"
    )
    factories.TaskFactory(project=project, snippet=factories.SnippetFactory(source_file=source))
    client.force_login(alice)
    html = client.get(work_url(project)).content.decode()
    assert code_text(html) == f"x = '{hostile}'\n"
    assert "<script>alert" not in html and "<img" not in html
    assert 'onmouseover="alert' not in html
    assert escape(hostile) in html  # the instructions and the path, shown as written
    if "\u202e" in hostile:
        assert 'class="bidi" data-cp="U+202E"' in html


def test_a_reload_mid_task_shows_the_same_assignment(client, alice, project):
    make_task(project)
    make_task(project)
    client.force_login(alice)
    client.get(work_url(project))
    first = Assignment.objects.get(annotator=alice)
    html = client.get(work_url(project)).content.decode()
    assert f'data-assignment="{first.pk}"' in html
    assert Assignment.objects.filter(annotator=alice).count() == 1

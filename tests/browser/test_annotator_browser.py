"""The annotator's experience in real headless Chromium: keyboard-only labeling, changing
and deleting spans, Ambiguous, reporting, a quiz passed end to end, hostile text and
control tasks that look like any other."""

import os
import re
import time

import pytest
from django.urls import reverse

from annotator.labeling import services as labeling
from annotator.labeling.models import Annotation, Assignment, Span
from annotator.projects.models import Project
from annotator.projects.services import SpanInput
from annotator.quality.models import Skill
from tests import factories
from tests.browser.test_labeling_browser import CHAR_BOXES
from tests.factories import PASSWORD

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CODE = (
    "# Copyright 2021 Jane Roe\n"
    "def connect():\n"
    "\treturn db.connect(host='10.0.4.17', password=\"hunter2\")\n"
)
SHOT_DIR = os.environ.get("BROWSER_SHOTS")  # set it to keep screenshots of each test


def log_in(page, live_server, username):
    page.goto(live_server.url + reverse("accounts:login"))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/$"))


def open_work(page, live_server, project):
    page.goto(live_server.url + reverse("labeling:work", args=[project.pk]))
    page.wait_for_selector("[data-code]")


def shot(page, name):
    if SHOT_DIR:
        # caret="initial": hiding the caret would inject a <style>, which our CSP refuses.
        page.screenshot(path=os.path.join(SHOT_DIR, f"{name}.png"), full_page=True, caret="initial")


def drag_select(page, text, target, occurrence=0):
    start = (
        text.index(target)
        if occurrence == 0
        else [m.start() for m in re.finditer(re.escape(target), text)][occurrence]
    )
    left, right = page.evaluate(CHAR_BOXES, [start, start + len(target)])
    page.mouse.move(left["x"] + 1, left["y"])
    page.mouse.down()
    page.mouse.move(right["x"] + right["w"] - 1, right["y"], steps=6)
    page.mouse.up()
    return start


def drafts(assignment):
    assignment.refresh_from_db()
    return assignment.draft_spans


def wait_until(page, expression: str, timeout: float = 5.0) -> None:
    """Poll `expression` from here with `page.evaluate`, which the page's CSP allows;
    `wait_for_function` polls inside the page with eval, which `script-src 'self'`
    refuses."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"not true within {timeout} s: {expression}"
        page.wait_for_timeout(50)


def wait_drafts(page, assignment, count):
    wait_until(page, f"document.querySelectorAll('[data-span-item]').length === {count}")
    return drafts(assignment)


def test_keyboard_only_labeling_change_delete_ambiguous_and_submit(live_server, page):
    factories.UserFactory(username="kim")
    project = factories.ProjectFactory(name="Keyboard", overlap=1)
    task = factories.TaskFactory(project=project, snippet__source_file__content=CODE)
    factories.TaskFactory(project=project)
    text = task.snippet.text
    log_in(page, live_server, "kim")
    open_work(page, live_server, project)
    assignment = Assignment.objects.get(task=task)

    # Caret keys: the code has the focus on arrival; go to "Jane" and extend to "Roe".
    assert page.evaluate("document.activeElement.hasAttribute('data-code')")
    for _ in range(text.index("Jane")):
        page.keyboard.press("ArrowRight")
    for _ in range(len("Jane Roe")):
        page.keyboard.press("Shift+ArrowRight")
    assert page.evaluate("window.getSelection().toString()") == "Jane Roe"
    page.keyboard.press("c")  # context: license
    page.keyboard.press("1")  # the project's first category: NAME
    (span,) = wait_drafts(page, assignment, 1)
    assert text[span["start"] : span["end"]] == "Jane Roe"
    assert (span["category"], span["context"]) == ("NAME", "license")

    # Down two lines and select a word with W: the password.
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Home")
    # A word keeps dots, @ and dashes: addresses and emails are one word each.
    for _ in range(2):
        page.keyboard.press("w")
    assert page.evaluate("window.getSelection().toString()") == "db.connect"
    page.keyboard.press("w")
    page.keyboard.press("w")
    assert page.evaluate("window.getSelection().toString()") == "10.0.4.17"
    page.keyboard.press("Shift+W")
    assert page.evaluate("window.getSelection().toString()") == "host"
    page.keyboard.press("w")
    page.keyboard.press("3")  # third category of the factory project: IP_ADDRESS
    spans = wait_drafts(page, assignment, 2)
    assert [text[s["start"] : s["end"]] for s in spans] == ["Jane Roe", "10.0.4.17"]
    shot(page, "keyboard-two-spans")

    # Tab to the first highlight, mark it Ambiguous, then Tab on and delete the second.
    page.focus("[data-code]")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.span") == "0"
    page.keyboard.press("a")
    page.wait_for_selector("mark.cat-AMBIGUOUS")
    assert drafts(assignment)[0]["category"] == "AMBIGUOUS"
    # Focus comes back to the changed span once the swap's handlers ran (waited for, not
    # read at once: the new markup can be in the page a moment before its focus is set).
    wait_until(page, "document.activeElement.dataset.span === '0'")
    page.keyboard.press("Tab")
    page.keyboard.press("Delete")
    spans = wait_drafts(page, assignment, 1)
    assert spans[0]["category"] == "AMBIGUOUS"

    page.keyboard.press("?")
    assert page.is_visible("[data-shortcuts]")
    page.keyboard.press("Escape")
    assert not page.is_visible("[data-shortcuts]")

    page.evaluate("window.__sameDocument = true")
    page.focus("[data-code]")
    page.keyboard.press("Enter")
    page.wait_for_selector(f"#labeling-task:not([data-assignment='{assignment.pk}'])")
    assert page.evaluate("window.__sameDocument") is True
    stored = Span.objects.get(annotation__assignment=assignment)
    assert text[stored.start : stored.end] == "Jane Roe" and stored.category == "AMBIGUOUS"
    assert page.console_errors == []


def test_a_key_pressed_before_a_swap_settles_still_goes_through_htmx(live_server, page):
    """htmx takes over swapped-in forms only when the swap settles; a key pressed before
    that must not make the browser post the form the plain way and load a new page."""
    factories.UserFactory(username="kim")
    project = factories.ProjectFactory(name="Quick keys", overlap=1)
    task = factories.TaskFactory(project=project, snippet__source_file__content=CODE)
    log_in(page, live_server, "kim")
    open_work(page, live_server, project)
    assignment = Assignment.objects.get(task=task)
    start = task.snippet.text.index("Jane Roe")
    labeling.assignment_span_add(assignment=assignment, span=SpanInput(start, start + 8, "NAME"))
    page.reload()
    # Every swap stays unsettled for 3 s: the window a fast key falls into, made wide.
    page.evaluate("htmx.config.defaultSettleDelay = 3000; window.__sameDocument = true")
    page.focus("[data-code]")
    page.keyboard.press("Tab")
    page.keyboard.press("a")  # a change, swapped in; its new forms are not htmx's yet
    page.wait_for_selector("mark.cat-AMBIGUOUS")
    wait_until(page, "document.activeElement.dataset.span === '0'")
    page.keyboard.press("Delete")
    assert wait_drafts(page, assignment, 0) == []
    assert page.evaluate("window.__sameDocument") is True
    assert page.console_errors == []


def test_clicking_a_highlight_changes_it_and_double_click_selects_a_token(live_server, page):
    factories.UserFactory(username="kim")
    project = factories.ProjectFactory(name="Mouse", overlap=1)
    task = factories.TaskFactory(project=project, snippet__source_file__content=CODE)
    text = task.snippet.text
    log_in(page, live_server, "kim")
    open_work(page, live_server, project)
    assignment = Assignment.objects.get(task=task)

    start = text.index("hunter2")
    box = page.evaluate(CHAR_BOXES, [start, start + 7])[0]
    page.mouse.dblclick(box["x"] + 2, box["y"])
    assert page.evaluate("window.getSelection().toString()") == "hunter2"
    page.click("[data-span-form] [data-category=PASSWORD]")
    (span,) = wait_drafts(page, assignment, 1)
    assert text[span["start"] : span["end"]] == "hunter2"

    page.click("mark.cat-PASSWORD")
    page.click("[data-span-form] [data-category=AMBIGUOUS]")
    page.wait_for_selector("mark.cat-AMBIGUOUS")
    assert drafts(assignment)[0]["category"] == "AMBIGUOUS"

    # An overlapping selection is refused with a message, and nothing changes.
    drag_select(page, text, 'password="hunter2')
    assert page.evaluate("window.getSelection().toString()") == 'password="hunter2'
    page.click("[data-span-form] [data-category=NAME]")
    page.wait_for_selector("[role=alert]")
    assert "overlaps" in page.inner_text("[role=alert]")
    assert len(drafts(assignment)) == 1

    page.click("[data-wrap-toggle]")
    assert page.get_attribute("[data-wrap-toggle]", "aria-pressed") == "true"
    assert page.eval_on_selector("[data-code]", "el => el.textContent") == text
    assert page.console_errors == []


def test_reporting_a_problem_by_keyboard_skips_the_task(live_server, page):
    factories.UserFactory(username="kim")
    project = factories.ProjectFactory(name="Reports", overlap=1)
    task = factories.TaskFactory(
        project=project, snippet__source_file__content="\x01\x02\x03 \ufffd\ufffd garbage"
    )
    log_in(page, live_server, "kim")
    open_work(page, live_server, project)
    page.keyboard.press("x")
    assert page.evaluate("document.activeElement.name") == "problem"
    page.keyboard.press("ArrowDown")  # binary -> garbled
    page.keyboard.press("Tab")
    page.keyboard.type("Control characters only.")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_selector("text=Thanks for the report.")
    annotation = Annotation.objects.get(assignment__task=task)
    assert (annotation.problem, annotation.comment) == ("garbled", "Control characters only.")
    assert annotation.assignment.status == Assignment.Status.SKIPPED


def test_an_annotator_passes_a_quiz_with_feedback_then_the_exam(live_server, page):
    kim = factories.UserFactory(username="kim")
    quiz = factories.ProjectFactory(
        kind=Project.Kind.QUIZ, categories=["NAME"], name="Quiz 1: Name", pass_score=80,
        instructions="Label every name.",
    )  # fmt: skip
    training = factories.TaskFactory(
        project=quiz, snippet__source_file__content=CODE, is_control=True,
        gold_spans=[{"start": 17, "end": 25, "category": "NAME", "context": "license"}],
        explanation="A person in a copyright line: NAME, license.",
    )  # fmt: skip
    factories.TaskFactory(
        project=quiz, snippet__source_file__content="x = 1\n", is_control=True, gold_spans=[],
        explanation="Nothing here.",
    )  # fmt: skip
    log_in(page, live_server, "kim")
    assert page.get_attribute("[data-category-status=NAME]", "data-state") == "available"
    page.click("text=Start quiz")
    page.wait_for_selector("[data-code]")
    assert page.is_visible("[data-instructions][open]")  # first visit
    assert "gold" not in page.content().lower() and page.query_selector("mark") is None

    drag_select(page, training.snippet.text, "Jane Roe")
    page.check("input[name=context][value=license]")
    page.click("[data-span-form] [data-category=NAME]")
    page.wait_for_selector("mark.cat-NAME")
    page.focus("[data-code]")
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-feedback=correct]")
    assert "A person in a copyright line" in page.inner_text("[data-feedback]")
    shot(page, "quiz-feedback")
    page.keyboard.press("Enter")  # next question: the exam
    page.wait_for_selector(".quiz-bar.quiz-exam")
    page.keyboard.press("n")
    page.wait_for_selector("[data-quiz-result=passed]")
    assert Skill.objects.get(annotator=kim, category="NAME").value == 100
    page.goto(live_server.url + reverse("labeling:home"))
    assert page.get_attribute("[data-category-status=NAME]", "data-state") == "passed"
    assert page.get_attribute("[data-category-status=EMAIL]", "data-state") in {
        "no_quiz",
        "available",
    }
    assert page.console_errors == []


def test_an_xss_payload_renders_verbatim_and_runs_nothing(live_server, page):
    factories.UserFactory(username="kim")
    payload = (
        '<script>window.__xss = 1</script>\n</pre><img src=x onerror="window.__xss = 2">\n'
        "{{ 7|add:1 }} &lt; \u202eevil\n"
    )
    project = factories.ProjectFactory(name="XSS", overlap=1, instructions=payload)
    factories.TaskFactory(
        project=project, snippet__source_file__content=payload,
        snippet__source_file__path="src/<script>alert(1)</script>.html",
    )  # fmt: skip
    log_in(page, live_server, "kim")
    open_work(page, live_server, project)
    assert page.eval_on_selector("[data-code]", "el => el.textContent") == payload
    assert page.evaluate("window.__xss") is None
    assert page.query_selector("main img") is None
    assert "<script>alert(1)</script>" in page.inner_text(".code-path")
    assert page.console_errors == []


def test_a_control_task_is_indistinguishable_in_the_browser(live_server, page):
    factories.UserFactory(username="kim")
    project = factories.ProjectFactory(name="Controls", overlap=1, control_rate=0.5)
    factories.TaskFactory(project=project, snippet__source_file__content=CODE + "# 1\n")
    gold = [{"start": 17, "end": 25, "category": "NAME", "context": "real"}]
    factories.TaskFactory(
        project=project, snippet__source_file__content=CODE + "# 2\n", is_control=True,
        gold_spans=gold,
    )  # fmt: skip
    factories.TaskFactory(project=project, snippet__source_file__content=CODE + "# 3\n")
    log_in(page, live_server, "kim")
    open_work(page, live_server, project)
    requests: list[str] = []
    page.on("request", lambda r: requests.append(f"{r.method} {re.sub(r'[0-9]+', 'N', r.url)}"))
    shapes = []
    # The second task served is the control task, the third a regular one: both arrive
    # by the same swap, so their markup and requests must match exactly.
    for _ in range(3):
        shapes.append(re.sub(r"\d+|value=\"[^\"]+\"", "N", page.inner_html("#labeling-task")))
        current = page.get_attribute("#labeling-task", "data-assignment")
        page.check("[data-no-pii]")
        page.click("[data-submit]")
        page.wait_for_selector(f"#labeling-task:not([data-assignment='{current}'])")
    assert Assignment.objects.filter(task__is_control=True, status="submitted").count() == 1
    assert shapes[1] == shapes[2]
    assert requests[1] == requests[2]  # the same request for both submits
    assert "gold" not in "".join(shapes).lower()

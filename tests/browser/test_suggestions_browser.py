"""An annotator walks the detector's suggestions with the keyboard in real Chromium,
accepts one and submits: the stored span is the suggestion."""

import os

import pytest
from django.urls import reverse

from annotator.detection import preannotation
from annotator.detection.models import Suggestion
from annotator.labeling.models import Assignment, Span
from tests import factories
from tests.factories import PASSWORD

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CODE = (
    "# Copyright 2021 Jane Roe <jane.roe@corp.test>\n"
    "def connect():\n"
    "\treturn db.connect(host='10.0.4.17', password=\"hunter2\")\n"
)
ACTIVE = "document.activeElement.dataset.suggestion || null"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_alice_accepts_a_suggestion_with_the_keyboard_and_submits(live_server, page):
    alice = factories.UserFactory(username="alice")
    project = factories.ProjectFactory(name="Suggested", show_suggestions=True)
    task = factories.TaskFactory(project=project, snippet__source_file__content=CODE)
    preannotation.dataset_preannotate(dataset=project.dataset)
    on_page = Suggestion.objects.filter(snippet=task.snippet).order_by("start")
    name, email = on_page[0], on_page[1]
    assert task.snippet.text[email.start : email.end] == "jane.roe@corp.test"

    page.goto(live_server.url + reverse("labeling:home"))
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto(live_server.url + reverse("labeling:work", args=[project.pk]))
    page.wait_for_selector("mark.suggestion-mark")
    assert page.eval_on_selector("[data-code]", "el => el.textContent") == task.snippet.text
    page.evaluate("window.__sameDocument = true")

    page.focus("[data-code]")
    page.keyboard.press("s")
    assert page.evaluate(ACTIVE) == str(name.pk)
    assert "Y to accept" in page.inner_text("[data-selection-status]")
    page.keyboard.press("s")
    assert page.evaluate(ACTIVE) == str(email.pk)
    page.keyboard.press("y")
    page.wait_for_selector("mark.span-mark.cat-EMAIL")
    assert page.inner_text("mark.span-mark.cat-EMAIL") == "jane.roe@corp.test"
    assert page.locator(f'mark[data-suggestion="{email.pk}"]').count() == 0
    assert page.locator("mark.suggestion-mark[tabindex]").count() == 3

    assignment = Assignment.objects.get(annotator=alice, task=task)
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-no-work]")
    assert page.evaluate("window.__sameDocument") is True  # htmx swaps, no reload
    span = Span.objects.get(annotation__assignment=assignment)
    stored = (span.start, span.end, span.category, span.context)
    assert stored == (email.start, email.end, email.category, email.context)
    assert page.console_errors == []

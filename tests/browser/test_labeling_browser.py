"""An annotator labels a span with the mouse in real Chromium, and the offsets hold."""

import os

import pytest
from django.urls import reverse

from annotator.labeling.models import Assignment, Span
from tests import factories
from tests.factories import PASSWORD

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CODE = (
    "# Copyright 2021 Jane Roe <jane.roe@corp.test>\n"
    "def connect():\n"
    "\treturn db.connect(host='10.0.4.17', password=\"<b>hunter2</b>\")\n"
)
TARGET = "10.0.4.17"

# Viewport coordinates of the characters [start, end) of the code's text.
CHAR_BOXES = """([start, end]) => {
  const code = document.querySelector("[data-code]");
  const walker = document.createTreeWalker(code, NodeFilter.SHOW_TEXT);
  let seen = 0, node, range = document.createRange(), boxes = [];
  while ((node = walker.nextNode())) {
    const len = node.data.length;
    for (const [i, at] of [[0, start], [1, end - 1]]) {
      if (at >= seen && at < seen + len) {
        range.setStart(node, at - seen); range.setEnd(node, at - seen + 1);
        const r = range.getBoundingClientRect();
        boxes[i] = {x: r.left, y: r.top + r.height / 2, w: r.width};
      }
    }
    seen += len;
  }
  return boxes;
}"""


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_alice_selects_a_span_with_the_mouse_and_submits(live_server, page):
    alice = factories.UserFactory(username="alice")
    project = factories.ProjectFactory(name="Secrets in Python", overlap=1)
    first = factories.TaskFactory(project=project, snippet__source_file__content=CODE)
    second = factories.TaskFactory(project=project)

    page.goto(live_server.url + reverse("labeling:home"))
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.click(f"a[href='{reverse('labeling:work', args=[project.pk])}']")
    page.wait_for_selector("[data-code]")
    assert page.eval_on_selector("[data-code]", "el => el.textContent") == first.snippet.text
    page.evaluate("window.__sameDocument = true")

    # Drag from just left of the first character to just right of the last.
    start = first.snippet.text.index(TARGET)
    left, right = page.evaluate(CHAR_BOXES, [start, start + len(TARGET)])
    page.mouse.move(left["x"] + 1, left["y"])
    page.mouse.down()
    page.mouse.move(right["x"] + right["w"] / 2, right["y"], steps=8)
    page.mouse.move(right["x"] + right["w"] - 1, right["y"], steps=2)
    page.mouse.up()
    selected = page.evaluate("window.getSelection().toString()")
    assert selected == TARGET

    page.click("[data-span-form] [data-category=IP_ADDRESS]")
    page.wait_for_selector("mark.span-mark.cat-IP_ADDRESS")
    assert page.inner_text("mark.cat-IP_ADDRESS") == TARGET
    assignment = Assignment.objects.get(annotator=alice, task=first)
    assert assignment.draft_spans[0]["start"] == start

    page.click("[data-submit]")
    page.wait_for_selector(
        f"#labeling-task[data-assignment]:not([data-assignment='{assignment.pk}'])"
    )
    assert page.evaluate("window.__sameDocument") is True  # no full page reload
    nxt = Assignment.objects.get(annotator=alice, task=second)
    assert page.get_attribute("#labeling-task", "data-assignment") == str(nxt.pk)

    span = Span.objects.get(annotation__assignment=assignment)
    assert first.snippet.text[span.start : span.end] == selected
    assert (span.category, span.context) == ("IP_ADDRESS", "real")
    assert page.console_errors == []

"""A validator answers with the keyboard in real Chromium; the verdicts are stored."""

import os

import pytest
from django.urls import reverse

from annotator.labeling.models import Annotation, SpanVerdict
from annotator.projects.models import Project, Task
from annotator.quality import jobs
from tests import factories
from tests.factories import PASSWORD
from tests.quality.flow import HOST, JANE, annotator, label, make_task

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

# Select the characters [start, end) of the code's text, as a mouse drag would.
SELECT = """([start, end]) => {
  const code = document.querySelector("[data-code]");
  const walker = document.createTreeWalker(code, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  let seen = 0, node;
  while ((node = walker.nextNode())) {
    const len = node.data.length;
    if (start >= seen && start < seen + len) range.setStart(node, start - seen);
    if (end > seen && end <= seen + len) range.setEnd(node, end - seen);
    seen += len;
  }
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
}"""


def _login(page, live_server, username):
    page.goto(live_server.url + reverse("accounts:login"))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_alice_judges_spans_with_the_keyboard_and_marks_a_missed_email(live_server, page):
    requester = factories.UserFactory(username="requester", role="requester")
    generation = factories.ProjectFactory(owner=requester, overlap=1)
    checker = factories.ProjectFactory(
        owner=requester,
        dataset=generation.dataset,
        kind=Project.Kind.VALIDATION,
        source_project=generation,
        name="Check the labels",
    )
    task = make_task(generation)
    label(annotator(), generation, [JANE, HOST])
    jobs.task_aggregate(task.pk)
    review = Task.objects.get(project=checker)
    factories.UserFactory(username="alice")

    _login(page, live_server, "alice")
    page.goto(live_server.url + reverse("labeling:validate", args=[checker.pk]))
    page.wait_for_selector("[data-review-item].is-focused")
    assert page.eval_on_selector("[data-code]", "el => el.textContent") == review.snippet.text

    page.keyboard.press("y")  # the name is right; focus moves on to the IP address
    assert page.is_visible('[data-review="1"].is-focused')
    page.keyboard.press("k")
    page.keyboard.press("j")
    page.keyboard.press("r")  # the IP address is wrong
    page.keyboard.press("m")  # and something was missed

    email = review.snippet.text.index("jane.roe@corp.test")
    page.evaluate(SELECT, [email, email + len("jane.roe@corp.test")])
    page.select_option("[data-missed-category]", "EMAIL")
    page.click("[data-add-missed]")
    page.wait_for_selector(".missed-span")
    # The unsent answers survived the round trip to the server.
    assert page.is_checked('[name="verdict-0"][value="accept"]')
    assert page.is_checked('[name="verdict-1"][value="reject"]')
    assert page.is_checked('[data-found="no"]')

    page.locator("[data-review-item]").first.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("text=Nothing to validate")

    answer = Annotation.objects.get(assignment__task=review)
    assert answer.all_found is False
    verdicts = SpanVerdict.objects.filter(annotation=answer).order_by("index")
    assert [(v.index, v.verdict) for v in verdicts] == [(0, "accept"), (1, "reject")]
    assert [(s.start, s.end, s.category) for s in answer.spans.all()] == [
        (email, email + 18, "EMAIL")
    ]
    assert page.console_errors == []

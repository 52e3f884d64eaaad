"""The validation page over HTTP: rendering, htmx partials, access, answers kept."""

import pytest
from django.urls import reverse

from annotator.labeling.models import SpanVerdict
from annotator.projects.models import Task
from annotator.quality import jobs
from tests.quality.flow import CODE, annotator, judge, label, make_task, validation_project

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


@pytest.fixture
def checker(generation):
    return validation_project(generation, overlap=1)


@pytest.fixture
def review(generation, checker):
    text = CODE.replace("Jane Roe", "<b>Jane</b>")  # markup must come out escaped
    task = make_task(generation, text=text)
    label(annotator(), generation, [(17, 28, "NAME")])
    jobs.task_aggregate(task.pk)
    return Task.objects.get(project=checker)


def _url(checker):
    return reverse("labeling:validate", args=[checker.pk])


def test_alice_sees_the_snippet_with_the_span_to_judge(client, alice, checker, review):
    client.force_login(alice)
    response = client.get(_url(checker))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html and 'id="validation-task"' in html
    assert 'data-review="0"' in html and 'name="verdict-0"' in html
    assert "&lt;b&gt;Jane&lt;/b&gt;" in html and "<b>Jane</b>" not in html
    assert "js/validate.js" in html


def test_submitting_by_htmx_answers_with_the_partial_and_stores_verdicts(
    client, alice, checker, review
):
    client.force_login(alice)
    client.get(_url(checker))
    assignment = alice.assignments.get()
    response = client.post(
        reverse("labeling:validate-submit", args=[assignment.pk]),
        {"all_found": "yes", "verdict-0": "reject"},
        headers=HX,
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and 'id="validation-task"' in html
    assert "Submitted." in html and "Nothing to validate" in html
    assert list(SpanVerdict.objects.values_list("index", "verdict")) == [(0, "reject")]


def test_a_missing_answer_is_reported_and_the_chosen_ones_are_kept(client, alice, checker, review):
    client.force_login(alice)
    client.get(_url(checker))
    assignment = alice.assignments.get()
    response = client.post(
        reverse("labeling:validate-submit", args=[assignment.pk]),
        {"verdict-0": "accept"},
        headers=HX,
    )
    html = response.content.decode()
    assert "Say whether every PII was found." in html
    assert 'value="accept" data-verdict="accept" checked' in html


def test_adding_a_missed_span_keeps_the_unsent_answers(client, alice, checker, review):
    client.force_login(alice)
    client.get(_url(checker))
    assignment = alice.assignments.get()
    email = review.snippet.text.index("jane.roe")
    response = client.post(
        reverse("labeling:validate-missed-add", args=[assignment.pk]),
        {"start": email, "end": email + 18, "category": "EMAIL", "verdict-0": "accept",
         "all_found": "no"},
        headers=HX,
    )  # fmt: skip
    html = response.content.decode()
    assert "missed-mark" in html and "jane.roe@corp.test</code>" in html
    assert 'data-verdict="accept" checked' in html and 'value="no" data-found="no" checked' in html
    assignment.refresh_from_db()
    assert assignment.draft_spans[0]["category"] == "EMAIL"


def test_bob_cannot_answer_alices_validation(client, alice, bob, checker, review):
    client.force_login(alice)
    client.get(_url(checker))
    assignment = alice.assignments.get()
    client.force_login(bob)
    response = client.post(
        reverse("labeling:validate-submit", args=[assignment.pk]), {"all_found": "yes"}
    )
    assert response.status_code == 404
    assert not SpanVerdict.objects.exists()


def test_a_generation_project_has_no_validation_page(client, alice, generation):
    client.force_login(alice)
    assert client.get(_url(generation)).status_code == 404


def test_a_plain_post_redirects_back_to_the_page(client, alice, checker, review):
    client.force_login(alice)
    client.get(_url(checker))
    assignment = alice.assignments.get()
    response = client.post(
        reverse("labeling:validate-submit", args=[assignment.pk]),
        {"all_found": "yes", "verdict-0": "accept"},
    )
    assert response.status_code == 302 and response.url == _url(checker)


def test_the_requester_sees_precision_and_recall(client, requester, mallory, checker, review):
    judge(annotator(), checker, ["accept"], all_found=True)
    jobs.validation_decide(review.pk)
    client.force_login(requester)
    html = client.get(_url(checker)).content.decode()
    assert 'data-metric="NAME"' in html
    row = html.split('data-metric="NAME"')[1].split("</tr>")[0]
    assert "<td>1</td><td>1</td><td>0</td>" in row and "1.00" in row
    client.force_login(mallory)
    assert client.get(_url(checker)).status_code == 404

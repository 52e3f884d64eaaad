"""Annotators (table, history, skills, bans), the feedback inbox and its replies as the
annotator sees them, and the simulation results page."""

import json

import pytest
from django.urls import reverse

from annotator.labeling import services as labeling
from annotator.labeling.models import Feedback
from annotator.quality.models import Action, Sanction, Skill, SkillEvent
from tests import factories
from tests.dashboard.conftest import HTMX

pytestmark = pytest.mark.django_db


def test_annotator_table_is_one_query_whatever_the_crowd(
    requester_client, busy, django_assert_max_num_queries
):
    url = reverse("dashboard:annotator-list")
    with django_assert_max_num_queries(6) as captured:
        response = requester_client.get(url)
    baseline = len(captured)
    rows = {row.username: row for row in response.context["page"]}
    assert set(rows) == {"ann", "ben", "vera"}  # vera validated in our other project
    ann, ben = rows["ann"], rows["ben"]
    assert (ann.tasks_done, ben.tasks_done) == (4, 4)  # three tasks and the control task
    assert ann.control_accuracy == 1.0 and ben.control_accuracy == 0.0
    assert ann.earned_cents == 20
    fired = Sanction.objects.filter(annotator=ben).exclude(rule=Sanction.Rule.MANUAL).count()
    assert fired >= 1  # answers in no time: the too-fast rule warned
    assert ben.rules_triggered == fired  # the requester's own warning is not a rule's
    assert ann.median_seconds is not None
    for _ in range(5):
        extra = factories.UserFactory()
        factories.AssignmentFactory(task=busy.tasks[0], annotator=extra)
    with django_assert_max_num_queries(baseline):
        response = requester_client.get(url)
    assert len(response.context["page"]) == 8


def test_annotator_table_filters_to_one_project_as_an_htmx_fragment(requester_client, busy):
    url = reverse("dashboard:annotator-list") + f"?project={busy.checker.pk}"
    response = requester_client.get(url, headers=HTMX)
    html = response.content.decode()
    assert 'id="annotator-table"' in html and "<html" not in html
    assert ">vera<" in html and ">ann<" not in html


def test_annotator_history_and_a_skill_change_with_a_reason(requester_client, requester, busy):
    ann = busy.workers[0]
    url = reverse("dashboard:annotator-detail", args=[ann.pk])
    page = requester_client.get(url)
    assert page.status_code == 200
    assert len(page.context["assignments"]) == 4
    skill_url = reverse("dashboard:annotator-skill", args=[ann.pk])
    response = requester_client.post(skill_url, {"category": "NAME", "value": 40, "reason": " "})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert Skill.objects.get(annotator=ann, category="NAME").value == 90
    response = requester_client.post(
        skill_url, {"category": "NAME", "value": 40, "reason": "Misses names in comments."}
    )
    assert response.status_code == 302
    event = SkillEvent.objects.filter(annotator=ann, category="NAME").first()
    assert (event.old, event.new, event.actor, event.reason) == (
        90, 40, requester, "Misses names in comments."
    )  # fmt: skip


def test_ban_and_unban_through_the_sanction_services(requester_client, busy, mallory):
    ben = busy.workers[1]
    ban_url = reverse("dashboard:annotator-ban", args=[ben.pk])
    missing = requester_client.post(ban_url, {"project": busy.project.pk, "reason": ""})
    assert "This field is required." in missing.content.decode()
    theirs = factories.ProjectFactory(owner=mallory)
    foreign = requester_client.post(ban_url, {"project": theirs.pk, "reason": "No."})
    assert "Select a valid choice" in foreign.content.decode()
    requester_client.post(ban_url, {"project": busy.project.pk, "reason": "Copies answers."})
    ban = Sanction.objects.get(annotator=ben, action=Action.BAN)
    assert ban.reason.startswith("Copies answers.") and ban.lifted_at is None
    rows = {
        r.username: r
        for r in requester_client.get(reverse("dashboard:annotator-list")).context["page"]
    }
    assert rows["ben"].blocked == 1
    requester_client.post(reverse("dashboard:sanction-lift", args=[ban.pk]))
    ban.refresh_from_db()
    assert ban.lifted_at is not None


def test_mallory_cannot_lift_requesters_sanctions(client, mallory, busy):
    client.force_login(mallory)
    sanction = Sanction.objects.get(annotator=busy.workers[1], rule=Sanction.Rule.MANUAL)
    response = client.post(reverse("dashboard:sanction-lift", args=[sanction.pk]))
    assert response.status_code == 404


def report(worker, project, comment="Minified JS, nothing to read."):
    assignment = labeling.assignment_next(annotator=worker, project=project)
    labeling.assignment_report(assignment=assignment, problem="garbled", comment=comment)
    return assignment


def test_inbox_lists_messages_and_reports_and_replies_reach_the_annotator(client, requester, busy):
    ann = busy.workers[0]
    extra = factories.TaskFactory(project=busy.project)
    assignment = report(ann, busy.project)
    client.force_login(ann)
    feedback_url = reverse("labeling:feedback")
    response = client.post(
        feedback_url, {"project": busy.project.pk, "body": "Is a <b>test</b> email PII?"}
    )
    assert response.status_code == 302
    message = Feedback.objects.get(annotation=None)

    client.force_login(requester)
    home = client.get(reverse("dashboard:home"))
    assert home.context["unread"] == 2
    inbox = client.get(reverse("dashboard:inbox"))
    html = inbox.content.decode()
    assert "Is a &lt;b&gt;test&lt;/b&gt; email PII?" in html
    assert "Minified JS, nothing to read." in html
    reply_url = reverse("dashboard:feedback-reply", args=["message", message.pk])
    response = client.post(reply_url, {"reply": "Yes, if it is real."}, headers=HTMX)
    assert f'id="inbox-message-{message.pk}"' in response.content.decode()
    assert "<html" not in response.content.decode()
    report_url = reverse("dashboard:feedback-reply", args=["report", assignment.annotation.pk])
    empty = client.post(report_url, {"reply": ""}, headers=HTMX)
    assert "This field is required." in empty.content.decode()
    client.post(report_url, {"reply": "Skip those, thanks."})
    assert client.get(reverse("dashboard:home")).context["unread"] == 0

    client.force_login(ann)
    page = client.get(feedback_url).content.decode()
    assert "Yes, if it is real." in page and "Skip those, thanks." in page
    assert extra.pk


def test_an_annotator_cannot_write_about_someone_elses_task(client, busy):
    ann, ben = busy.workers
    theirs = ben.assignments.first()
    client.force_login(ann)
    client.post(
        reverse("labeling:feedback") + f"?assignment={theirs.pk}",
        {"project": busy.project.pk, "body": "Hello", "assignment": theirs.pk},
    )
    assert Feedback.objects.get().assignment is None  # not linked to ben's task


def test_simulations_page_shows_the_latest_sweep_or_an_empty_state(
    requester_client, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    url = reverse("dashboard:simulations")
    assert "No simulation results yet" in requester_client.get(url).content.decode()
    folder = tmp_path / "simulations"
    folder.mkdir()
    (folder / "broken.json").write_text("{")
    row = {
        "mix": "<i>mixed</i>", "overlap": 3, "control_rate": 0.1, "final_snippets": 27,
        "assignments_per_snippet": 3.56, "cost_per_snippet_cents": 17.8,
        "f1": {"majority": 0.8, "weighted": 0.8, "dawid_skene": 0.94},
        "low_quality_banned": 1, "low_quality_annotators": 2,
    }  # fmt: skip
    sweep = {"settings": {"files": 40, "seed": 7, "categories": ["NAME"], "reward_cents": 5},
             "rows": [row, {**row, "overlap": 1, "cost_per_snippet_cents": 5.9}]}  # fmt: skip
    (folder / "sweep-1.json").write_text(json.dumps(sweep))
    response = requester_client.get(url)
    html = response.content.decode()
    assert "Latest sweep: sweep-1" in html
    assert "&lt;i&gt;mixed&lt;/i&gt;" in html and "<i>mixed</i>" not in html
    assert 'role="img"' in html and "0.94" in html

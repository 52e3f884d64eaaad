"""End to end: `simulate --url` drives a tiny crowd through a live server and a real
Celery worker, and its report agrees with the database."""

import json
from io import StringIO

import pytest
from celery.contrib.testing.worker import start_worker
from django.core.management import call_command
from django.db.models import Count, Q, Sum

from annotator import celery_app
from annotator.labeling.models import Annotation, Assignment
from annotator.projects.models import Task
from annotator.quality.models import LedgerEntry
from annotator.simulation.server import generous_throttles

CROWD = "accurate=2,careless=1,over_labeler=1,spammer=1,fast_clicker=1"


@pytest.fixture
def report(live_server, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    celery_app.control.purge()  # messages left on this Redis db by earlier runs
    out = StringIO()
    with (
        generous_throttles(),
        start_worker(celery_app, perform_ping_check=False, shutdown_timeout=30),
    ):
        call_command(
            "simulate", "--url", live_server.url, "--no-worker", "--json", "--crowd", CROWD,
            "--files", "3", "--overlap", "2", "--control-rate", "0.2", "--max-tasks", "40",
            "--max-seconds", "30", "--seed", "11", stdout=out,
        )  # fmt: skip
    return json.loads(out.getvalue())


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_report_matches_the_database(report):
    project = report["project"]
    run = report["run"]
    assert run["errors"] == []
    assert run["stopped_by"] in {"done", "max_tasks"}
    assert 0 < run["submitted"] <= 40 + 6  # the budget, plus one in flight per annotator
    submitted = Assignment.objects.filter(
        task__project_id=project, status=Assignment.Status.SUBMITTED
    )
    assert submitted.count() == run["submitted"]
    answers = Annotation.objects.filter(assignment__task__project_id=project, problem="")
    assert report["answers"] == answers.count()
    per_annotator = dict(submitted.values_list("annotator").annotate(n=Count("pk")))
    for annotator in report["annotators"]:
        assert per_annotator.get(annotator["user_id"], 0) == annotator["submitted"]
        assert sorted(annotator["assignments"]) == sorted(
            submitted.filter(annotator_id=annotator["user_id"]).values_list("pk", flat=True)
        )
    paid = LedgerEntry.objects.filter(project_id=project).aggregate(total=Sum("amount_cents"))
    assert report["cost_cents"] == paid["total"]
    tasks = Task.objects.filter(project_id=project)
    final = tasks.filter(is_control=False, submitted_count__gte=2).count()
    assert report["final_snippets"] == final
    assert report["assignments_per_final_snippet"] == pytest.approx(answers.count() / final)
    assert (
        not tasks.annotate(
            n=Count("assignments", filter=Q(assignments__status=Assignment.Status.SUBMITTED))
        )
        .filter(n__gt=2)
        .exists()
    )


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_report_scores_every_method_and_profile(report):
    assert set(report["methods"]) == {"majority", "weighted", "dawid_skene"}
    for figures in report["methods"].values():
        assert set(figures) == {"NAME", "EMAIL", "USERNAME", "IP_ADDRESS", "ALL"}
    profiles = report["profiles"]
    assert set(profiles) == {"accurate", "careless", "over_labeler", "spammer", "fast_clicker"}
    accurate, spammer = (
        profiles["accurate"]["answer_quality"],
        profiles["spammer"]["answer_quality"],
    )
    assert accurate["f1"] > spammer["f1"]
    assert report["agreement"]["tasks"] == report["final_snippets"]

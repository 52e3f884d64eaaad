"""A simulated crowd works a project with hidden control tasks while a real Celery worker
on Redis aggregates each task: the crowd's labels beat every single annotator, and those
who answer control tasks badly lose access on the way."""

import random
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone

from annotator import celery_app
from annotator.labeling import services as labeling
from annotator.projects.models import FinalSpan, Task
from annotator.projects.services import SpanInput
from annotator.quality.jobs import project_reaggregate
from annotator.quality.models import ControlAnswer, QualityPolicy
from annotator.quality.services.access import AccessRefused
from annotator.quality.spans import LabeledSpan, score_spans
from tests import factories
from tests.quality import crowd

REGULAR, CONTROLS = 45, 24
PASSED_QUIZ = 80  # everyone starts with the skill a passed exam gives
CUT_OFF_KINDS = {"spammer", "lazy"}


def _micro_f1(pairs) -> float:
    tp = fp = fn = 0
    for predicted, gold in pairs:
        score = score_spans(predicted, gold)
        tp, fp, fn = tp + score.tp, fp + score.fp, fn + score.fn
    return 2 * tp / (2 * tp + fp + fn)


def _project_with_controls(requester, rng):
    project = factories.ProjectFactory(
        owner=requester, overlap=5, min_skill=40, control_rate=1 / 3,
        aggregation_method="dawid_skene",
    )  # fmt: skip
    # Set up as a requester would for this crowd: a skill needs 5 control answers and 40 %
    # of them right. With 3 answers and 50 %, one or two slips of an accurate annotator in
    # a small sample cut them off (seen with this crowd); spammers still go within ~20 tasks.
    # The accuracy rule counts a control task right only when every category in it is,
    # and acts on a 95 % bound; 25 % (chosen when it acted on the bare share) keeps this
    # test about spammers alone.
    QualityPolicy.objects.update_or_create(
        project=project, defaults={"control_minimum": 5, "accuracy_min": 25}
    )
    snippets = {}
    for n in range(REGULAR + CONTROLS):
        truth = crowd.make_snippet(n, rng)
        content = f"{truth.text}\n# snippet {n}\n"
        gold = None
        if n >= REGULAR:
            gold = [
                {"start": s.start, "end": s.end, "category": s.category, "context": "real"}
                for s in truth.truth
            ]
        task = factories.TaskFactory(
            project=project,
            snippet__source_file__content=content,
            is_control=gold is not None,
            gold_spans=gold,
        )
        snippets[task.pk] = crowd.Snippet(task.pk, content, truth.truth)
    return project, snippets


def _crowd_users():
    users = {}
    for member in crowd.CROWD:
        user = factories.UserFactory(username=f"{member.kind}-{member.id}")
        for category in crowd.CATEGORIES:
            factories.SkillFactory(annotator=user, category=category, value=PASSED_QUIZ)
        users[member.id] = user
    return users


def _answer(member, user, project, snippets, rng):
    """One task for `member`: returns (spans, task) or None when there is none for them."""
    assignment = labeling.assignment_next(annotator=user, project=project)
    if assignment is None:
        return None
    answer = crowd.annotate(member, snippets[assignment.task_id], rng)
    for s in answer.spans:
        span = SpanInput(s.start, s.end, s.category)
        labeling.assignment_span_add(assignment=assignment, span=span)
    labeling.assignment_submit(assignment=assignment, no_pii=not answer.spans)
    return answer.spans, assignment.task


def _work(project, users, snippets, rng, deadline):
    """Everyone works until nobody gets a task; returns answers and who was cut off when."""
    answers: dict[int, list] = {}
    cut_off: dict[int, int] = {}
    reasons: dict[int, list[str]] = {}
    idle: set[int] = set()
    while len(idle) < len(crowd.CROWD) and time.monotonic() < deadline:
        for member in rng.sample(crowd.CROWD, len(crowd.CROWD)):
            if member.id in cut_off:
                idle.add(member.id)
                continue
            try:
                done = _answer(member, users[member.id], project, snippets, rng)
            except AccessRefused as refused:
                cut_off[member.id] = len(answers.get(member.id, []))
                reasons[member.id] = [r.message for r in refused.decision.reasons]
                continue
            if done is None:
                idle.add(member.id)
                continue
            idle.discard(member.id)
            answers.setdefault(member.id, []).append(done)
    return answers, cut_off, reasons


def _wait_for_aggregation(project, deadline: float) -> None:
    while time.monotonic() < deadline:
        if not Task.objects.filter(project=project, status=Task.Status.COMPLETE).exists():
            return
        time.sleep(0.2)


def _wait_until_reaggregated(project, since, deadline: float) -> None:
    regular = Task.objects.filter(project=project, is_control=False)
    while time.monotonic() < deadline and regular.filter(aggregated_at__lte=since).exists():
        time.sleep(0.2)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_spammers_lose_access_through_control_tasks_and_the_crowd_beats_everyone(requester):
    celery_app.control.purge()
    rng = random.Random(20261126)
    project, snippets = _project_with_controls(requester, rng)
    users = _crowd_users()

    deadline = time.monotonic() + 150
    with start_worker(celery_app, perform_ping_check=False, shutdown_timeout=30):
        answers, cut_off, reasons = _work(project, users, snippets, rng, deadline)
        _wait_for_aggregation(project, deadline)
        # Every answer is in: the project-wide Dawid-Skene re-vote (beat does it every 15
        # minutes; here at once) learns who is reliable from the whole project.
        before = timezone.now()
        project_reaggregate.delay(project.pk)
        _wait_until_reaggregated(project, before, deadline)

    kinds = {m.id: m.kind for m in crowd.CROWD}
    # Every spammer and the lazy annotator were refused, after failing control tasks ...
    assert {kinds[m] for m in cut_off} >= CUT_OFF_KINDS
    for member_id, kind in kinds.items():
        if kind in CUT_OFF_KINDS:
            failed = ControlAnswer.objects.filter(annotator=users[member_id], correct=False)
            assert member_id in cut_off and failed.exists()
            assert cut_off[member_id] <= 20, f"{kind} worked {cut_off[member_id]} tasks"
    # ... and no accurate annotator was.
    accurate_cut = [m for m in cut_off if kinds[m] == "accurate"]
    assert not accurate_cut, {m: reasons[m] for m in accurate_cut}

    regular = Task.objects.filter(project=project, is_control=False)
    assert regular.filter(status=Task.Status.FINAL).count() == REGULAR
    assert all(t.aggregated_at for t in regular)  # written by the worker, not this thread
    final = {t.pk: [] for t in regular}
    for s in FinalSpan.objects.filter(task__project=project):
        final[s.task_id].append(LabeledSpan(s.start, s.end, s.category))
    aggregated = _micro_f1((final[t], snippets[t].truth) for t in final)
    single = {
        member: _micro_f1((spans, snippets[task.pk].truth) for spans, task in given)
        for member, given in answers.items()
    }
    print(f"aggregated F1 {aggregated:.3f}; best single {max(single.values()):.3f}; "
          f"cut off after (tasks): {cut_off}")  # fmt: skip
    assert aggregated > max(single.values())

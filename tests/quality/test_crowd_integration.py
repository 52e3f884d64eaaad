"""A simulated crowd labels a generation project through the real services while a real
Celery worker on Redis aggregates each task as it completes."""

import random
import time

import pytest
from celery.contrib.testing.worker import start_worker

from annotator import celery_app
from annotator.labeling import services as labeling
from annotator.projects.models import FinalSpan, Task
from annotator.projects.services import SpanInput
from annotator.quality.spans import LabeledSpan, score_spans
from tests import factories
from tests.quality import crowd

TASKS = 40
SKILL = {"accurate": 90, "careless": 60, "spammer": 5, "lazy": 10}  # as control tasks rate them


def _micro_f1(pairs) -> float:
    tp = fp = fn = 0
    for predicted, gold in pairs:
        score = score_spans(predicted, gold)
        tp, fp, fn = tp + score.tp, fp + score.fp, fn + score.fn
    return 2 * tp / (2 * tp + fp + fn)


def _crowd_users():
    users = {}
    for member in crowd.CROWD:
        user = factories.UserFactory(username=f"{member.kind}-{member.id}")
        for category in crowd.CATEGORIES:
            factories.SkillFactory(annotator=user, category=category, value=SKILL[member.kind])
        users[member.id] = user
    return users


def _work_until_idle(project, users, snippets, rng, answers) -> int:
    """Every member takes and answers tasks until nobody gets one; returns answers given."""
    given = 0
    idle: set[int] = set()
    while len(idle) < len(crowd.CROWD):
        for member in rng.sample(crowd.CROWD, len(crowd.CROWD)):
            assignment = labeling.assignment_next(annotator=users[member.id], project=project)
            if assignment is None:
                idle.add(member.id)
                continue
            idle.discard(member.id)
            answer = crowd.annotate(member, snippets[assignment.task_id], rng)
            for s in answer.spans:
                span = SpanInput(s.start, s.end, s.category)
                labeling.assignment_span_add(assignment=assignment, span=span)
            labeling.assignment_submit(assignment=assignment, no_pii=not answer.spans)
            answers.setdefault(member.id, []).append((answer.spans, assignment.task_id))
            given += 1
    return given


def _wait_for_aggregation(project, deadline: float) -> None:
    """Until no task waits for the worker (COMPLETE), or the deadline passes."""
    while time.monotonic() < deadline:
        if not Task.objects.filter(project=project, status=Task.Status.COMPLETE).exists():
            return
        time.sleep(0.2)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_aggregated_labels_beat_every_single_annotator(requester):
    celery_app.control.purge()  # drop messages left over from earlier runs on this Redis db
    rng = random.Random(20261125)
    project = factories.ProjectFactory(
        owner=requester,
        overlap=5,
        max_overlap=7,
        confidence_threshold=0.6,
        aggregation_method="weighted",
    )
    snippets = {}
    for n in range(TASKS):
        truth = crowd.make_snippet(n, rng)
        content = f"{truth.text}\n# snippet {n}\n"  # unique files; truth offsets unchanged
        task = factories.TaskFactory(project=project, snippet__source_file__content=content)
        snippets[task.pk] = crowd.Snippet(task.pk, content, truth.truth)
    users = _crowd_users()
    answers: dict[int, list] = {}

    deadline = time.monotonic() + 120
    with start_worker(celery_app, perform_ping_check=False, shutdown_timeout=30):
        # Dynamic overlap reopens doubtful tasks after the worker aggregated them.
        while time.monotonic() < deadline:
            given = _work_until_idle(project, users, snippets, rng, answers)
            _wait_for_aggregation(project, deadline)
            if not given and not Task.objects.filter(project=project).exclude(status="final"):
                break

    tasks = Task.objects.filter(project=project)
    assert tasks.filter(status=Task.Status.FINAL).count() == TASKS
    # The worker wrote them: this thread never called the aggregation service.
    assert all(t.aggregated_at and t.aggregation_method == "weighted" for t in tasks)
    assert tasks.filter(agreement_counted=True).count() == TASKS
    extra = sum(t.submitted_count - 5 for t in tasks)
    assert extra > 0 and max(t.submitted_count for t in tasks) <= 7

    final = {t: [] for t in snippets}
    for s in FinalSpan.objects.filter(task__project=project):
        final[s.task_id].append(LabeledSpan(s.start, s.end, s.category))
    aggregated = _micro_f1((final[t], snippets[t].truth) for t in snippets)
    single = {
        member: _micro_f1((spans, snippets[t].truth) for spans, t in given)
        for member, given in answers.items()
    }
    print(f"aggregated F1 {aggregated:.3f}; best single {max(single.values()):.3f}; "
          f"{extra} extra answers from dynamic overlap")  # fmt: skip
    assert aggregated > max(single.values())

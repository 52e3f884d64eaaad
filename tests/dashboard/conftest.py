"""A busy project built with the real services: answers, final spans, validation,
control answers, sanctions and pay, for the dashboard pages to show."""

from dataclasses import dataclass

import pytest

from annotator.accounts.models import User
from annotator.labeling import services as labeling
from annotator.labeling.models import Assignment
from annotator.projects.models import FinalSpan, Project, Task
from annotator.projects.services import SpanInput, control_task_set
from annotator.quality.models import Action, Sanction
from annotator.quality.services import aggregation, rules, validation
from annotator.quality.services.rules import policy_for
from tests import factories
from tests.quality.flow import EMAIL, HOST, JANE, annotator, judge, label, make_task

HTMX = {"HX-Request": "true"}


@dataclass
class Busy:
    project: Project
    checker: Project
    tasks: list[Task]
    control: Task
    workers: list[User]
    validator: User


def _control_answer(worker, control: Task, spans) -> Assignment:
    assignment = factories.AssignmentFactory(task=control, annotator=worker)
    for start, end, category in spans:
        labeling.assignment_span_add(assignment=assignment, span=SpanInput(start, end, category))
    labeling.assignment_submit(assignment=assignment, no_pii=not spans)
    return assignment


def build_busy(requester, dataset) -> Busy:
    project = factories.ProjectFactory(
        owner=requester, dataset=dataset, name="Secrets <b>in</b> Python", overlap=2,
        reward_cents=5, control_rate=0.0,
    )  # fmt: skip
    checker = factories.ProjectFactory(
        owner=requester, dataset=dataset, name="Check secrets", kind=Project.Kind.VALIDATION,
        source_project=project, overlap=1, reward_cents=2,
    )  # fmt: skip
    policy = policy_for(project)
    policy.min_hourly_cents = 100_000  # nobody earns $1000 an hour: the warning shows
    policy.save()
    tasks = [make_task(project) for _ in range(3)]
    control_snippet = make_task(project).snippet
    control = control_task_set(project=project, snippet=control_snippet, gold=[SpanInput(*JANE)])
    ann, ben = annotator("ann", skill=90), annotator("ben", skill=60)
    for _ in tasks:
        label(ann, project, [JANE, EMAIL, HOST])
        label(ben, project, [JANE, HOST])
    for task in tasks:
        aggregation.task_aggregate(task=task)
    validator = annotator("vera", skill=95)
    for task in tasks:
        shown = len(FinalSpan.objects.filter(task=task))
        judge(validator, checker, verdicts=["accept"] * shown, all_found=True)
    for check in checker.tasks.all():
        validation.validation_decide(task=check)  # the job enqueued on commit
    _control_answer(ann, control, [JANE])
    _control_answer(ben, control, [])
    rules.sanction_impose(
        annotator=ben, project=project, rule=Sanction.Rule.MANUAL, action=Action.WARN,
        reason="Please read the instructions.",
    )  # fmt: skip
    return Busy(project, checker, tasks, control, [ann, ben], validator)


@pytest.fixture
def busy(requester, dataset) -> Busy:
    return build_busy(requester, dataset)


@pytest.fixture
def requester_client(client, requester):
    client.force_login(requester)
    return client

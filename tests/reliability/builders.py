"""Projects made through the real services and factories: a project with a bit of
everything (for backups), a project and an annotator for a server in another process."""

from annotator.accounts.models import User
from annotator.labeling import services as labeling
from annotator.projects.services import SpanInput, control_task_set
from annotator.quality import jobs
from annotator.quality.services import pay, rules, skills
from tests import factories
from tests.api.conftest import client_for
from tests.quality.flow import EMAIL, HOST, JANE, annotator, label, make_task


def busy_project(requester):
    """Tasks, a control task, answers, final spans, a skip, sanctions, skills and pay."""
    project = factories.ProjectFactory(
        owner=requester, overlap=2, control_rate=0.0, reward_cents=7, instructions="Mark PII."
    )
    tasks = [make_task(project) for _ in range(4)]
    control = make_task(project)
    control_task_set(
        project=project, snippet=control.snippet, gold=[SpanInput(*JANE)], explanation="Jane."
    )
    ann, ben, cat = (annotator(name, skill=90) for name in ("ann", "ben", "cat"))
    for user in (ann, ben):
        for _ in tasks[:3]:
            label(user, project, [JANE, HOST])
    for task in tasks:
        jobs.task_aggregate(task.pk)
    project.control_rate = 1.0
    project.save(update_fields=["control_rate"])
    label(cat, project, [JANE, EMAIL])  # the control task: one wrong span
    labeling.assignment_skip(assignment=labeling.assignment_next(annotator=cat, project=project))
    skills.skill_set(annotator=cat, category="EMAIL", value=40, reason="Misses", actor=requester)
    sanction = rules.sanction_impose(
        annotator=cat, project=project, rule="manual", action="suspend", reason="Careless",
        actor=requester,
    )  # fmt: skip
    rules.sanction_lift(sanction=sanction, actor=requester)
    pay.ledger_adjust(
        annotator=ben, project=project, amount_cents=25, note="Extra care", actor=requester
    )
    pay.payouts_record(requester=requester)
    return project


def annotator_with_tasks(*, tasks: int) -> dict:
    """An active project of `tasks` open tasks (overlap 1, a reward) and a qualified annotator
    with an API token: what a test needs to drive the API of a server in another process.

    Returns the project's id and the annotator's `Authorization` header.
    """
    requester = factories.UserFactory(username="requester", role=User.Role.REQUESTER)
    project = factories.ProjectFactory(owner=requester, overlap=1, reward_cents=5)
    for _ in range(tasks):
        make_task(project)
    header = client_for(annotator("ann", skill=90))._credentials["HTTP_AUTHORIZATION"]
    return {"project": project.pk, "authorization": header}

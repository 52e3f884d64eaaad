"""A small world with one of everything a URL can point at, and the URL patterns.

`url_patterns()` walks the resolver, so a URL added anywhere shows up in the security
tests (and fails them until it has an expectation).
"""

from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

from annotator.accounts.models import User
from annotator.core.models import Job
from annotator.labeling import services as labeling
from annotator.projects.services import SpanInput, control_task_set
from annotator.quality.services import rules
from tests import factories
from tests.quality.flow import JANE, make_task


@dataclass(frozen=True)
class Pattern:
    name: str  # "app:name", or the route itself when the pattern has no name
    route: str
    params: tuple[str, ...]


def _walk(patterns, prefix: str = "", namespace: str = ""):
    for p in patterns:
        if isinstance(p, URLResolver):
            inner = namespace + (f"{p.namespace}:" if p.namespace else "")
            yield from _walk(p.url_patterns, prefix + str(p.pattern), inner)
        elif isinstance(p, URLPattern):
            route = prefix + str(p.pattern)
            name = namespace + p.name if p.name else route
            yield Pattern(name, route, tuple(p.pattern.converters))


def url_patterns() -> list[Pattern]:
    """Every URL of the site except the Django admin's own (it has its own permissions)."""
    return [
        p
        for p in _walk(get_resolver().url_patterns)
        if not (p.name.startswith("admin:") or p.route.startswith("admin/"))
    ]


@dataclass
class World:
    requester: User
    alice: User
    bob: User
    mallory: User
    admin: User
    project: object
    task: object
    control: object
    assignment: object
    dataset: object
    snippet: object
    job: object
    sanction: object

    def kwargs(self, pattern: Pattern) -> dict:
        values = {
            "project_id": self.project.pk,
            "assignment_id": self.assignment.pk,
            "index": 0,
            "category": "NAME",
            "dataset_id": self.dataset.pk,
            "snippet_id": self.snippet.pk,
            "job_id": self.job.pk,
            "task_id": self.task.pk,
            "annotator_id": self.alice.pk,
            "sanction_id": self.sanction.pk,
            "suggestion_id": 1,
            "kind": "feedback",
            "pk": 1,
        }
        return {name: values[name] for name in pattern.params}


def build_world(*, text: str | None = None) -> World:
    requester = factories.UserFactory(username="requester", role=User.Role.REQUESTER)
    mallory = factories.UserFactory(username="mallory", role=User.Role.REQUESTER)
    admin = factories.UserFactory(username="admin", role=User.Role.ADMIN)
    alice = factories.UserFactory(username="alice")
    for category in ("NAME", "EMAIL", "IP_ADDRESS", "PASSWORD"):
        factories.SkillFactory(annotator=alice, category=category, value=90)
    bob = factories.UserFactory(username="bob")
    project = factories.ProjectFactory(owner=requester, overlap=2)
    task = make_task(project) if text is None else make_task(project, text=text)
    control = make_task(project)
    control_task_set(project=project, snippet=control.snippet, gold=[SpanInput(*JANE)])
    assignment = labeling.assignment_next(annotator=alice, project=project)
    sanction = rules.sanction_impose(
        annotator=bob, project=project, rule="manual", action="warn", reason="Slow down"
    )
    job = Job.objects.create(kind=Job.Kind.IMPORT, owner=requester, params={})
    return World(
        requester=requester, alice=alice, bob=bob, mallory=mallory, admin=admin,
        project=project, task=task, control=control, assignment=assignment,
        dataset=project.dataset, snippet=task.snippet, job=job, sanction=sanction,
    )  # fmt: skip

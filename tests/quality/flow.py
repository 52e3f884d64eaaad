"""Helpers that drive the real labeling and validation services, for the quality tests."""

import itertools

from annotator.labeling import services as labeling
from annotator.projects.models import Project
from annotator.projects.services import SpanInput
from annotator.quality.services import validation
from tests import factories

CODE = (
    "# Copyright 2021 Jane Roe <jane.roe@corp.test>\nHOST = '10.0.4.17'\n\tpassword = 'hunter2'\n"
)
JANE = (17, 25, "NAME")
EMAIL = (27, 45, "EMAIL")
HOST = (55, 64, "IP_ADDRESS")
HOST_AS_PASSWORD = (55, 64, "PASSWORD")
_unique = itertools.count()


def make_task(project, text: str = CODE, **kwargs):
    """A task on a snippet starting with `text` (a trailing line keeps file hashes unique)."""
    content = f"{text}# copy {next(_unique)}\n"
    return factories.TaskFactory(project=project, snippet__source_file__content=content, **kwargs)


def validation_project(generation: Project, **kwargs) -> Project:
    """A validation project checking `generation`'s final spans (same owner and dataset)."""
    return factories.ProjectFactory(
        owner=generation.owner,
        dataset=generation.dataset,
        kind=Project.Kind.VALIDATION,
        source_project=generation,
        **kwargs,
    )


def annotator(name: str | None = None, skill: int | None = None):
    user = factories.UserFactory(username=name or f"worker{next(_unique)}")
    if skill is not None:
        for category in ("NAME", "EMAIL", "IP_ADDRESS", "PASSWORD"):
            factories.SkillFactory(annotator=user, category=category, value=skill)
    return user


def label(user, project: Project, spans=()):
    """`user` takes their next task in `project`, marks `spans` and submits (no spans: no PII)."""
    assignment = labeling.assignment_next(annotator=user, project=project)
    assert assignment is not None, f"{user} got no task"
    for start, end, category in spans:
        labeling.assignment_span_add(assignment=assignment, span=SpanInput(start, end, category))
    labeling.assignment_submit(assignment=assignment, no_pii=not spans)
    return assignment


def judge(user, project: Project, verdicts, all_found=True, missed=()):
    """`user` takes their next validation task, marks `missed` and answers."""
    assignment = labeling.assignment_next(annotator=user, project=project)
    assert assignment is not None, f"{user} got no validation task"
    for start, end, category in missed:
        validation.validation_missed_add(
            assignment=assignment, span=SpanInput(start, end, category)
        )
    validation.validation_submit(
        assignment=assignment, all_found=all_found, verdicts=dict(enumerate(verdicts))
    )
    return assignment

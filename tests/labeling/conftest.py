import itertools

import pytest

from tests import factories

CODE = (
    "# Copyright 2021 Jane Roe <jane.roe@corp.test>\nHOST = '10.0.4.17'\n\tpassword = 'hunter2'\n"
)
JANE = (17, 25)  # "Jane Roe"
HOST = (55, 64)  # "10.0.4.17"
_unique = itertools.count()


def make_task(project, text: str = CODE, **kwargs):
    """A task on a snippet starting with `text` (a trailing line keeps file hashes unique)."""
    content = f"{text}# copy {next(_unique)}\n"
    return factories.TaskFactory(project=project, snippet__source_file__content=content, **kwargs)


@pytest.fixture
def task(project):
    return make_task(project)


@pytest.fixture
def carol(db):
    return factories.UserFactory(username="carol")

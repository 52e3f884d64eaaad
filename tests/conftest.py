"""The fixed cast: `requester` owns the project, `alice` is a qualified annotator,
`bob` lacks the skill, `mallory` is another project's requester."""

import pytest
from django.conf import settings
from django.core.cache import cache

from annotator.accounts.models import User
from annotator.core.taxonomy import Category
from tests import factories
from tests.browser_support import browser, page  # noqa: F401  (fixtures for every folder)


def pytest_configure(config):
    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" not in engine:
        raise pytest.UsageError(
            "Tests run on PostgreSQL only: set DATABASE_URL "
            "(make test does: postgres://postgres@127.0.0.1:5432/annotator)."
        )


@pytest.fixture(autouse=True)
def _empty_cache():
    # Throttle counters and job progress live in the cache (Redis): no test sees another's.
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The cast's passwords are hashed in every test; the production hasher costs ~0.3 s each.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def requester(db) -> User:
    return factories.UserFactory(username="requester", role=User.Role.REQUESTER)


@pytest.fixture
def mallory(db) -> User:
    return factories.UserFactory(username="mallory", role=User.Role.REQUESTER)


@pytest.fixture
def alice(db) -> User:
    user = factories.UserFactory(username="alice")
    for category in Category.values:
        factories.SkillFactory(annotator=user, category=category, value=90)
    return user


@pytest.fixture
def bob(db) -> User:
    return factories.UserFactory(username="bob")


@pytest.fixture
def dataset(requester):
    return factories.DatasetFactory(owner=requester)


@pytest.fixture
def project(requester, dataset):
    return factories.ProjectFactory(owner=requester, dataset=dataset)

import pytest
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from annotator.accounts.models import User
from tests import factories


@pytest.fixture(autouse=True)
def _fresh_throttles(db):
    # Throttle counters live in the cache (Redis): start every test with none.
    cache.clear()


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # The cast's passwords are hashed per test; the real hasher costs ~0.3 s a user.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def admin(db) -> User:
    """An admin by role, not a superuser: the role alone must open every door."""
    return factories.UserFactory(username="admin", role=User.Role.ADMIN)


@pytest.fixture
def anon() -> APIClient:
    return APIClient()


def client_for(user: User) -> APIClient:
    """A client that authenticates the way scripts do: `Authorization: Token <key>`."""
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def as_requester(requester) -> APIClient:
    return client_for(requester)


@pytest.fixture
def as_alice(alice) -> APIClient:
    return client_for(alice)


@pytest.fixture
def snippets(dataset):
    """Three one-file snippets in the requester's dataset."""
    return [factories.SnippetFactory(source_file__dataset=dataset) for _ in range(3)]

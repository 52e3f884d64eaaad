import pytest

from tests import factories


@pytest.fixture
def generation(requester, dataset):
    """A generation project whose tasks each need one answer (validation tests check it)."""
    return factories.ProjectFactory(owner=requester, dataset=dataset, overlap=1)

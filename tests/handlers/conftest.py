"""Fixtures of the handler tests: PostgreSQL from deploy/local, no broker, no HTTP."""

import pytest

from ops.directory.demo import build_demo_directory
from tests.handlers.consumer_layer import consumer_pool

pytestmark = pytest.mark.handlers


@pytest.fixture(scope="session")
def small_directory():
    return build_demo_directory(communes=2, cells_per_commune=(3, 3), members_per_cell=(4, 4))


@pytest.fixture
async def pool():
    """A pool on services/commitments' schema, reset and migrated: the consumer tests' database."""
    async for pool in consumer_pool():
        yield pool

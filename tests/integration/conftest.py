"""Fixtures of the integration tests (real Kafka and PostgreSQL from deploy/local)."""

import pytest

from neuguong.runtime.auth import generate_key_pair
from ops.directory.demo import build_demo_directory
from tests.integration.harness import Stack, delete_topics, new_prefix, reset_schemas

pytestmark = pytest.mark.integration


@pytest.fixture(scope="session")
def key_pair(tmp_path_factory):
    private, public = generate_key_pair()
    path = tmp_path_factory.mktemp("keys") / "jwt-public.pem"
    path.write_bytes(public)
    return private, path


@pytest.fixture
async def system(key_pair):
    await reset_schemas()
    private, public_file = key_pair
    stack = Stack(prefix=new_prefix(), private_key=private, public_key_file=public_file)
    yield stack
    await delete_topics(stack.prefix)


@pytest.fixture(scope="session")
def small_directory():
    return build_demo_directory(communes=2, cells_per_commune=(3, 3), members_per_cell=(4, 4))

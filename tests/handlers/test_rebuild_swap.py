"""The rebuild's swap beside a query that reads several tables in one transaction: the query answers and the
swap completes, where a swap that took its locks one table at a time closed a deadlock with it."""

import asyncio

import pytest

from ops.rebuild import _empty_schema, _swap
from tests.integration.harness import admin_connection

LIVE, FRESH, RETIRED = "swaptest", "swaptest_rebuild", "swaptest_retired"


@pytest.fixture
async def schemas():
    conn = await admin_connection()
    for schema in (LIVE, FRESH, RETIRED):
        await conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}")
    for schema, value in ((LIVE, "old"), (FRESH, "new")):
        for table in ("a", "b"):
            await conn.execute(
                f"CREATE TABLE {schema}.{table} (v text); INSERT INTO {schema}.{table} VALUES ('{value}')"
            )
    try:
        yield conn
    finally:
        for schema in (LIVE, FRESH, RETIRED):
            await conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        await conn.close()


async def test_a_query_holding_one_table_and_reading_another_is_answered_and_the_swap_follows(schemas):
    reader, swapper = await admin_connection(), await admin_connection()
    try:
        reading = reader.transaction()
        await reading.start()
        assert await reader.fetchval(f"SELECT v FROM {LIVE}.b") == "old"  # holds b, as a figures query does
        swap = asyncio.create_task(_swap(swapper, LIVE, FRESH, RETIRED))
        await asyncio.sleep(0.3)
        assert not swap.done()  # it waits for the reader without holding anything
        assert await reader.fetchval(f"SELECT v FROM {LIVE}.a") == "old"  # before: deadlock detected after 1 s
        await reading.commit()
        await asyncio.wait_for(swap, timeout=10)
        assert await reader.fetchval(f"SELECT v FROM {LIVE}.a") == "new"
        assert await reader.fetchval(f"SELECT v FROM {RETIRED}.b") == "old"
        assert await reader.fetchval(f"SELECT count(*) FROM pg_tables WHERE schemaname = '{FRESH}'") == 0
    finally:
        await reader.close()
        await swapper.close()


async def test_the_functions_go_with_their_generations_tables(schemas):
    """Each generation's functions move with its tables and its schema_migrations: the live schema then has the
    functions of the release that rebuilt it (outbox_next, idempotency_recall), and the rebuild schema is left
    empty for the next rebuild's migrations."""
    for schema, answer in ((LIVE, 1), (FRESH, 42)):
        await schemas.execute(f"CREATE FUNCTION {schema}.answer() RETURNS int LANGUAGE sql AS 'SELECT {answer}'")
    await schemas.execute(f"CREATE FUNCTION {FRESH}.only_new() RETURNS int LANGUAGE sql AS 'SELECT 2'")
    await schemas.execute(f"CREATE FUNCTION {RETIRED}.answer() RETURNS int LANGUAGE sql AS 'SELECT 0'")  # older
    await _swap(schemas, LIVE, FRESH, RETIRED)
    assert await schemas.fetchval(f"SELECT {LIVE}.answer()") == 42
    assert await schemas.fetchval(f"SELECT {LIVE}.only_new()") == 2
    assert await schemas.fetchval(f"SELECT {RETIRED}.answer()") == 1
    assert await schemas.fetchval(f"SELECT v FROM {LIVE}.a") == "new"
    routines = "SELECT count(*) FROM pg_proc WHERE pronamespace = $1::regnamespace"
    assert await schemas.fetchval(routines, FRESH) == 0
    await _empty_schema(schemas, FRESH)
    await schemas.execute(f"CREATE FUNCTION {FRESH}.answer() RETURNS int LANGUAGE sql AS 'SELECT 43'")

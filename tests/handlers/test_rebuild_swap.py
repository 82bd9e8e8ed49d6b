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


async def test_after_a_swap_the_rebuild_schema_is_emptied_of_its_functions_too_so_migrations_run_again(schemas):
    """A swap moves tables, not the functions the rebuild's migrations created (idempotency_recall); the
    next rebuild empties the schema and runs the same migrations into it."""
    function = f"CREATE FUNCTION {FRESH}.answer() RETURNS int LANGUAGE sql AS 'SELECT 42'"
    await schemas.execute(function)
    await _swap(schemas, LIVE, FRESH, RETIRED)
    await _empty_schema(schemas, FRESH)
    await schemas.execute(function)  # DuplicateFunctionError had the function stayed
    assert await schemas.fetchval(f"SELECT {FRESH}.answer()") == 42
    assert await schemas.fetchval(f"SELECT v FROM {LIVE}.a") == "new"

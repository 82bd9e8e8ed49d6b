"""The rebuild's swap beside a query that reads several tables in one transaction: the query answers and the
swap completes, where a swap that took its locks one table at a time closed a deadlock with it."""

import asyncio

import pytest

from ops.rebuild import _swap
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

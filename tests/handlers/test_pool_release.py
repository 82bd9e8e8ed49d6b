"""A service's pool gives a released connection back without asyncpg's reset query (one round trip less before
every command's answer), and still rolls back a transaction left open."""

import asyncpg
import pytest

pytestmark = pytest.mark.handlers


async def test_a_released_connection_is_not_reset_but_an_open_transaction_is_rolled_back(pool):
    sent: list[str] = []

    def note(logged: asyncpg.connection.LoggedQuery) -> None:
        sent.append(logged.query)

    conn = await pool.acquire()
    conn.add_query_logger(note)
    async with conn.transaction():
        await conn.execute(
            "INSERT INTO idempotency (actor, key, request_hash, status_code, response) "
            "VALUES ('a', 'kept', 'h', 201, '{}')"
        )
    await conn.execute("BEGIN")
    await conn.execute(
        "INSERT INTO idempotency (actor, key, request_hash, status_code, response) "
        "VALUES ('a', 'left-open', 'h', 201, '{}')"
    )
    await pool.release(conn)

    assert not any("RESET ALL" in query or "pg_advisory_unlock_all" in query for query in sent), sent
    assert sent[-1] == "ROLLBACK"
    assert await pool.fetchval("SELECT array_agg(key) FROM idempotency") == ["kept"]

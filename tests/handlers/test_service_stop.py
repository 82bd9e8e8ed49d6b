"""A service stops even when a connection of its pool is never given back (asyncpg's own close would wait
for it for ever) or a Kafka client never finishes its goodbye: teardowns under load once hung ten minutes on
each."""

import asyncio
import time

import asyncpg
import pytest

from neuguong.runtime import service
from neuguong.runtime.db import create_pool
from tests.handlers.consumer_layer import SETTINGS

pytestmark = pytest.mark.handlers


async def test_a_connection_never_given_back_does_not_keep_the_pool_from_closing(monkeypatch, caplog):
    monkeypatch.setattr(service, "POOL_CLOSE_SECONDS", 0.5)
    pool = await create_pool(SETTINGS)
    held = await pool.acquire()  # a task that leaked its connection
    await held.execute("BEGIN")
    started = time.monotonic()
    await asyncio.wait_for(service.close_pool(pool), timeout=5)
    assert time.monotonic() - started < 3
    assert pool._closed
    with pytest.raises(asyncpg.InterfaceError):  # its session is gone with its open transaction
        await held.fetchval("SELECT 1")
    assert "connections still in use when stopping" in caplog.text


async def test_a_pool_whose_connections_came_back_closes_at_once():
    pool = await create_pool(SETTINGS)
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT 1") == 1
    started = time.monotonic()
    await service.close_pool(pool)
    assert time.monotonic() - started < 1 and pool._closed


async def test_a_step_of_stopping_that_never_ends_is_cancelled_after_its_bound(monkeypatch, caplog):
    monkeypatch.setattr(service, "STOP_STEP_SECONDS", 0.3)
    never = asyncio.Event()
    step = asyncio.ensure_future(never.wait())  # a client whose goodbye never comes back
    started = time.monotonic()
    await asyncio.wait_for(service.stop_within(step, "broker"), timeout=5)
    assert time.monotonic() - started < 2
    assert step.cancelled()
    assert "a step of stopping did not finish" in caplog.text


async def test_a_step_that_ends_in_time_is_waited_for():
    done = []

    async def stop() -> None:
        await asyncio.sleep(0.05)
        done.append(True)

    await service.stop_within(stop(), "relay")
    assert done == [True]

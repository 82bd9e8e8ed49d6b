"""Two relays racing for one outbox on the real broker and database: when the leader's session is terminated,
or the leader is paused (SIGSTOP, in a process of its own), the other relay leads within the stated bound,
while commands keep staging events; no event is lost and none of a key comes before an earlier one of that key
(first occurrences), and a paused leader that wakes up can no longer mark rows."""

import asyncio
import contextlib
import os
import signal
import sys
import time
from collections import defaultdict
from collections.abc import AsyncIterator

from prometheus_client import CollectorRegistry

from neuguong.runtime import outbox
from neuguong.runtime.leadership import takeover_bound
from neuguong.runtime.metrics import RuntimeMetrics
from neuguong.runtime.relay import OutboxRelay
from schemas import CommitmentFiled, decode
from schemas.topics import COMMITMENTS
from tests.integration.harness import admin_connection, eventually

LEASE = {"relay_lease_seconds": 3.0, "relay_poll_seconds": 0.2}
KEYS, PER_KEY = 5, 40
META = outbox.EventMeta(producer="commitments", actor="test", correlation_id="takeover")


async def stage_steadily(pool) -> None:
    """KEYS members file a commitment for each of PER_KEY years, one event per transaction, as commands do."""
    for n in range(KEYS * PER_KEY):
        key, year = n % KEYS, 2000 + n // KEYS
        event = CommitmentFiled(commitment_id=f"k{key}-{year}", member_id=f"m{key}", cell_id="lc-c1", year=year)
        async with pool.acquire() as conn, conn.transaction():
            await outbox.record(conn, META, (event, ["lc", "lc-c1"]))
        await asyncio.sleep(0.02)


async def stage_one(pool, year: int) -> int:
    """A command accepted while the leader is paused: its outbox row's id."""
    event = CommitmentFiled(commitment_id=f"late-{year}", member_id="late", cell_id="lc-c1", year=year)
    async with pool.acquire() as conn, conn.transaction():
        (envelope,) = await outbox.record(conn, META, (event, ["lc", "lc-c1"]))
        return await conn.fetchval("SELECT id FROM outbox WHERE event_id = $1", envelope.event_id)


async def marked(pool, row_id: int) -> bool:
    return await pool.fetchval("SELECT published_at IS NOT NULL FROM outbox WHERE id = $1", row_id)


async def term(pool) -> int:
    return await pool.fetchval("SELECT term FROM relay_leadership")


async def term_after(pool, old: int) -> bool:
    return await term(pool) > old


async def all_marked(pool) -> bool:
    return await pool.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL") == 0


async def nothing_lost_or_reordered(system, late: int = 0) -> int:
    """Check the topic: every staged event (and `late` ones), each key's years in order of first occurrence;
    the number of duplicates."""
    records = await system.read_topic(COMMITMENTS.name, at_least=KEYS * PER_KEY + late)
    first_years: dict[str, list[int]] = defaultdict(list)
    seen: set[str] = set()
    for record in records:
        envelope = decode(record.value)
        if str(envelope.event_id) not in seen:
            seen.add(str(envelope.event_id))
            first_years[envelope.payload["member_id"]].append(envelope.payload["year"])
    assert len(seen) == KEYS * PER_KEY + late
    years = list(range(2000, 2000 + PER_KEY))
    assert all(first_years[f"m{key}"] == years for key in range(KEYS)), dict(first_years)
    return len(records) - len(seen)


async def test_the_other_relay_leads_when_the_leaders_session_is_terminated(system):
    async with system.service("commitments", **LEASE) as commitments:
        runtime, pool = commitments.runtime, commitments.runtime.pool
        standby = OutboxRelay(runtime.settings, pool, RuntimeMetrics(CollectorRegistry()))
        await standby.start()
        writer = asyncio.create_task(stage_steadily(pool))
        try:
            await asyncio.sleep(1.0)
            before = await term(pool)
            admin = await admin_connection()
            try:
                holder = await admin.fetchval(
                    "SELECT a.pid FROM pg_locks l JOIN pg_stat_activity a USING (pid) WHERE l.locktype = 'advisory'"
                    " AND l.classid = 1 AND l.granted AND a.application_name = 'commitments-relay'"
                    " AND a.datname = current_database()"  # another pytest worker's relays hold theirs in its own
                )
                assert await admin.fetchval("SELECT pg_terminate_backend($1)", holder)
            finally:
                await admin.close()
            stopped = time.monotonic()
            await eventually(lambda: term_after(pool, before), timeout=takeover_bound(runtime.settings) + 5)
            assert time.monotonic() - stopped <= takeover_bound(runtime.settings)
            await writer
            await eventually(lambda: all_marked(pool), timeout=30)
        finally:
            writer.cancel()
            await standby.stop()
        await nothing_lost_or_reordered(system)


@contextlib.asynccontextmanager
async def relay_process(system, **env_vars: str) -> AsyncIterator[tuple[asyncio.subprocess.Process, list[str]]]:
    """services/commitments' relay in a process of its own (tests/integration/relay_process.py); its output lines."""
    settings = system.settings("commitments", **LEASE)
    variables = {
        **os.environ,
        "NG_SERVICE": "commitments",
        "NG_ENVIRONMENT": "test",
        "NG_TOPIC_PREFIX": system.prefix,
        "NG_PG_DATABASE": settings.pg_database,
        "NG_RELAY_LEASE_SECONDS": str(settings.relay_lease_seconds),
        "NG_RELAY_POLL_SECONDS": str(settings.relay_poll_seconds),
        "NG_LAG_INTERVAL_SECONDS": "0.5",
        **env_vars,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.integration.relay_process", env=variables, stdout=asyncio.subprocess.PIPE
    )
    lines: list[str] = []

    async def read() -> None:
        assert process.stdout is not None
        async for line in process.stdout:
            lines.append(line.decode().strip())

    reader = asyncio.create_task(read())
    try:
        yield process, lines
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGCONT)
            process.kill()
        await process.wait()
        reader.cancel()


async def said(lines: list[str], prefix: str) -> bool:
    return any(line.startswith(prefix) for line in lines)


async def test_the_other_relay_leads_within_the_bound_when_the_leader_is_paused(system):
    async with system.service("commitments", **LEASE) as commitments:
        runtime, pool = commitments.runtime, commitments.runtime.pool
        await runtime.relay.stop()  # the relay in the other process leads first
        async with relay_process(system) as (leader, lines):
            await eventually(lambda: said(lines, "leading"), timeout=20)
            await runtime.relay.start()
            writer = asyncio.create_task(stage_steadily(pool))
            await asyncio.sleep(1.0)
            before = await term(pool)
            leader.send_signal(signal.SIGSTOP)
            paused = time.monotonic()
            late = await stage_one(pool, 2100)
            bound = takeover_bound(runtime.settings)
            await eventually(lambda: marked(pool, late), timeout=bound + 5)  # published by the other relay
            took = time.monotonic() - paused
            assert await term(pool) > before and runtime.relay.is_leader
            assert took <= bound + 1.0, took  # + starting the new leader's producer and one round
            await writer
            leader.send_signal(signal.SIGCONT)  # it wakes up to find its session ended
            await eventually(lambda: all_marked(pool), timeout=30)
        await nothing_lost_or_reordered(system, late=1)


async def test_a_leader_paused_between_publish_and_mark_is_fenced_when_it_wakes(system):
    async with system.service("commitments", **LEASE) as commitments:
        runtime, pool = commitments.runtime, commitments.runtime.pool
        await runtime.relay.stop()
        async with relay_process(system, NG_TEST_STOP_AFTER_PUBLISH="1") as (leader, lines):
            await eventually(lambda: said(lines, "leading"), timeout=20)
            await runtime.relay.start()
            writer = asyncio.create_task(stage_steadily(pool))
            await eventually(lambda: said(lines, "stopping after publishing"), timeout=20)
            before, paused = await term(pool), time.monotonic()
            await eventually(lambda: term_after(pool, before), timeout=takeover_bound(runtime.settings) + 5)
            assert time.monotonic() - paused <= takeover_bound(runtime.settings) + 0.5  # + two statements
            await writer
            await eventually(lambda: all_marked(pool), timeout=30)
            leader.send_signal(signal.SIGCONT)  # it goes on to mark what it published: refused
            await eventually(lambda: said(lines, "fenced"), timeout=10)
        assert await nothing_lost_or_reordered(system) > 0  # what it published before the pause, sent again

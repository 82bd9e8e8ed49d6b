"""`neuguong projections rebuild`: replay the topics into fresh tables, then swap them in atomically.

The new generation is built in `<schema>_rebuild` while the live tables keep answering; the swap moves
the live tables to `<schema>_retired` and the new ones in, in one transaction. Events that arrived
meanwhile are then applied to the new tables; the inbox makes any overlap with the live consumer a no-op.

Tables rebuilt from a topic whose oldest records are gone (its log start offset above zero: a finite
retention, or records deleted) would count less than the live ones: the rebuild refuses to swap them in,
unless told to accept the missing history.
"""

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass

import asyncpg
from aiokafka import AIOKafkaConsumer, TopicPartition
from prometheus_client import CollectorRegistry

from neuguong.runtime.consumer import EventConsumer
from neuguong.runtime.db import create_pool, migrate
from neuguong.runtime.kafka import client_options
from neuguong.runtime.metrics import RuntimeMetrics
from neuguong.runtime.service import ServiceDefinition
from neuguong.runtime.settings import Settings
from neuguong.runtime.topics import topic_partitions
from ops.progress import Progress

log = logging.getLogger(__name__)

SELECT_TABLES = "SELECT tablename FROM pg_tables WHERE schemaname = $1 ORDER BY tablename"


SWAP_PATIENCE_SECONDS = 30.0
REPLAY_BATCH = 2000
"""Records per replayed batch (one transaction, one fold)."""


async def _swap(conn: asyncpg.Connection, live: str, fresh: str, retired: str) -> None:
    """The live tables to `retired`, the rebuilt ones to `live`, in one transaction. Every table of both is
    locked at once with NOWAIT before anything moves: a swap that waited for one table while holding another
    could close a cycle with a query reading several of them (PostgreSQL then cancels one side, and the
    query answered 500). Never waiting while holding a lock, the swap cannot deadlock; while queries hold the
    tables it tries again every 50 ms, for up to SWAP_PATIENCE_SECONDS."""
    deadline = asyncio.get_running_loop().time() + SWAP_PATIENCE_SECONDS
    while True:
        try:
            async with conn.transaction():
                moving = {
                    schema: [r["tablename"] for r in await conn.fetch(SELECT_TABLES, schema)]
                    for schema in (live, fresh)
                }
                names = [f'"{schema}"."{table}"' for schema, tables in moving.items() for table in tables]
                await conn.execute(f"LOCK TABLE {', '.join(names)} IN ACCESS EXCLUSIVE MODE NOWAIT")
                await _empty_schema(conn, retired)
                for table in moving[live]:
                    await conn.execute(f'ALTER TABLE "{live}"."{table}" SET SCHEMA "{retired}"')
                for table in moving[fresh]:
                    await conn.execute(f'ALTER TABLE "{fresh}"."{table}" SET SCHEMA "{live}"')
                # The functions go with their generation's tables (and its schema_migrations, which names the
                # migrations that created them): a rebuild by a newer release brings the functions its
                # migrations made, one by an older release leaves none behind that a newer migration creates.
                for schema, to in ((live, retired), (fresh, live)):
                    for row in await conn.fetch(SELECT_ROUTINES, schema):
                        await conn.execute(f'ALTER ROUTINE {row["routine"]} SET SCHEMA "{to}"')
            return
        except asyncpg.LockNotAvailableError:
            if asyncio.get_running_loop().time() > deadline:
                raise RuntimeError(
                    f"rebuild: the tables of {live} stayed in use for {SWAP_PATIENCE_SECONDS:.0f} s; the rebuilt"
                    f" tables wait in {fresh}, run the rebuild again"
                ) from None
            await asyncio.sleep(0.05)


class HistoryMissing(Exception):
    """Some partition no longer starts at offset 0: the events before its log start offset are gone."""

    def __init__(self, starts: Mapping[TopicPartition, int]) -> None:
        self.starts = dict(starts)
        gaps = [f"{tp.topic}[{tp.partition}] starts at offset {offset}" for tp, offset in sorted(starts.items())]
        super().__init__(f"history missing: {', '.join(gaps)}")


async def missing_history(settings: Settings, partitions: list[TopicPartition]) -> dict[TopicPartition, int]:
    """The partitions whose log start offset is above zero, with that offset."""
    if not partitions:
        return {}
    consumer = AIOKafkaConsumer(**client_options(settings), enable_auto_commit=False, group_id=None)
    await consumer.start()
    try:
        # Assigned first, so that the client's metadata knows the partitions' leaders from one update: unknown
        # to it, each topic costs a failed lookup and a retry backoff, 0,3-0,7 s for the projections' topics.
        consumer.assign(partitions)
        starts = await consumer.beginning_offsets(partitions)
    finally:
        await consumer.stop()
    return {tp: offset for tp, offset in starts.items() if offset > 0}


async def _refuse_missing_history(settings: Settings, partitions: list[TopicPartition], accept: bool) -> None:
    gaps = await missing_history(settings, partitions)
    if gaps and not accept:
        raise HistoryMissing(gaps)
    if gaps:
        log.warning("rebuilding from a history with its start missing", extra={"gaps": str(HistoryMissing(gaps))})


@dataclass(frozen=True)
class Rebuilt:
    """What a rebuild did."""

    replayed: int
    caught_up: int
    digests: dict[str, tuple[str, str]]  # table: (live before the swap, rebuilt)


async def table_digest(conn: asyncpg.Connection, schema: str, table: str, columns: str) -> str:
    """A digest of a table's rows (the given columns): equal rows, in any order, give equal digests.

    Each row is hashed by its columns' own hash functions with two seeds (128 bits in all), each row hash mixed
    once more (as a number, all 64 bits of it: hashint8extended would fold them to 32 first), and the mixed
    hashes summed: no row is turned into text and nothing is sorted (140-150 ms for 165.000 inbox-shaped rows,
    against 390-400 ms for the md5 of the sorted rows' text, measured together). The mixing matters: a row hash
    is a weighted sum of its column hashes, so plain sums of row hashes stay equal when two rows swap a value
    (two units' figures, two members' ratings). The sums are exact (numeric) and count each row as often as it
    occurs. Values their type calls equal hash alike (jsonb `1.0` and `1.00`), as the read model compares them;
    every column type of the services has an extended hash function (json, point or xml would not)."""
    return await conn.fetchval(
        "SELECT md5(count(*)"
        " || ':' || coalesce(sum(hash_numeric_extended(hash_record_extended(r, 0)::numeric, 0)::numeric), 0)"
        " || ':' || coalesce(sum(hash_numeric_extended(hash_record_extended(r, 1)::numeric, 1)::numeric), 0))"
        f' FROM (SELECT {columns} FROM "{schema}"."{table}") AS r'
    )


SELECT_ROUTINES = "SELECT p.oid::regprocedure::text AS routine FROM pg_proc p WHERE p.pronamespace = $1::regnamespace"


async def _empty_schema(conn: asyncpg.Connection, schema: str) -> None:
    """Drop the tables and the functions of a schema (the retired generation before a swap; the rebuild schema
    before a rebuild, should an earlier one have stopped before its swap)."""
    for row in await conn.fetch(SELECT_TABLES, schema):
        await conn.execute(f'DROP TABLE IF EXISTS "{schema}"."{row["tablename"]}" CASCADE')
    for row in await conn.fetch(SELECT_ROUTINES, schema):
        await conn.execute(f"DROP ROUTINE IF EXISTS {row['routine']} CASCADE")  # regprocedure text is qualified


async def _replay(
    settings: Settings,
    applier: EventConsumer,
    partitions: list[TopicPartition],
    start: Mapping[TopicPartition, int] | None,
    label: str,
) -> tuple[int, dict[TopicPartition, int]]:
    """Apply every record from `start` (or the beginning) to the end offsets of now; return count and ends."""
    # "earliest" also for the reset that assign() starts on its own: with "latest" it can land after
    # seek_to_beginning and move the position to the end (aiokafka applies whichever reset answers last).
    consumer = AIOKafkaConsumer(
        **client_options(settings), enable_auto_commit=False, group_id=None, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        consumer.assign(partitions)
        ends = await consumer.end_offsets(partitions)
        if start is None:
            await consumer.seek_to_beginning(*partitions)
        else:
            for tp in partitions:
                consumer.seek(tp, start[tp])
        firsts = {tp: await consumer.position(tp) for tp in partitions}
        progress = Progress(label, sum(ends[tp] - firsts[tp] for tp in partitions))
        replayed, applying = 0, None
        try:
            while any([await consumer.position(tp) < ends[tp] for tp in partitions]):
                # One batch per fetch, its partitions together, larger than a service's: the fold saves by the
                # batch. It is read (decoded) while the batch before it is written, then written after it.
                fetched = await consumer.getmany(timeout_ms=1000, max_records=REPLAY_BATCH)
                records = tuple(r for tp, rs in fetched.items() for r in rs if r.offset < ends[tp])
                if not records:
                    continue
                events = [applier.read(record) for record in records]
                if applying is not None:
                    written, applying = applying, None
                    await written
                applying = asyncio.create_task(applier.settle(records, events))
                replayed += len(records)
                progress.advance(len(records))
            if applying is not None:
                written, applying = applying, None
                await written
        finally:
            if applying is not None:  # not awaited yet: the replay failed elsewhere meanwhile
                if not applying.done():
                    applying.cancel()
                (outcome,) = await asyncio.gather(applying, return_exceptions=True)
                if isinstance(outcome, Exception):  # say this failure too, not only the one being raised
                    log.error("a replayed batch failed as well", exc_info=outcome)
        progress.close()
        return replayed, ends
    finally:
        await consumer.stop()


async def rebuild(
    definition: ServiceDefinition,
    settings: Settings,
    read_model: Mapping[str, str],
    *,
    swap: bool = True,
    accept_missing_history: bool = False,
) -> Rebuilt:
    """Rebuild the service's tables from its topics; `read_model` maps tables to compare to their columns.

    Raises HistoryMissing, before building and again before swapping, when a partition's history does not
    start at offset 0, unless `accept_missing_history`."""
    live, fresh, retired = settings.pg_schema, f"{settings.pg_schema}_rebuild", f"{settings.pg_schema}_retired"
    metrics = RuntimeMetrics(CollectorRegistry())
    topics = [settings.topic(t) for t in definition.consumes]
    partitions = await topic_partitions(settings, topics)
    if swap:
        await _refuse_missing_history(settings, partitions, accept_missing_history)
    shadow_pool = await create_pool(settings, schema=fresh)
    live_pool = await create_pool(settings)
    try:
        async with shadow_pool.acquire() as conn:
            await _empty_schema(conn, fresh)
        await migrate(shadow_pool, definition.package_dir)

        def applier(pool: asyncpg.Pool) -> EventConsumer:
            """The service's handlers, as its consumer applies them, without dead letters."""
            return EventConsumer(
                settings,
                pool,
                metrics,
                definition.handlers,
                list(definition.consumes),
                dead_letters=False,
                batch_scope=definition.batch_scope,
            )

        replayed, ends = await _replay(settings, applier(shadow_pool), partitions, None, f"rebuild {live}")

        async def digest(schema: str, table: str, columns: str) -> str:
            async with live_pool.acquire() as conn:
                return await table_digest(conn, schema, table, columns)

        # Every table of both schemas at once, each on a connection of its own: PostgreSQL hashes them in parallel.
        pairs = await asyncio.gather(
            *(asyncio.gather(digest(live, t, c), digest(fresh, t, c)) for t, c in read_model.items())
        )
        digests = {table: (pair[0], pair[1]) for table, pair in zip(read_model, pairs, strict=True)}
        if not swap:
            return Rebuilt(replayed, 0, digests)
        await _refuse_missing_history(settings, partitions, accept_missing_history)  # retention may act meanwhile
        async with live_pool.acquire() as conn:
            await _swap(conn, live, fresh, retired)
        log.info("rebuilt tables swapped in", extra={"schema": live, "replayed": replayed})
        caught_up, _ = await _replay(settings, applier(live_pool), partitions, ends, "catch up")
        return Rebuilt(replayed, caught_up, digests)
    finally:
        await shadow_pool.close()
        await live_pool.close()

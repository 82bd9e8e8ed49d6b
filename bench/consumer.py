"""The inbox consumer: how fast services/projections applies CommitmentFiled, against raw readers.

    python -m bench.consumer --events 20000

N CommitmentFiled envelopes (distinct members, unit path province/commune/cell) are published to
the run's own commitments topic first. Then, on the same records:

1. Baselines without any work: a raw aiokafka consumer (manual assignment, fetches of `--batch`)
   reading every record and doing nothing, then json-decoding each, then decoding each into the
   Envelope model (schemas.decode, what the runtime does).
2. The runtime: services/projections started in this process with run_service (migrations, topics,
   FastStream broker, batch subscriber, relay), timed until its own metrics count N events applied
   (read in process every 20 ms; until 2026-12-03 a count(*) of its inbox, a query the baselines did not
   have beside them); the lc figure and the inbox are checked to hold N. Two figures: from the call to
   run_service (start-up and group join included) and steady state (from the first applied batch to the
   last).
3. The same SQL effect without the runtime, on the same tables (emptied in between): a raw
   consumer, one asyncpg transaction per fetched batch, offsets committed after it. First per
   event (the first 5.000 events): schemas.decode, the inbox claim and the service's own handler
   (what the runtime runs, minus FastStream and metrics); then set-based: the inbox and the figures
   only (one statement each per batch, figures summed in Python: the baseline the performance issue
   named), and the service's whole effect folded as the service folds it
   (services/projections/fold.py: inbox, acts, figures; three statements per batch).
4. The service again on a topic of its own with the first 5.000 of the same events, its handlers one
   event at a time (no fold): the "before" of the set-based projections, in the same run.

`--json PATH` writes the comparisons for `make bench`.
"""

import asyncio
import json
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace

from aiokafka import AIOKafkaConsumer
from prometheus_client import CollectorRegistry

from bench.common import (
    Figure,
    arguments,
    bench_slice,
    commitment_events,
    comparison,
    kafka,
    publish_events,
    quiet,
    report,
    settings,
    topic_partitions,
    vi_decimal,
    wait_for,
    write_results,
)
from neuguong.numbers import vi_number
from neuguong.runtime.collector import tune_for_throughput
from neuguong.runtime.consumer import CLAIM_IN_INBOX
from neuguong.runtime.db import create_pool
from neuguong.runtime.service import ServiceDefinition, run_service
from neuguong.runtime.topics import ensure_topics
from schemas import decode, read_payload
from schemas.topics import ALL_TOPICS, COMMITMENTS, dead_letter_topic
from services.projections import fold, logic, store
from services.projections.app import DEFINITION
from services.projections.handlers import HANDLERS

BULK_INBOX = """
INSERT INTO inbox (event_id, event_type, topic, partition, "offset")
SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::int[], $5::bigint[])
ON CONFLICT (event_id) DO NOTHING
RETURNING event_id
"""
BULK_FIGURES = """
INSERT INTO unit_figures (unit_id, period, figure, value)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[])
ON CONFLICT (unit_id, period, figure) DO UPDATE SET value = unit_figures.value + excluded.value
"""


async def publish(bootstrap: str, topic: str, count: int) -> int:
    """Publish `count` CommitmentFiled envelopes; returns the average body size."""
    return await publish_events(bootstrap, topic, commitment_events(count), "bench-consumer")


async def read_all(
    bootstrap: str,
    topic: str,
    count: int,
    batch: int,
    work: Callable[[list], Awaitable[None]],
    *,
    group: str | None = None,
) -> float:
    """Read `count` records from the beginning, calling `await work(records)` per fetch."""
    consumer = AIOKafkaConsumer(**kafka(bootstrap), group_id=group, enable_auto_commit=False, max_poll_records=batch)
    await consumer.start()
    try:
        partitions = await topic_partitions(consumer, topic)
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        seen, started = 0, time.perf_counter()
        while seen < count:
            # One fetch (up to `batch` records over all partitions) is one unit of work, as in the runtime.
            fetched = await consumer.getmany(timeout_ms=500, max_records=batch)
            records = [record for batch_records in fetched.values() for record in batch_records]
            if not records:
                continue
            await work(records)
            if group is not None:
                await consumer.commit({partition: rs[-1].offset + 1 for partition, rs in fetched.items() if rs})
            seen += len(records)
        return time.perf_counter() - started
    finally:
        await consumer.stop()


async def nothing(records) -> None:
    return None


async def json_decode(records) -> None:
    for record in records:
        json.loads(record.value)


async def envelope_decode(records) -> None:
    for record in records:
        decode(record.value)


def per_event_sql(pool, prefix: str):
    """The runtime's per-event work without the runtime: decode, claim the inbox row, call the service's
    own handler; one transaction per fetched batch. No FastStream, no metrics."""

    async def work(records) -> None:
        async with pool.acquire() as conn, conn.transaction():
            for record in records:
                envelope = decode(record.value)
                claimed = await conn.execute(
                    CLAIM_IN_INBOX,
                    envelope.event_id,
                    envelope.event_type,
                    record.topic.removeprefix(prefix),
                    record.partition,
                    record.offset,
                )
                if claimed.endswith(" 0"):
                    continue
                await HANDLERS[envelope.event_type](conn, read_payload(envelope), envelope)

    return work


async def claim_in_bulk(conn, records, envelopes, prefix: str) -> set:
    """The batch's inbox rows in one statement; the ids of the events not applied before."""
    rows = await conn.fetch(
        BULK_INBOX,
        [e.event_id for e in envelopes],
        [e.event_type for e in envelopes],
        [r.topic.removeprefix(prefix) for r in records],
        [r.partition for r in records],
        [r.offset for r in records],
    )
    return {row["event_id"] for row in rows}


def folded_sql(pool, prefix: str):
    """The service's whole effect set-based: one inbox claim, then its handlers into a fold applied once
    (services/projections/fold.py); no FastStream, no metrics."""

    async def work(records) -> None:
        envelopes = [decode(record.value) for record in records]
        async with pool.acquire() as conn, conn.transaction():
            claimed = await claim_in_bulk(conn, records, envelopes, prefix)
            async with fold.folded(conn):
                for envelope in envelopes:
                    if envelope.event_id in claimed:
                        await HANDLERS[envelope.event_type](conn, read_payload(envelope), envelope)

    return work


def set_based_sql(pool, prefix: str):
    """Inbox and figures only, two statements per batch: inbox rows in bulk, figures summed in Python."""

    async def work(records) -> None:
        envelopes = [decode(record.value) for record in records]
        async with pool.acquire() as conn, conn.transaction():
            claimed = await claim_in_bulk(conn, records, envelopes, prefix)
            totals: Counter[tuple[str, str, str]] = Counter()
            for envelope in envelopes:
                if envelope.event_id not in claimed:
                    continue
                event = read_payload(envelope)
                for unit in envelope.unit_path:
                    for figure in logic.commitment_figures(event):
                        totals[(unit, str(event.year), figure)] += 1
            keys = list(totals)
            await conn.execute(
                BULK_FIGURES,
                [k[0] for k in keys],
                [k[1] for k in keys],
                [k[2] for k in keys],
                [totals[k] for k in keys],
            )

    return work


@dataclass
class ServiceRun:
    started: float
    up: float
    first_at: float
    first_count: int
    done: float
    batches: int


def applied_events(registry: CollectorRegistry) -> int:
    """Events the service's consumer applied so far, by its own metrics."""
    return int(
        sum(
            sample.value
            for metric in registry.collect()
            if metric.name == "neuguong_events_consumed"
            for sample in metric.samples
            if sample.name.endswith("_total") and sample.labels.get("outcome") == "applied"
        )
    )


async def service_run(definition: ServiceDefinition, config, events: int) -> ServiceRun:
    """services/projections (as `definition` says) started in this process until it applied `events`."""
    started = time.perf_counter()
    registry = CollectorRegistry()
    async with run_service(definition, config, registry) as runtime:
        up = time.perf_counter()
        pool = runtime.pool
        first: tuple[float, int] | None = None

        async def applied() -> bool:
            # From the service's own counter (counted once a batch committed), not a count(*) of its inbox every
            # 20 ms: the baselines run without such a query beside them.
            nonlocal first
            count = applied_events(registry)
            if count and first is None:
                first = (time.perf_counter(), count)
            return count >= events

        await wait_for(applied, timeout=600, interval=0.02)
        done = time.perf_counter()
        async with pool.acquire() as conn:
            total = (await store.select_figures(conn, "lc", "2026")).get("commitments_filed")
            # A transaction's inbox rows share processed_at (now()); a batch is one per lane it filled.
            batches = await conn.fetchval("SELECT count(DISTINCT processed_at) FROM inbox")
            inbox = await conn.fetchval("SELECT count(*) FROM inbox")
        if total != events or inbox != events:
            raise SystemExit(f"projections: lc counts {total} commitments, its inbox {inbox} rows; expected {events}")
    assert first is not None
    return ServiceRun(started, up, first[0], first[1], done, batches)


async def main() -> None:
    args = arguments(__doc__.splitlines()[0], events=20000, batch=500)
    quiet()
    tune_for_throughput()  # as `neuguong serve` does; every figure of the run, baselines too, runs with it
    async with bench_slice("projections") as prefix:
        config = settings("projections", prefix, consumer_batch_size=args.batch, lag_interval_seconds=5.0)
        bootstrap = config.kafka_bootstrap
        topic = prefix + COMMITMENTS.name
        await ensure_topics(config, [*ALL_TOPICS, dead_letter_topic(config.service)])
        body_bytes = await publish(bootstrap, topic, args.events)

        raw_nothing = await read_all(bootstrap, topic, args.events, args.batch, nothing)
        raw_json = await read_all(bootstrap, topic, args.events, args.batch, json_decode)
        raw_envelope = await read_all(bootstrap, topic, args.events, args.batch, envelope_decode)

        run = await service_run(DEFINITION, config, args.events)

        before = min(args.events, 5000)  # the one-by-one runs: ~450 events/s here, a steady rate within seconds
        pool = await create_pool(config)
        try:
            sql_figures = []
            for name, make in (
                ("same handler per event, asyncpg, no runtime", per_event_sql),
                ("set-based, inbox + figures only (2 statements per batch)", set_based_sql),
                ("set-based, the service's fold (3 statements per batch), no runtime", folded_sql),
            ):
                await pool.execute("TRUNCATE inbox, unit_figures, member_acts")
                count = before if make is per_event_sql else args.events  # per event: a steady rate is enough
                seconds = await read_all(
                    bootstrap,
                    topic,
                    count,
                    args.batch,
                    make(pool, prefix),
                    group=f"{prefix}bench-{len(sql_figures)}",
                )
                async with pool.acquire() as conn:
                    total = (await store.select_figures(conn, "lc", "2026")).get("commitments_filed")
                if total is None or total < count:  # the last fetch may go past `count`
                    raise SystemExit(f"{name}: lc counts {total}, expected {count} or more")
                sql_figures.append(Figure(name, total, seconds))
        finally:
            await pool.close()

    async with bench_slice("projections") as prefix:  # the same events on topics of their own
        config = settings("projections", prefix, consumer_batch_size=args.batch, lag_interval_seconds=5.0)
        await ensure_topics(config, [*ALL_TOPICS, dead_letter_topic(config.service)])
        await publish(config.kafka_bootstrap, prefix + COMMITMENTS.name, before)
        unfolded = await service_run(replace(DEFINITION, batch_scope=None), config, before)

    figures = [
        Figure("raw aiokafka consumer, no work", args.events, raw_nothing),
        Figure("raw consumer + json.loads", args.events, raw_json),
        Figure("raw consumer + schemas.decode (pydantic)", args.events, raw_envelope),
        Figure(
            "projections service, from start",
            args.events,
            run.done - run.started,
            note=f"start-up {vi_decimal(run.up - run.started)} s, "
            f"first batch after {vi_decimal(run.first_at - run.up)} s",
        ),
        Figure(
            "projections service, steady state",
            args.events - run.first_count,
            run.done - run.first_at,
            note=f"{vi_number(run.batches)} transactions of "
            f"{vi_decimal(args.events / run.batches, 1)} events on average",
        ),
        Figure(
            "projections service, handlers one by one (no fold), steady",
            before - unfolded.first_count,
            unfolded.done - unfolded.first_at,
        ),
        *sql_figures,
    ]
    report(
        "inbox consumer (services/projections, CommitmentFiled)",
        figures,
        reference="raw aiokafka consumer, no work",
        params={"events": args.events, "batch": args.batch, "body bytes": body_bytes},
    )
    print("   SQL figures commit Kafka offsets per batch like the runtime; the raw reads commit nothing.")
    steady = figures[4].rate
    write_results(
        args.json,
        [
            comparison(
                "projections consumer, steady state",
                steady,
                "events/s",
                sql_figures[1].name,
                sql_figures[1].rate,
                "≥ 1,3×",
            ),
            comparison(
                "projections consumer, steady state", steady, "events/s", sql_figures[2].name, sql_figures[2].rate
            ),
            comparison("projections consumer, steady state", steady, "events/s", figures[5].name, figures[5].rate),
            comparison("projections consumer, steady state", steady, "events/s", figures[0].name, figures[0].rate),
        ],
    )


if __name__ == "__main__":
    asyncio.run(main())

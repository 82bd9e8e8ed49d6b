"""The outbox relay: how fast staged events reach Kafka (publish, then mark), against a raw producer.

    python -m bench.relay --events 30000

1. N CommitmentFiled events are staged in the outbox of services/commitments through
   neuguong.runtime.outbox.record, `--chunk` events per transaction (staging is timed too).
2. Baseline: a raw aiokafka producer (idempotent, acks=all, otherwise the same defaults as the
   service's broker) sends the same bodies, keys and headers to a twin topic: once firing every
   send and waiting at the end (the producer's ceiling), once waiting for each `--batch` like the
   relay does (what the relay's batch-then-wait loop could reach at best).
3. The service's OutboxRelay (started the way run_service starts it: leader lock, LISTEN/NOTIFY,
   batches of NG_RELAY_BATCH_SIZE) drains the outbox; timed until no row is left unpublished.
   Its phases overlap (the next batch is selected and the previous one marked while a batch is in
   flight); the time spent in each is printed.
"""

import asyncio
import time

from aiokafka import AIOKafkaProducer
from prometheus_client import CollectorRegistry

from bench.common import (
    Figure,
    arguments,
    bench_slice,
    commitment_events,
    comparison,
    create_topics,
    kafka,
    quiet,
    report,
    settings,
    vi_decimal,
    wait_for,
    write_results,
)
from neuguong.numbers import vi_number
from neuguong.runtime import outbox
from neuguong.runtime.collector import tune_for_throughput
from neuguong.runtime.relay import OutboxRelay
from neuguong.runtime.service import run_service
from schemas.topics import COMMITMENTS
from services.commitments.app import DEFINITION


class TimedRelay(OutboxRelay):
    """The service's relay, unchanged, with the time of each phase of each batch written down (the phases
    overlap: a batch's select and the previous batch's mark run while a batch is in flight)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.batches = 0
        self.selecting = 0.0
        self.publishing = 0.0
        self.marking = 0.0
        self.observing = 0.0

    async def _select(self, leaving_out):
        started = time.perf_counter()
        try:
            return await super()._select(leaving_out)
        finally:
            self.selecting += time.perf_counter() - started

    async def _publish(self, rows):
        started = time.perf_counter()
        try:
            return await super()._publish(rows)
        finally:
            self.batches += 1
            self.publishing += time.perf_counter() - started

    async def _mark(self, rows) -> None:
        started = time.perf_counter()
        try:
            await super()._mark(rows)
        finally:
            self.marking += time.perf_counter() - started

    async def _housekeep(self, conn) -> None:
        started = time.perf_counter()
        await super()._housekeep(conn)
        self.observing += time.perf_counter() - started


async def raw_producer(bootstrap: str, topic: str, rows, *, wait_every: int | None) -> float:
    """Send every row with a bare idempotent producer; seconds until the last ack."""
    producer = AIOKafkaProducer(**kafka(bootstrap), enable_idempotence=True, acks="all")
    await producer.start()
    try:
        started = time.perf_counter()
        step = wait_every or len(rows)
        for start in range(0, len(rows), step):
            sends = [
                await producer.send(
                    topic,
                    row["body"],
                    key=row["key"].encode(),
                    headers=[(k, v.encode()) for k, v in row["headers"].items()],
                )
                for row in rows[start : start + step]
            ]
            await asyncio.gather(*sends)
        return time.perf_counter() - started
    finally:
        await producer.stop()


async def main() -> None:
    args = arguments(__doc__.splitlines()[0], events=30000, chunk=500, batch=500)
    quiet()
    tune_for_throughput()  # as `neuguong serve` does; the raw producer of the same run runs with it too
    async with bench_slice("commitments") as prefix:
        config = settings("commitments", prefix, relay_batch_size=args.batch, relay_poll_seconds=1.0)
        pool_rows = None
        async with run_service(DEFINITION, config, CollectorRegistry()) as runtime:
            await runtime.relay.stop()  # the timed relay takes over below
            pool = runtime.pool

            # The twin topics of the baseline, created early so their leaders are elected by then.
            twin = prefix + "raw." + COMMITMENTS.name
            twin_batched = prefix + "rawbatched." + COMMITMENTS.name
            await create_topics(
                config.kafka_bootstrap, [(twin, COMMITMENTS.partitions), (twin_batched, COMMITMENTS.partitions)]
            )

            events = commitment_events(args.events)
            meta = outbox.EventMeta(producer="commitments", actor="bench", correlation_id="bench-relay")
            started = time.perf_counter()
            for start in range(0, len(events), args.chunk):
                async with pool.acquire() as conn, conn.transaction():
                    await outbox.record(conn, meta, *events[start : start + args.chunk])
            staging = Figure(
                "staging: outbox.record",
                args.events,
                time.perf_counter() - started,
                note=f"{vi_number(args.chunk)} per transaction",
            )

            pool_rows = await pool.fetch("SELECT topic, key, body, headers FROM outbox ORDER BY id")
            body_bytes = sum(len(r["body"]) for r in pool_rows) // len(pool_rows)
            await raw_producer(config.kafka_bootstrap, twin, pool_rows[:2000], wait_every=None)  # warm-up
            raw_all = await raw_producer(config.kafka_bootstrap, twin, pool_rows, wait_every=None)
            raw_batched = await raw_producer(config.kafka_bootstrap, twin_batched, pool_rows, wait_every=args.batch)

            relay = TimedRelay(config, pool, runtime.metrics)
            started = time.perf_counter()
            await relay.start()
            await wait_for(
                lambda: pool.fetchval("SELECT NOT EXISTS (SELECT 1 FROM outbox WHERE published_at IS NULL)"),
                timeout=600,
                interval=0.02,
            )
            relay_seconds = time.perf_counter() - started
            await relay.stop()

            published = await end_offsets(config.kafka_bootstrap, prefix + COMMITMENTS.name)
            if published != args.events:
                raise SystemExit(f"relay: {published} records on the topic, expected {args.events}")

    figures = [
        Figure("raw aiokafka producer, all in flight", args.events, raw_all),
        Figure(f"raw aiokafka producer, wait every {vi_number(args.batch)}", args.events, raw_batched),
        Figure(
            "OutboxRelay (publish + mark)",
            args.events,
            relay_seconds,
            note=f"{vi_number(relay.batches)} batches, overlapping: select {vi_decimal(relay.selecting)} s, "
            f"publish {vi_decimal(relay.publishing)} s, mark {vi_decimal(relay.marking)} s, "
            f"housekeeping {vi_decimal(relay.observing)} s",
        ),
        staging,
    ]
    report(
        "outbox relay → Kafka",
        figures,
        reference="raw aiokafka producer, all in flight",
        params={"events": args.events, "relay batch": args.batch, "body bytes": body_bytes},
    )
    relay_rate = figures[2].rate
    write_results(
        args.json,
        [
            comparison(
                "relay: events/s (publish + mark)",
                relay_rate,
                "events/s",
                "raw aiokafka producer, all in flight",
                figures[0].rate,
                "≥ 0,8×",
            ),
            comparison(
                "relay: events/s (publish + mark)",
                relay_rate,
                "events/s",
                f"raw producer waiting every {vi_number(args.batch)}",
                figures[1].rate,
            ),
        ],
    )


async def end_offsets(bootstrap: str, topic: str) -> int:
    """How many records a topic holds (it is fresh: its start offsets are 0)."""
    from bench.common import topic_size

    return await topic_size(bootstrap, topic)


if __name__ == "__main__":
    asyncio.run(main())

"""The consumer layer of the handler tests: services/commitments' consumer as it runs, on FastStream's
TestKafkaBroker (no Kafka) and the real PostgreSQL, its schema reset and migrated as in layer.py. Offsets
commits and rewinds are recorded by a stand-in for the Kafka consumer; dead letters by a subscriber of the
dead-letter topic on the same broker."""

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import asyncpg
from aiokafka import ConsumerRecord, TopicPartition
from faststream.kafka import KafkaBroker, TestKafkaBroker
from faststream.kafka.annotations import KafkaMessage
from prometheus_client import CollectorRegistry

from neuguong.runtime.consumer import EventConsumer, Handler
from neuguong.runtime.db import create_pool, migrate
from neuguong.runtime.metrics import RuntimeMetrics
from neuguong.runtime.settings import Settings
from schemas import Event, encode, wrap
from schemas.inspections import DisciplineImposed, Target
from services import definition
from tests.integration.harness import env, reset_schemas

COMMITMENTS = definition("commitments")
SETTINGS = Settings(
    service="commitments",
    environment="test",
    pg_database=env("NG_PG_DATABASE", "neuguong_test"),
    consumer_retry_backoff_seconds=0.01,
    consumer_max_attempts=2,
)


@dataclass
class Offsets:
    """Stands in for the Kafka consumer behind each subscriber: when offsets were committed, where rewound."""

    pool: asyncpg.Pool
    inbox_at_commit: list[int] = field(default_factory=list)
    committed: list[dict[tuple[str, int], int]] = field(default_factory=list)
    rewound_to: list[tuple[str, int, int]] = field(default_factory=list)

    async def commit(self, offsets: dict[TopicPartition, int]) -> None:
        # Read from another connection: only what the batch's transaction committed is visible.
        self.inbox_at_commit.append(await self.pool.fetchval("SELECT count(*) FROM inbox"))
        self.committed.append({(p.topic, p.partition): offset for p, offset in offsets.items()})

    def seek(self, partition: TopicPartition, offset: int) -> None:
        self.rewound_to.append((partition.topic, partition.partition, offset))


@dataclass
class Running:
    """The consumer subscribed on a TestKafkaBroker, with its dead letters as they were published."""

    broker: KafkaBroker
    consumer: EventConsumer
    offsets: Offsets
    letters: list[KafkaMessage]

    async def publish(self, topic: str, *values: bytes) -> None:
        """One batch of `values` on `topic`, as TestKafkaBroker delivers a batch; returns once it is written."""
        await self.broker.publish_batch(*values, topic=topic)
        await self.consumer.settled()

    async def deliver(self, topic: str, *records: ConsumerRecord, settled: bool = True) -> None:
        """One batch of hand-made records (headers, offsets), handed to the subscriber as TestKafkaBroker does;
        returns once it is written, or with `settled=False` as the subscriber's handler returns."""
        (subscriber,) = [s for s in self.consumer.subscribers if s.topics[0].name == topic]
        await subscriber.process_message(list(records))
        if settled:
            await self.consumer.settled()

    def consumed(self, event_type: str, outcome: str) -> float:
        labels = {"group": self.consumer.group, "event_type": event_type, "outcome": outcome}
        return self.consumer.metrics.registry.get_sample_value("neuguong_events_consumed_total", labels) or 0


async def consumer_pool() -> AsyncIterator[asyncpg.Pool]:
    """A pool on services/commitments' schema, reset and migrated."""
    await reset_schemas()
    pool = await create_pool(SETTINGS)
    try:
        await migrate(pool, COMMITMENTS.package_dir)
        yield pool
    finally:
        await pool.close()


@contextlib.asynccontextmanager
async def running(pool: asyncpg.Pool, **handlers: Handler) -> AsyncIterator[Running]:
    """services/commitments' consumer (its handler table, some entries replaced) on a TestKafkaBroker."""
    broker = KafkaBroker()
    consumer = EventConsumer(
        SETTINGS, pool, RuntimeMetrics(CollectorRegistry()), {**COMMITMENTS.handlers, **handlers}, COMMITMENTS.consumes
    )
    consumer.subscribe(broker)
    letters: list[KafkaMessage] = []

    @broker.subscriber(consumer.dlq_topic)
    async def dead_letter(message: KafkaMessage) -> None:
        letters.append(message)

    async with TestKafkaBroker(broker):
        offsets = Offsets(pool)
        for subscriber in consumer.subscribers:
            subscriber.consumer = offsets  # type: ignore[assignment]
        yield Running(broker, consumer, offsets, letters)


def unreachable_for(unit_ids: set[str]) -> Handler:
    """The service's handler for units, failing as a database gone away for the units in `unit_ids` (a set
    the test may empty to bring the database back)."""

    async def database_gone(conn: asyncpg.Connection, event: Any, envelope: Any) -> None:
        if event.unit_id in unit_ids:
            raise asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed in the middle of operation")
        await COMMITMENTS.handlers["OrgUnitRegistered"](conn, event, envelope)

    return database_gone


def body(event: Event, **changes: Any) -> bytes:
    """The bytes of an event's envelope, with `changes` made to the envelope."""
    envelope = wrap(event, producer="test", actor="test", unit_path=["lc"], correlation_id="consumer-test")
    return encode(envelope.model_copy(update=changes))


def record(topic: str, value: bytes, offset: int, headers: list[tuple[str, bytes]] = ()) -> ConsumerRecord:
    return ConsumerRecord(
        topic=topic,
        partition=2,
        offset=offset,
        timestamp=1_780_000_000_000,
        timestamp_type=0,
        key=b"k",
        value=value,
        checksum=None,
        serialized_key_size=1,
        serialized_value_size=len(value),
        headers=list(headers),
    )


def discipline(member_id: str) -> DisciplineImposed:
    return DisciplineImposed(
        target=Target(kind="member", id=member_id),
        discipline_id=f"kl-{member_id}",
        measure="reprimand",
        decided_on=date(2026, 5, 4),
        reason="Vi phạm quy chế",
        decided_by_unit="lc",
    )


async def count(pool: asyncpg.Pool, table: str) -> int:
    return await pool.fetchval(f"SELECT count(*) FROM {table}")

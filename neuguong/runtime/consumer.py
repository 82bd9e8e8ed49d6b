"""Consumers: batches applied once through the inbox, failures retried then dead-lettered."""

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

import asyncpg
from aiokafka import ConsumerRecord
from aiokafka.errors import KafkaError
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage

from neuguong.runtime.logs import correlation_id
from neuguong.runtime.metrics import RuntimeMetrics
from neuguong.runtime.settings import Settings
from schemas import Envelope, Event, EventDecodeError, decode, read_payload
from schemas.topics import dead_letter_topic

log = logging.getLogger(__name__)

Handler = Callable[[asyncpg.Connection, Event, Envelope], Awaitable[None]]
"""Applies one event inside the consumer's open transaction."""

CLAIM_IN_INBOX = """
INSERT INTO inbox (event_id, event_type, topic, partition, "offset")
VALUES ($1, $2, $3, $4, $5) ON CONFLICT (event_id) DO NOTHING
"""
# A whole batch claimed in one statement; RETURNING names the events not applied before.
CLAIM_BATCH_IN_INBOX = """
INSERT INTO inbox (event_id, event_type, topic, partition, "offset")
SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::int[], $5::bigint[])
ON CONFLICT (event_id) DO NOTHING RETURNING event_id
"""


class PermanentFailure(Exception):
    """An event that can never be applied, however often it is tried."""


# Failures of the infrastructure, not of the event: the batch waits and is read again, never dead-lettered.
TRANSIENT = (
    OSError,
    TimeoutError,
    KafkaError,
    asyncpg.InterfaceError,
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.OperatorInterventionError,
    asyncpg.exceptions.InsufficientResourcesError,  # disk full, out of memory, too many connections
    asyncpg.exceptions.InvalidAuthorizationSpecificationError,  # a password being rotated
    asyncpg.exceptions.ReadOnlySQLTransactionError,  # a standby during a failover
    asyncpg.exceptions.SerializationError,
    asyncpg.exceptions.DeadlockDetectedError,
)


def is_transient(error: BaseException | None) -> bool:
    """True when retrying later can succeed whatever the event says (database or network down)."""
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, TRANSIENT):
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False


@dataclass
class _Position:
    next_offset: int
    timestamp_ms: int


class EventConsumer:
    """One consumer group: a batch subscriber over the topics its handler table needs."""

    def __init__(
        self,
        settings: Settings,
        pool: asyncpg.Pool,
        metrics: RuntimeMetrics,
        handlers: Mapping[str, Handler],
        topics: list[str],
        group: str | None = None,
        dead_letters: bool = True,
    ) -> None:
        self.settings = settings
        self.pool = pool
        self.metrics = metrics
        self.handlers = handlers
        self.topics = [settings.topic(t) for t in topics]
        self.group = group or settings.consumer_group
        self.dlq_topic = settings.topic(dead_letter_topic(settings.service).name)
        self.dead_letters = dead_letters
        self.positions: dict[tuple[str, int], _Position] = {}
        self._lag_labels: set[tuple[str, str]] = set()
        self.broker: KafkaBroker | None = None
        self.subscriber = None

    def subscribe(self, broker: KafkaBroker) -> None:
        """Register the batch subscriber on the service's broker (manual offset commits)."""
        self.broker = broker

        async def on_batch(message: KafkaMessage) -> None:
            await self.consume_batch(message)

        self.subscriber = broker.subscriber(
            *self.topics,
            group_id=self.group,
            batch=True,
            max_records=self.settings.consumer_batch_size,
            auto_offset_reset="earliest",
            ack_policy=AckPolicy.MANUAL,
            decoder=_no_decode,
            title=f"{self.group}:batch",
        )
        self.subscriber(on_batch)

    async def consume_batch(self, message: KafkaMessage) -> None:
        """Settle a batch, then commit its offsets; a batch that cannot be settled is read again."""
        records: tuple[ConsumerRecord, ...] = message.raw_message
        if not isinstance(records, tuple):
            records = (records,)
        try:
            await self.settle(records)
        except Exception:
            # The database or the dead-letter topic is unreachable: wait, then read the batch again.
            log.exception("batch could not be settled; it will be read again")
            await message.nack()
            await asyncio.sleep(self.settings.consumer_retry_backoff_seconds * 10)
            return
        await message.ack()
        self._advance(records)

    async def settle(self, records: tuple[ConsumerRecord, ...]) -> None:
        """Apply a batch in one transaction; on failure, one by one with retries and dead letters."""
        try:
            async with self.pool.acquire() as conn, conn.transaction():
                outcomes = await self._apply_batch(conn, records)
            self._count(outcomes)
        except Exception as error:
            if is_transient(error):
                raise
            log.warning("batch failed; applying its events one by one", exc_info=True)
            for record in records:
                await self._apply_alone(record)

    async def _apply_batch(self, conn: asyncpg.Connection, records: tuple[ConsumerRecord, ...]) -> list[tuple[str, str]]:
        """Claim every handled event of the batch in one statement, then apply the new ones in order."""
        outcomes, handled = [], []
        for record in records:
            try:
                envelope = decode(record.value)
            except EventDecodeError as error:
                raise PermanentFailure(str(error)) from error
            if envelope.event_type in self.handlers:
                handled.append((record, envelope))
            else:
                outcomes.append((envelope.event_type, "ignored"))
        if not handled:
            return outcomes
        fresh = {row["event_id"] for row in await conn.fetch(
            CLAIM_BATCH_IN_INBOX,
            [e.event_id for _, e in handled], [e.event_type for _, e in handled],
            [self.settings.logical_topic(r.topic) for r, _ in handled], [r.partition for r, _ in handled],
            [r.offset for r, _ in handled],
        )}
        for _, envelope in handled:
            if envelope.event_id not in fresh:  # applied before, or twice in this batch
                outcomes.append((envelope.event_type, "duplicate"))
                continue
            fresh.discard(envelope.event_id)
            correlation_id.set(envelope.correlation_id)
            try:
                event = read_payload(envelope)
            except EventDecodeError as error:
                raise PermanentFailure(str(error)) from error
            await self.handlers[envelope.event_type](conn, event, envelope)
            outcomes.append((envelope.event_type, "applied"))
        return outcomes

    async def _apply(self, conn: asyncpg.Connection, record: ConsumerRecord) -> tuple[str, str]:
        try:
            envelope = decode(record.value)
        except EventDecodeError as error:
            raise PermanentFailure(str(error)) from error
        handler = self.handlers.get(envelope.event_type)
        if handler is None:
            return envelope.event_type, "ignored"
        correlation_id.set(envelope.correlation_id)
        claimed = await conn.execute(
            CLAIM_IN_INBOX,
            envelope.event_id,
            envelope.event_type,
            self.settings.logical_topic(record.topic),
            record.partition,
            record.offset,
        )
        if claimed.endswith(" 0"):
            return envelope.event_type, "duplicate"
        try:
            event = read_payload(envelope)
        except EventDecodeError as error:
            raise PermanentFailure(str(error)) from error
        await handler(conn, event, envelope)
        return envelope.event_type, "applied"

    async def _apply_alone(self, record: ConsumerRecord) -> None:
        attempts, backoff = 0, self.settings.consumer_retry_backoff_seconds
        while True:
            attempts += 1
            try:
                async with self.pool.acquire() as conn, conn.transaction():
                    outcome = await self._apply(conn, record)
                self._count([outcome])
                return
            except Exception as error:
                if is_transient(error):
                    raise
                self.metrics.handler_failures.labels(self.group).inc()
                permanent = isinstance(error, PermanentFailure)
                if permanent or attempts >= self.settings.consumer_max_attempts:
                    await self._dead_letter(record, error, attempts)
                    return
                await asyncio.sleep(backoff * 2 ** (attempts - 1))

    async def _dead_letter(self, record: ConsumerRecord, error: Exception, attempts: int) -> None:
        if not self.dead_letters:  # a replay: the live consumer dead-lettered this event already
            self.metrics.events_consumed.labels(self.group, "unreadable", "skipped").inc()
            log.warning("event skipped", extra={"topic": record.topic, "offset": record.offset, "error": str(error)})
            return
        assert self.broker is not None
        headers = {k: v.decode("utf-8", "replace") for k, v in (record.headers or ())}
        headers.update(_identity(record.value))
        headers.update(
            {
                "dlq_error": f"{type(error).__name__}: {error}"[:2000],
                "dlq_attempts": str(attempts),
                "dlq_topic": record.topic,
                "dlq_partition": str(record.partition),
                "dlq_offset": str(record.offset),
                "dlq_group": self.group,
            }
        )
        await self.broker.publish(record.value, self.dlq_topic, key=record.key, headers=headers)
        event_type = headers.get("event_type", "unreadable")
        self.metrics.events_consumed.labels(self.group, event_type, "dead_lettered").inc()
        log.error(
            "event dead-lettered",
            extra={"topic": record.topic, "partition": record.partition, "offset": record.offset,
                   "attempts": attempts, "error": headers["dlq_error"]},
        )

    def _count(self, outcomes: list[tuple[str, str]]) -> None:
        for event_type, outcome in outcomes:
            self.metrics.events_consumed.labels(self.group, event_type, outcome).inc()

    def _advance(self, records: tuple[ConsumerRecord, ...]) -> None:
        for record in records:
            self.positions[(record.topic, record.partition)] = _Position(record.offset + 1, record.timestamp)

    async def observe_lag(self) -> None:
        """Update lag gauges: high watermark minus committed offset, per assigned partition."""
        consumer = getattr(self.subscriber, "consumer", None)
        if consumer is None:
            return
        oldest_behind_ms: int | None = None
        assigned = {(tp.topic, str(tp.partition)) for tp in consumer.assignment()}
        for topic, partition in self._lag_labels - assigned:  # moved to another replica by a rebalance
            self.metrics.consumer_lag.remove(self.group, topic, partition)
        self._lag_labels = assigned
        for tp in consumer.assignment():
            highwater = consumer.highwater(tp)
            if highwater is None:
                continue
            committed = await consumer.committed(tp) or 0
            lag = max(0, highwater - committed)
            self.metrics.consumer_lag.labels(self.group, tp.topic, str(tp.partition)).set(lag)
            position = self.positions.get((tp.topic, tp.partition))
            if lag and position:
                oldest_behind_ms = min(oldest_behind_ms or position.timestamp_ms, position.timestamp_ms)
        seconds = 0.0 if oldest_behind_ms is None else max(0.0, time.time() - oldest_behind_ms / 1000)
        self.metrics.consumer_lag_seconds.labels(self.group).set(seconds)


def _identity(value: bytes) -> dict[str, str]:
    """event_id and event_type of a record, when it is readable enough to tell."""
    try:
        envelope = decode(value)
    except EventDecodeError:
        return {}
    return {"event_id": str(envelope.event_id), "event_type": envelope.event_type}


async def _no_decode(message: object) -> None:
    # Envelopes are decoded per record by the consumer, so one unreadable record is dead-lettered
    # instead of failing the whole batch inside the framework.
    return None

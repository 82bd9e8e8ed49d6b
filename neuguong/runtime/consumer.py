"""Consumers: batches applied once through the inbox, failures retried then dead-lettered."""

import asyncio
import contextlib
import logging
import time
import zlib
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Protocol, cast

import asyncpg
from aiokafka import ConsumerRebalanceListener, ConsumerRecord, TopicPartition
from aiokafka.errors import IllegalStateError, KafkaError
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from faststream.kafka.subscriber.usecase import LogicSubscriber

from neuguong.runtime.logs import correlation_id
from neuguong.runtime.metrics import RuntimeMetrics
from neuguong.runtime.reading import TopicReader, Unreadable, batch_parser, payload_of, read_envelope, record_values
from neuguong.runtime.settings import Settings
from schemas import EVENT_TYPES, Envelope, Event, EventDecodeError
from schemas.topics import dead_letter_topic

log = logging.getLogger(__name__)

Handler = Callable[[asyncpg.Connection, Event, Envelope], Awaitable[None]]
"""Applies one event inside the consumer's open transaction."""
BatchScope = Callable[[asyncpg.Connection], contextlib.AbstractAsyncContextManager[None]]
"""Wraps the handler calls of one batch, in its transaction: a service may keep writes there and apply them
once for the whole batch when the scope ends (services/projections/fold.py). Events applied one by one, after
a batch failed, run without it."""

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


class Positions(Protocol):
    """What the consumer does with a Kafka consumer's positions: commit a batch's own offsets, rewind."""

    async def commit(self, offsets: Mapping[TopicPartition, int]) -> None: ...

    def seek(self, partition: TopicPartition, offset: int) -> None: ...


class PermanentFailure(Exception):
    """An event that can never be applied, however often it is tried."""


# Failures of the infrastructure, not of the event: the batch waits and is read again, never dead-lettered.
# Not asyncpg.InterfaceError as a whole: DataError (a value the client cannot encode), ClientConfigurationError
# and the other client-side errors under it come back whatever the state of the database, so they count as
# attempts and end in the dead letters.
OUTAGES = (
    OSError,
    TimeoutError,
    KafkaError,
    asyncpg.exceptions.PostgresConnectionError,  # class 08, and the client's ConnectionDoesNotExistError
    asyncpg.exceptions.AdminShutdownError,  # the server stopping (57P01), crashing (57P02), starting (57P03)
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.IdleSessionTimeoutError,
    asyncpg.exceptions.InsufficientResourcesError,  # disk full, out of memory, too many connections
    asyncpg.exceptions.InvalidAuthorizationSpecificationError,  # a password being rotated
    asyncpg.exceptions.ReadOnlySQLTransactionError,  # a standby during a failover
    asyncpg.exceptions.SerializationError,
    asyncpg.exceptions.DeadlockDetectedError,
)
CLOSED = ("connection is closed", "pool is closing", "pool is closed")
"""What asyncpg says, in a bare InterfaceError, about a connection or pool that went away under the consumer."""


def is_transient(error: BaseException | None) -> bool:
    """True when retrying later can succeed whatever the event says (database or network down)."""
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, OUTAGES):
            return True
        if type(error) is asyncpg.InterfaceError and str(error) in CLOSED:
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False


Read = Envelope | Unreadable
"""A record as its topic's reader left it (see runtime.reading)."""


class EventConsumer:
    """One consumer group: a typed batch subscriber per topic its handler table needs."""

    def __init__(
        self,
        settings: Settings,
        pool: asyncpg.Pool | None,
        metrics: RuntimeMetrics,
        handlers: Mapping[str, Handler],
        topics: Iterable[str],
        group: str | None = None,
        dead_letters: bool = True,
        batch_scope: BatchScope | None = None,
    ) -> None:
        self.settings = settings
        self.batch_scope = batch_scope
        self.pool = pool  # None while the consumer only declares its subscriptions (ops.asyncapi)
        self.metrics = metrics
        self.handlers = handlers
        self.readers = {topic: TopicReader(t for t in handlers if EVENT_TYPES[t].topic == topic) for topic in topics}
        self.group = group or settings.consumer_group
        self.dlq_topic = settings.topic(dead_letter_topic(settings.service).name)
        self.dead_letters = dead_letters
        self.applied_at: dict[tuple[str, int], int] = {}  # (topic, partition): timestamp (ms) of the last record
        self._lag_labels: set[tuple[str, str]] = set()
        self.broker: KafkaBroker | None = None
        self.subscribers: list[LogicSubscriber] = []
        self._writes: dict[str, asyncio.Task[None]] = {}  # per subscribed topic: the batch being written
        self._failed: dict[str, dict[TopicPartition, int]] = {}  # per topic: where a batch that failed began
        self._stopping = False
        self._rebalances: Counter[str] = (
            Counter()
        )  # per topic: partitions revoked so far (a batch read before is stale)
        self.handovers: dict[str, _Handover] = {}  # per subscribed topic: what a rebalance waits for

    def subscribe(self, broker: KafkaBroker) -> None:
        """Register one batch subscriber per topic on the service's broker (manual offset commits)."""
        self.broker = broker
        self.subscribers = [self._subscribe(broker, topic, reader) for topic, reader in self.readers.items()]

    async def start(self) -> None:
        """Start the subscribers together, on a started broker. A Kafka consumer's start waits for its
        partitions, and every member that joins moves the whole group's: one at a time costs a rebalance each."""
        for event_type in [*self.handlers, "unreadable"]:  # at 0 from the start: the first dead letter is an increase
            self.metrics.events_consumed.labels(self.group, event_type, "dead_lettered")
        await asyncio.gather(*(subscriber.start() for subscriber in self.subscribers))

    async def settled(self) -> None:
        """Wait until every batch handed to a write is written and its offsets committed (or it failed)."""
        await asyncio.gather(*(asyncio.shield(w) for w in list(self._writes.values())), return_exceptions=True)

    async def stop(self) -> None:
        """Start no more writes and wait for those under way, their offsets committed: called before the broker
        stops its consumers. A batch waiting out a failure's pause is given up: it was not committed."""
        self._stopping = True
        while pending := [write for write in self._writes.values() if not write.done()]:
            for topic, write in self._writes.items():
                if topic in self._failed:
                    write.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

    def _subscribe(self, broker: KafkaBroker, topic: str, reader: TopicReader) -> LogicSubscriber:
        service = self.settings.service
        if not reader.event_types:
            raise ValueError(f"consumes: {service} reads {topic} but handles none of its event types")
        batch = reader.batch  # the whole events this service handles on this topic
        handover = self.handovers[self.settings.topic(topic)] = _Handover(self, self.settings.topic(topic))

        async def on_batch(events: batch, message: KafkaMessage) -> None:  # type: ignore[valid-type]
            await self.consume_batch(message, events)

        subscriber = broker.subscriber(
            self.settings.topic(topic),
            group_id=self.group,
            batch=True,
            max_records=self.settings.consumer_batch_size,
            auto_offset_reset="earliest",
            ack_policy=AckPolicy.MANUAL,
            listener=handover,
            title=f"{topic} → {service}",
            description=f"{service} applies {', '.join(reader.event_types)}",
        )
        subscriber(on_batch, parser=batch_parser(lambda: subscriber.consumer), decoder=record_values)
        return subscriber

    async def consume_batch(self, message: KafkaMessage, events: Sequence[Read]) -> None:
        """Hand the batch to a write of its own and return, so that the subscriber fetches and reads the next
        batch while this one is written. A topic's batches are written one at a time, in the order read: this
        one starts once the one before it is written and its offsets committed.

        If the batch before could not be settled, it was rewound, and this one, read past it, is dropped
        uncommitted: the partitions go back to where the failed batch began, and both are read again. A batch
        still waiting when the service stops, or when a rebalance took the partitions, is dropped uncommitted
        too: whoever reads the partitions next starts at their committed offsets."""
        records: tuple[ConsumerRecord, ...] = message.raw_message  # a batch
        topic = records[0].topic
        rebalances = self._rebalances[topic]
        await self.written(topic)
        if self._stopping or self._rebalances[topic] != rebalances:
            return
        failed = self._failed.pop(topic, None)
        if failed is not None:
            rewind_to = _earliest(records)
            for partition, offset in failed.items():
                rewind_to[partition] = min(offset, rewind_to.get(partition, offset))
            _rewind(cast("Positions", message.consumer), rewind_to)
            return
        self._writes[topic] = asyncio.create_task(
            self._write(cast("Positions", message.consumer), records, events), name=f"consumer-write-{topic}"
        )

    async def written(self, topic: str) -> None:
        """Wait for the batch of `topic` being written, if any; a waiter cancelled leaves the write running."""
        write = self._writes.get(topic)
        if write is not None:
            await asyncio.wait({write})
            if self._writes.get(topic) is write:
                del self._writes[topic]

    async def hand_over(self, topic: str) -> None:
        """Before a rebalance takes the partitions of `topic`: let the batch being written finish and commit,
        and start none waiting behind it."""
        self._rebalances[topic] += 1
        try:
            # Bounded: a write retrying poison events one by one must not hold the whole group past its rebalance
            # timeout (the session timeout, 10 s); one that runs on commits nothing the next reader misses.
            async with asyncio.timeout(HANDOVER_SECONDS):
                await self.written(topic)
        except TimeoutError:
            log.warning("partitions handed over while a batch is still being written", extra={"topic": topic})
        self._failed.pop(topic, None)  # the next reader starts at the committed offsets

    async def _write(self, kafka: Positions, records: tuple[ConsumerRecord, ...], events: Sequence[Read]) -> None:
        """Settle a batch, then commit its own offsets: never the consumer's position, which is past the batch
        read meanwhile. A batch that cannot be settled is rewound after a pause and read again."""
        topic = records[0].topic
        try:
            await self.settle(records, events)
        except Exception:
            # The database or the dead-letter topic is unreachable: wait, then read the batch again.
            log.exception("batch could not be settled; it will be read again")
            failed = self._failed[topic] = _earliest(records)  # a rebalance may forget it meanwhile
            await asyncio.sleep(self.settings.consumer_retry_backoff_seconds * 10)
            _rewind(kafka, failed)
            return
        offsets = {partition: offset + 1 for partition, offset in _latest(records).items()}
        try:
            await kafka.commit(offsets)
        except Exception:
            # A rebalance took the partitions, the coordinator is away, the consumer stopped: the batch is
            # applied, and whoever reads it again finds its events in the inbox. The next batch's commit
            # covers this one's offsets.
            log.warning("offsets of an applied batch not committed", extra={"topic": topic}, exc_info=True)
        for record in records:
            self.applied_at[(record.topic, record.partition)] = record.timestamp

    async def settle(self, records: Sequence[ConsumerRecord], events: Sequence[Read] | None = None) -> None:
        """Apply a batch in lanes written at once (NG_CONSUMER_WRITE_LANES), its records split by key, each lane
        in one transaction; a lane that fails is applied one by one with retries and dead letters. A lane that
        cannot be written at all (the database is down) fails the batch once every lane has ended: the batch is
        read again, and what the other lanes committed is in the inbox then.

        A key's events are in one lane, in the order read, as its partition holds them; the order between keys is
        a partition's accident already (two keys may as well hash to two partitions). Lanes writing rows they share
        (unit figures) write them in one order, so one waits for the other; a deadlock PostgreSQL breaks all the
        same is an outage of that lane, and the batch is read again.

        `events` are the records as the subscriber read them; without them each record is read here."""
        if events is None:
            events = [self._read(record) for record in records]
        lanes = _lanes(records, events, self.settings.consumer_write_lanes)
        if len(lanes) == 1:
            await self._settle_lane(lanes[0])
            return
        # Every lane runs to its end before a failure is raised: none is still writing when the batch rewinds.
        for outcome in await asyncio.gather(*(self._settle_lane(lane) for lane in lanes), return_exceptions=True):
            if isinstance(outcome, BaseException):
                raise outcome

    async def _settle_lane(self, batch: list[tuple[ConsumerRecord, Read]]) -> None:
        try:
            async with self._transaction() as conn:
                outcomes = await self._apply_batch(conn, batch)
            self._count(outcomes)
        except Exception as error:
            if is_transient(error):
                raise
            log.warning("batch failed; applying its events one by one", exc_info=True)
            for record, read in batch:
                await self._apply_alone(record, read)

    def read(self, record: ConsumerRecord) -> Read:
        """A record as this consumer's readers read it (an Envelope, or Unreadable with the reason)."""
        return self._read(record)

    def _read(self, record: ConsumerRecord) -> Read:
        reader = self.readers.get(self.settings.logical_topic(record.topic))
        value = record.value or b""
        return read_envelope(value) if reader is None else reader.read(value)

    @contextlib.asynccontextmanager
    async def _transaction(self) -> AsyncIterator[asyncpg.Connection]:
        if self.pool is None:
            raise RuntimeError("consumer: no database pool (this consumer only declares its subscriptions)")
        async with self.pool.acquire() as conn, conn.transaction():
            yield conn

    async def _apply_batch(
        self, conn: asyncpg.Connection, batch: list[tuple[ConsumerRecord, Read]]
    ) -> list[tuple[str, str]]:
        """Claim every handled event of the batch in one statement, then apply the new ones in order."""
        outcomes, handled = [], []
        for record, read in batch:
            envelope = _readable(read)
            if envelope.event_type in self.handlers:
                handled.append((record, envelope))
            else:
                outcomes.append((envelope.event_type, "ignored"))
        if not handled:
            return outcomes
        fresh = {
            row["event_id"]
            for row in await conn.fetch(
                CLAIM_BATCH_IN_INBOX,
                [e.event_id for _, e in handled],
                [e.event_type for _, e in handled],
                [self.settings.logical_topic(r.topic) for r, _ in handled],
                [r.partition for r, _ in handled],
                [r.offset for r, _ in handled],
            )
        }
        async with self.batch_scope(conn) if self.batch_scope else contextlib.nullcontext():
            for _, envelope in handled:
                if envelope.event_id not in fresh:  # applied before, or twice in this batch
                    outcomes.append((envelope.event_type, "duplicate"))
                    continue
                fresh.discard(envelope.event_id)
                correlation_id.set(envelope.correlation_id)
                await self.handlers[envelope.event_type](conn, _event(envelope), envelope)
                outcomes.append((envelope.event_type, "applied"))
        return outcomes

    async def _apply(self, conn: asyncpg.Connection, record: ConsumerRecord, read: Read) -> tuple[str, str]:
        envelope = _readable(read)
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
        await handler(conn, _event(envelope), envelope)
        return envelope.event_type, "applied"

    async def _apply_alone(self, record: ConsumerRecord, read: Read) -> None:
        attempts, backoff = 0, self.settings.consumer_retry_backoff_seconds
        while True:
            attempts += 1
            try:
                async with self._transaction() as conn:
                    outcome = await self._apply(conn, record, read)
                self._count([outcome])
                return
            except Exception as error:
                if is_transient(error):
                    raise
                self.metrics.handler_failures.labels(self.group).inc()
                permanent = isinstance(error, PermanentFailure)
                if permanent or attempts >= self.settings.consumer_max_attempts:
                    await self._dead_letter(record, read, error, attempts)
                    return
                await asyncio.sleep(backoff * 2 ** (attempts - 1))

    async def _dead_letter(self, record: ConsumerRecord, read: Read, error: Exception, attempts: int) -> None:
        if not self.dead_letters:  # a replay: the live consumer dead-lettered this event already
            self.metrics.events_consumed.labels(self.group, "unreadable", "skipped").inc()
            log.warning("event skipped", extra={"topic": record.topic, "offset": record.offset, "error": str(error)})
            return
        if self.broker is None:
            raise RuntimeError("dead letters need the service's broker: subscribe() was not called")
        headers = {k: (v or b"").decode("utf-8", "replace") for k, v in (record.headers or ())}
        if isinstance(read, Envelope):
            headers.update(event_id=str(read.event_id), event_type=read.event_type)
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
            extra={
                "topic": record.topic,
                "partition": record.partition,
                "offset": record.offset,
                "attempts": attempts,
                "error": headers["dlq_error"],
            },
        )

    def _count(self, outcomes: list[tuple[str, str]]) -> None:
        # One increment per (type, outcome) of the batch: a labelled child's lookup costs more than the add.
        for (event_type, outcome), count in Counter(outcomes).items():
            self.metrics.events_consumed.labels(self.group, event_type, outcome).inc(count)

    async def observe_lag(self) -> None:
        """Update lag gauges: high watermark minus committed offset, per partition assigned to any subscriber."""
        consumers = [s.consumer for s in self.subscribers if s.consumer is not None]
        if not consumers:
            return
        assigned = [(consumer, tp) for consumer in consumers for tp in consumer.assignment()]
        labels = {(tp.topic, str(tp.partition)) for _, tp in assigned}
        for topic, partition in self._lag_labels - labels:  # moved to another replica by a rebalance
            self.metrics.consumer_lag.remove(self.group, topic, partition)
        self._lag_labels = labels
        oldest_behind_ms: int | None = None
        for consumer, tp in assigned:
            highwater = consumer.highwater(tp)
            if highwater is None:
                continue
            committed = await consumer.committed(tp) or 0
            lag = max(0, highwater - committed)
            self.metrics.consumer_lag.labels(self.group, tp.topic, str(tp.partition)).set(lag)
            applied_at = self.applied_at.get((tp.topic, tp.partition))
            if lag and applied_at:
                oldest_behind_ms = min(oldest_behind_ms or applied_at, applied_at)
        seconds = 0.0 if oldest_behind_ms is None else max(0.0, time.time() - oldest_behind_ms / 1000)
        self.metrics.consumer_lag_seconds.labels(self.group).set(seconds)


HANDOVER_SECONDS = 5.0
"""How long a rebalance waits for the batch being written (see _Handover)."""


class _Handover(ConsumerRebalanceListener):
    """Before a rebalance takes partitions away, the batch being written finishes and commits its offsets:
    the next reader of those partitions starts after it, not in the middle of its transaction."""

    def __init__(self, consumer: EventConsumer, topic: str) -> None:
        self.consumer = consumer
        self.topic = topic

    async def on_partitions_revoked(self, revoked: Iterable[TopicPartition]) -> None:
        await self.consumer.hand_over(self.topic)

    async def on_partitions_assigned(self, assigned: Iterable[TopicPartition]) -> None:
        pass


def _earliest(records: Iterable[ConsumerRecord]) -> dict[TopicPartition, int]:
    """The offset of each partition's first record."""
    return _per_partition(records, min)


def _latest(records: Iterable[ConsumerRecord]) -> dict[TopicPartition, int]:
    """The offset of each partition's last record."""
    return _per_partition(records, max)


def _per_partition(records: Iterable[ConsumerRecord], pick: Callable[[int, int], int]) -> dict[TopicPartition, int]:
    offsets: dict[TopicPartition, int] = {}
    for record in records:
        partition = TopicPartition(record.topic, record.partition)
        offsets[partition] = pick(record.offset, offsets.get(partition, record.offset))
    return offsets


def _rewind(kafka: Positions, offsets: Mapping[TopicPartition, int]) -> None:
    """Move each partition back to `offsets`; one a rebalance took away is left to its next reader, which
    starts at its committed offset."""
    for partition, offset in offsets.items():
        try:
            kafka.seek(partition, offset)
        except IllegalStateError:
            pass


def _lanes(
    records: Sequence[ConsumerRecord], events: Sequence[Read], lanes: int
) -> list[list[tuple[ConsumerRecord, Read]]]:
    """The batch split by key into at most `lanes` parts, each in the order read: a key's events stay together
    and in order, as its partition holds them (a fetch often holds one partition only)."""
    parts: dict[int, list[tuple[ConsumerRecord, Read]]] = {}
    for record, read in zip(records, events, strict=True):
        lane = record.partition if record.key is None else zlib.crc32(record.key)
        parts.setdefault(lane % lanes, []).append((record, read))
    return list(parts.values()) or [[]]


def _readable(read: Read) -> Envelope:
    if isinstance(read, Unreadable):
        raise PermanentFailure(str(read.error)) from read.error
    return read


def _event(envelope: Envelope) -> Event:
    try:
        return payload_of(envelope)
    except EventDecodeError as error:
        raise PermanentFailure(str(error)) from error

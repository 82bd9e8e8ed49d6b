"""How the relay sends one batch of outbox rows: a key never overtakes itself, and a row the broker refuses
for good is told apart from the rows that only failed beside it."""

import asyncio
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import asyncpg
from aiokafka import AIOKafkaProducer
from aiokafka.errors import (
    KafkaError,
    MessageSizeTooLargeError,
    OutOfOrderSequenceNumber,
    RecordListTooLargeError,
    RecordTooLargeError,
)

REFUSED = (MessageSizeTooLargeError, RecordListTooLargeError, RecordTooLargeError)
"""The broker (or the client, before sending) refuses the record itself: sending it again cannot help."""


@dataclass
class Sent:
    """What sending a batch came to."""

    acked: list[asyncpg.Record] = field(default_factory=list)
    refused: list[tuple[asyncpg.Record, KafkaError]] = field(default_factory=list)
    failed: list[tuple[asyncpg.Record, BaseException]] = field(default_factory=list)
    spoiled: bool = False  # a send failed at the broker: the idempotent producer's sequence numbers are off

    def fail(self, row: asyncpg.Record, error: BaseException, *, at_broker: bool) -> None:
        """Note a row's failure (its key sends nothing more in this batch)."""
        self.spoiled = self.spoiled or at_broker
        if isinstance(error, REFUSED):
            self.refused.append((row, error))
        else:
            self.failed.append((row, error))

    @property
    def worth_a_pause(self) -> bool:
        """True when a failure was not only the aftermath of a refused row (a later batch on its partition
        fails its sequence check): the broker or the network is in trouble, the relay waits before the next."""
        return any(not isinstance(error, OutOfOrderSequenceNumber) for _, error in self.failed)


async def send(producer: AIOKafkaProducer, topic: str, row: asyncpg.Record) -> None:
    """Send one row and wait for the broker's acknowledgement."""
    await (await _queue(producer, topic, row))


async def _queue(producer: AIOKafkaProducer, topic: str, row: asyncpg.Record) -> asyncio.Future:
    return await producer.send(
        topic,
        value=row["body"],
        key=row["key"].encode(),
        headers=[(k, v.encode()) for k, v in row["headers"].items()],
    )


async def send_in_key_order(
    producer: AIOKafkaProducer, topic_of: Callable[[str], str], rows: list[asyncpg.Record]
) -> Sent:
    """Send rows (in id order) in waves: the first row of every key, all in flight together, then each key's
    next row once its previous one was acknowledged. A key stops at its first failure, so none of its later
    rows is published before it; other keys go on. A batch of distinct keys is one wave, as fast as sending
    it all at once; each repeat of a key in the batch costs one more round trip."""
    queues: dict[tuple[str, str], deque[asyncpg.Record]] = {}
    for row in rows:
        queues.setdefault((row["topic"], row["key"]), deque()).append(row)
    sent = Sent()
    wave = [queue.popleft() for queue in queues.values()]
    while wave:
        in_flight = []
        for row in wave:
            try:
                in_flight.append((row, await _queue(producer, topic_of(row["topic"]), row)))
            except KafkaError as error:  # refused by the client (too large) or no room in its buffer
                sent.fail(row, error, at_broker=False)
        answers = await asyncio.gather(*(future for _, future in in_flight), return_exceptions=True)
        following = []
        for (row, _), answer in zip(in_flight, answers, strict=True):
            if isinstance(answer, asyncio.CancelledError):
                raise answer
            if isinstance(answer, BaseException):
                sent.fail(row, answer, at_broker=True)
                continue
            sent.acked.append(row)
            queue = queues[(row["topic"], row["key"])]
            if queue:
                following.append(queue.popleft())
        wave = sorted(following, key=lambda row: row["id"])
    return sent

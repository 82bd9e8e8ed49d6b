"""`neuguong dlq list|replay`: read a service's dead letters, send them back to their topic."""

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from neuguong.runtime.kafka import client_options
from neuguong.runtime.settings import Settings
from neuguong.runtime.topics import topic_partitions
from schemas.topics import dead_letter_topic


@dataclass(frozen=True)
class DeadLetter:
    """One dead-lettered event and why it was parked (dlq_* headers)."""

    offset: int
    key: bytes | None
    headers: dict[str, str]
    value: bytes


@contextlib.asynccontextmanager
async def _dead_letter_reader(
    settings: Settings, service: str, group: str | None
) -> AsyncIterator[tuple[AIOKafkaConsumer, list[DeadLetter]]]:
    topic = settings.topic(dead_letter_topic(service).name)
    consumer = AIOKafkaConsumer(
        **client_options(settings),
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        partitions = await topic_partitions(settings, [topic])
        letters: list[DeadLetter] = []
        if partitions:
            consumer.assign(partitions)
            ends = await consumer.end_offsets(partitions)
            if group is None:
                await consumer.seek_to_beginning(*partitions)
            while any([await consumer.position(tp) < ends[tp] for tp in partitions]):
                for records in (await consumer.getmany(timeout_ms=1000)).values():
                    letters += [
                        DeadLetter(r.offset, r.key, {k: v.decode("utf-8", "replace") for k, v in r.headers}, r.value)
                        for r in records
                    ]
        yield consumer, letters
    finally:
        await consumer.stop()


async def list_dead_letters(settings: Settings, service: str) -> list[DeadLetter]:
    """Every dead letter a service ever parked, oldest first."""
    async with _dead_letter_reader(settings, service, None) as (_, letters):
        return letters


async def replay_dead_letters(settings: Settings, service: str) -> int:
    """Republish the dead letters not replayed before to their original topic, keeping the event id."""
    group = f"{settings.topic_prefix}{service}.dlq-replay"
    async with _dead_letter_reader(settings, service, group) as (consumer, letters):
        producer = AIOKafkaProducer(**client_options(settings), enable_idempotence=True, acks="all")
        await producer.start()
        try:
            for letter in letters:
                headers = [(k, v.encode()) for k, v in letter.headers.items() if not k.startswith("dlq_")]
                await producer.send_and_wait(letter.headers["dlq_topic"], letter.value, key=letter.key, headers=headers)
        finally:
            await producer.stop()
        # Committed only after every republish was acknowledged: a crash replays again, the inbox absorbs it.
        await consumer.commit()
        return len(letters)

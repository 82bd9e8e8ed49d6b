"""Publishing org units and members to the compacted directory topics (`neuguong directory import`)."""

import asyncio
from collections.abc import Sequence

from aiokafka import AIOKafkaProducer

from neuguong.runtime.kafka import client_options, key_partitioner
from neuguong.runtime.outbox import headers_of
from neuguong.runtime.settings import Settings
from neuguong.runtime.topics import ensure_topics
from ops.directory.demo import DemoDirectory
from ops.progress import Progress
from schemas import Event, encode, uuid7, wrap
from schemas.topics import DIRECTORY_MEMBERS, DIRECTORY_UNITS

PRODUCER = "directory-import"


async def publish_directory(settings: Settings, source: DemoDirectory, *, source_name: str) -> int:
    """Publish every unit (parents first), then every member; returns how many events were sent."""
    events: list[Event] = [*source.units, *source.members]
    return await publish_events(settings, [(e, source.path_for(e)) for e in events], source_name=source_name)


async def publish_events(settings: Settings, events: Sequence[tuple[Event, list[str]]], *, source_name: str) -> int:
    """Publish directory events with their unit paths, in order, with one idempotent producer."""
    await ensure_topics(settings, [DIRECTORY_UNITS, DIRECTORY_MEMBERS])
    correlation = str(uuid7())
    producer = AIOKafkaProducer(
        **client_options(settings),
        client_id=PRODUCER,
        partitioner=key_partitioner,
        enable_idempotence=True,
        acks="all",
        linger_ms=20,
        compression_type="gzip",
    )
    await producer.start()
    progress = Progress("danh bạ", len(events))
    try:
        for start in range(0, len(events), 1000):
            chunk = events[start : start + 1000]
            sends = []
            for event, path in chunk:
                envelope = wrap(
                    event, producer=PRODUCER, actor=f"import:{source_name}", unit_path=path, correlation_id=correlation
                )
                sends.append(
                    await producer.send(
                        settings.topic(event.topic),
                        value=encode(envelope),
                        key=event.key().encode(),
                        headers=[(k, v.encode()) for k, v in headers_of(envelope).items()],
                    )
                )
            await asyncio.gather(*sends)
            progress.advance(len(chunk))
    finally:
        progress.close()
        await producer.stop()
    return len(events)

"""`neuguong directory import`: publish org units and members to the compacted directory topics."""

import asyncio

from aiokafka import AIOKafkaProducer

from neuguong.directory.demo import DemoDirectory
from neuguong.progress import Progress
from neuguong.runtime.kafka import client_options
from neuguong.runtime.outbox import headers_of
from neuguong.runtime.settings import Settings
from neuguong.runtime.topics import ensure_topics
from schemas import Event, encode, uuid7, wrap
from schemas.topics import DIRECTORY_MEMBERS, DIRECTORY_UNITS

PRODUCER = "directory-import"


async def publish_directory(settings: Settings, source: DemoDirectory, *, source_name: str) -> int:
    """Publish every unit (parents first), then every member; returns how many events were sent."""
    await ensure_topics(settings, [DIRECTORY_UNITS, DIRECTORY_MEMBERS])
    events: list[Event] = [*source.units, *source.members]
    correlation = str(uuid7())
    producer = AIOKafkaProducer(
        **client_options(settings), client_id=PRODUCER, enable_idempotence=True,
        acks="all", linger_ms=20, compression_type="gzip",
    )
    await producer.start()
    progress = Progress("directory", len(events))
    try:
        for start in range(0, len(events), 1000):
            chunk = events[start : start + 1000]
            sends = []
            for event in chunk:
                envelope = wrap(event, producer=PRODUCER, actor=f"import:{source_name}",
                                unit_path=source.path_for(event), correlation_id=correlation)
                sends.append(await producer.send(
                    settings.topic(event.topic), value=encode(envelope), key=event.key().encode(),
                    headers=[(k, v.encode()) for k, v in headers_of(envelope).items()],
                ))
            await asyncio.gather(*sends)
            progress.advance(len(chunk))
    finally:
        progress.close()
        await producer.stop()
    return len(events)

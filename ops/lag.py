"""How far a consumer group is behind, read from the broker (committed offsets vs end offsets)."""

import asyncio
import time

from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient

from neuguong.runtime.kafka import client_options
from neuguong.runtime.settings import Settings
from neuguong.runtime.topics import topic_partitions


async def group_lag(settings: Settings, group: str, topics: list[str]) -> int:
    """Messages of `topics` (logical names) that `group` has not committed yet."""
    admin = AIOKafkaAdminClient(**client_options(settings))
    consumer = AIOKafkaConsumer(**client_options(settings), enable_auto_commit=False)
    await admin.start()
    await consumer.start()
    try:
        partitions = await topic_partitions(settings, [settings.topic(t) for t in topics])
        ends = await consumer.end_offsets(partitions)
        committed = await admin.list_consumer_group_offsets(settings.topic_prefix + group)
        return sum(max(0, ends[tp] - (committed[tp].offset if tp in committed else 0)) for tp in partitions)
    finally:
        await consumer.stop()
        await admin.close()


async def wait_until_caught_up(settings: Settings, group: str, topics: list[str], timeout: float) -> None:
    """Return once `group` has consumed everything in `topics`; raise TimeoutError otherwise."""
    deadline = time.monotonic() + timeout
    while (behind := await group_lag(settings, group, topics)) > 0:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{group} is still {behind} messages behind on {', '.join(topics)}")
        await asyncio.sleep(1.0)

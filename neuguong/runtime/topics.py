"""Creating the topics a service needs, with partitions and compaction as declared in schemas."""

import logging

from aiokafka import TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from neuguong.runtime.kafka import client_options
from neuguong.runtime.settings import Settings
from schemas.topics import Topic

log = logging.getLogger(__name__)


async def ensure_topics(settings: Settings, topics: list[Topic]) -> None:
    """Create the missing topics; existing ones are left as they are."""
    admin = AIOKafkaAdminClient(**client_options(settings), client_id=f"{settings.service}-admin")
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted = [
            NewTopic(
                settings.topic(t.name),
                num_partitions=t.partitions,
                replication_factor=settings.kafka_replication,
                topic_configs={"cleanup.policy": "compact"} if t.compacted else {},
            )
            for t in topics
            if settings.topic(t.name) not in existing
        ]
        if not wanted:
            return
        try:
            await admin.create_topics(wanted)
        except TopicAlreadyExistsError:
            pass  # another service created it at the same moment
        log.info("topics created", extra={"topics": [t.name for t in wanted]})
    finally:
        await admin.close()


async def topic_partitions(settings: Settings, topics: list[str]) -> list[TopicPartition]:
    """The partitions of existing topics (physical names); topics that do not exist are left out."""
    admin = AIOKafkaAdminClient(**client_options(settings))
    await admin.start()
    try:
        described = await admin.describe_topics(topics)
    finally:
        await admin.close()
    return [
        TopicPartition(t["topic"], p["partition"])
        for t in described
        if t["error_code"] == 0
        for p in sorted(t["partitions"], key=lambda p: p["partition"])
    ]


async def delete_prefixed_topics(settings: Settings, prefix: str) -> list[str]:
    """Drop every topic whose name starts with `prefix` (a test's or a benchmark's); return their names."""
    admin = AIOKafkaAdminClient(**client_options(settings))
    await admin.start()
    try:
        mine = [t for t in await admin.list_topics() if t.startswith(prefix)]
        if mine:
            await admin.delete_topics(mine)
        return mine
    finally:
        await admin.close()

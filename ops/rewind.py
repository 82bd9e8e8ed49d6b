"""`neuguong consumers rewind SERVICE --to TIME`: move a stopped service's consumer group back to the
first offsets at or after a moment, so that a schema restored from a backup taken then is brought up to
date again from Kafka (the inbox skips the events the backup already holds).

Kafka commits offsets for a group from outside only while the group has no member, so the service's
replicas must all be stopped: the rewind refuses an active group rather than race its consumers.
"""

from datetime import datetime

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from neuguong.runtime.kafka import client_options
from neuguong.runtime.settings import Settings
from neuguong.runtime.topics import topic_partitions


class GroupActive(Exception):
    """The consumer group still has members: its service runs somewhere."""


async def group_members(settings: Settings) -> int:
    """How many consumers are in the service's group now."""
    admin = AIOKafkaAdminClient(**client_options(settings))
    await admin.start()
    try:
        (response,) = await admin.describe_consumer_groups([settings.consumer_group])
        (group,) = response.groups  # (error_code, group_id, state, protocol_type, protocol, members, …)
        return len(group[5])
    finally:
        await admin.close()


async def rewind_group(settings: Settings, topics: list[str], to: datetime) -> dict[TopicPartition, int]:
    """Commit, for every partition of `topics` (logical names), the first offset of a record written at or
    after `to` (the end when there is none); return the committed offsets."""
    if to.tzinfo is None:
        raise ValueError("to: give the moment with its offset (e.g. 2026-03-01T08:00:00+07:00)")
    members = await group_members(settings)
    if members:
        raise GroupActive(f"{settings.consumer_group} has {members} running consumer(s): stop every replica first")
    partitions = await topic_partitions(settings, [settings.topic(t) for t in topics])
    consumer = AIOKafkaConsumer(**client_options(settings), group_id=settings.consumer_group, enable_auto_commit=False)
    await consumer.start()
    try:
        found = await consumer.offsets_for_times({tp: int(to.timestamp() * 1000) for tp in partitions})
        ends = await consumer.end_offsets(partitions)
        offsets = {tp: found[tp].offset if found.get(tp) is not None else ends[tp] for tp in partitions}
        consumer.assign(partitions)
        await consumer.commit(offsets)
        return offsets
    finally:
        await consumer.stop()

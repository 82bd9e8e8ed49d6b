"""The directory as it stands: the latest event of every key on the compacted directory topics."""

from dataclasses import dataclass, field

from aiokafka import AIOKafkaConsumer

from neuguong.runtime.kafka import client_options
from neuguong.runtime.settings import Settings
from neuguong.runtime.topics import topic_partitions
from schemas import MemberRegistered, OrgUnitRegistered, decode, read_payload
from schemas.topics import DIRECTORY_MEMBERS, DIRECTORY_UNITS


@dataclass
class Directory:
    """Units and members by id, as the directory topics last said them."""

    units: dict[str, OrgUnitRegistered] = field(default_factory=dict)
    members: dict[str, MemberRegistered] = field(default_factory=dict)


async def read_directory(settings: Settings) -> Directory:
    """Read both topics from the beginning to their current end (an empty directory when they do not exist)."""
    directory = Directory()
    consumer = AIOKafkaConsumer(
        **client_options(settings), enable_auto_commit=False, group_id=None, auto_offset_reset="earliest"
    )
    try:
        await consumer.start()
        names = [settings.topic(DIRECTORY_UNITS.name), settings.topic(DIRECTORY_MEMBERS.name)]
        partitions = await topic_partitions(settings, names)
        if not partitions:
            return directory
        consumer.assign(partitions)
        ends = await consumer.end_offsets(partitions)
        await consumer.seek_to_beginning(*partitions)
        while any([await consumer.position(tp) < ends[tp] for tp in partitions]):
            for records in (await consumer.getmany(timeout_ms=1000, max_records=5000)).values():
                for record in records:
                    _keep(directory, record.topic == names[0], record.key, record.value)
    finally:
        await consumer.stop()
    return directory


def _keep(directory: Directory, is_unit: bool, key: bytes | None, value: bytes | None) -> None:
    """The latest state of a key wins (records of one key stay in order on its partition)."""
    if key is None:
        return
    if value is None:  # a tombstone: the key is gone
        (directory.units if is_unit else directory.members).pop(key.decode(), None)
        return
    event = read_payload(decode(value))
    if isinstance(event, OrgUnitRegistered):
        directory.units[event.unit_id] = event
    elif isinstance(event, MemberRegistered):
        directory.members[event.member_id] = event

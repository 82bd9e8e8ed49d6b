"""services/commitments' consumer on TestKafkaBroker and PostgreSQL: a batch applies with its inbox rows before
its offsets are committed, is rewound when it cannot be settled, changes nothing when redelivered, ignores
the types the service does not handle; each topic is read as its own typed subscriber, and lag is watched
over all of them."""

import time
from dataclasses import dataclass
from datetime import date

import asyncpg
import pytest
from aiokafka import TopicPartition
from faststream.kafka import KafkaBroker
from prometheus_client import CollectorRegistry

from neuguong.runtime.consumer import EventConsumer
from neuguong.runtime.metrics import RuntimeMetrics
from schemas import Envelope
from schemas.inspections import DisciplineImposed, InspectionOpened, Target
from schemas.topics import DIRECTORY_MEMBERS, DIRECTORY_UNITS, INSPECTIONS
from tests.handlers.consumer_layer import COMMITMENTS, SETTINGS, body, count, discipline, record, running

pytestmark = pytest.mark.handlers


async def test_a_batch_applies_with_its_inbox_rows_and_is_acknowledged_after_they_commit(pool, small_directory):
    async with running(pool) as consumer:
        await consumer.publish(DIRECTORY_UNITS.name, *(body(unit) for unit in small_directory.units))
    units = len(small_directory.units)
    assert await count(pool, "directory_units") == units and await count(pool, "inbox") == units
    assert consumer.offsets.inbox_at_commit == [units] and consumer.offsets.rewound_to == []
    assert consumer.consumed("OrgUnitRegistered", "applied") == units


async def test_a_batch_that_cannot_be_settled_is_rewound_and_never_acknowledged(pool, small_directory):
    async def database_gone(conn, event, envelope):
        raise asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed in the middle of operation")

    async with running(pool, OrgUnitRegistered=database_gone) as consumer:
        await consumer.deliver(
            DIRECTORY_UNITS.name,
            *(record(DIRECTORY_UNITS.name, body(unit), 40 + i) for i, unit in enumerate(small_directory.units[:3])),
        )
    assert consumer.offsets.inbox_at_commit == [] and consumer.offsets.rewound_to == [(DIRECTORY_UNITS.name, 2, 40)]
    assert await count(pool, "inbox") == 0 and consumer.letters == []


async def test_a_redelivered_event_changes_nothing(pool, small_directory):
    calls = []

    async def counted(conn, event, envelope):
        calls.append(type(envelope).__name__)
        await COMMITMENTS.handlers["MemberRegistered"](conn, event, envelope)

    member = body(small_directory.members[0])
    async with running(pool, MemberRegistered=counted) as consumer:
        await consumer.publish(DIRECTORY_MEMBERS.name, member, member)  # twice in one batch
        await consumer.publish(DIRECTORY_MEMBERS.name, member)  # and again later
    assert calls == ["MemberRegisteredEvent"]  # once, as the subscriber's declared type read it
    assert await count(pool, "inbox") == 1 and await count(pool, "directory_members") == 1
    assert consumer.consumed("MemberRegistered", "duplicate") == 2 and consumer.letters == []


async def test_a_type_the_service_does_not_handle_is_ignored(pool, small_directory):
    member = small_directory.members[0].member_id
    opened = InspectionOpened(
        target=Target(kind="member", id=member),
        inspection_id="kt-1",
        kind="inspection",
        topic_title="Kiểm tra việc thực hiện cam kết",
        period="2026",
        committee_unit_id="lc",
        opened_on=date(2026, 4, 1),
    )
    async with running(pool) as consumer:
        await consumer.publish(INSPECTIONS.name, body(opened), body(discipline(member)))
    assert await count(pool, "disciplines") == 1
    assert await pool.fetchval("SELECT array_agg(event_type) FROM inbox") == ["DisciplineImposed"]
    assert consumer.consumed("InspectionOpened", "ignored") == 1 and consumer.letters == []


def test_each_topic_is_read_as_the_whole_events_its_service_handles_there():
    broker = KafkaBroker()
    consumer = EventConsumer(
        SETTINGS, None, RuntimeMetrics(CollectorRegistry()), COMMITMENTS.handlers, COMMITMENTS.consumes
    )
    consumer.subscribe(broker)
    read = {s.topics[0].name: consumer.readers[s.topics[0].name].read for s in consumer.subscribers}
    assert sorted(read) == sorted(COMMITMENTS.consumes)
    discipline_read = read[INSPECTIONS.name](body(discipline("dv-1")))
    assert type(discipline_read).__name__ == "DisciplineImposedEvent"
    assert isinstance(discipline_read.payload, DisciplineImposed)  # typed once, on the way in
    assert type(read[DIRECTORY_UNITS.name](body(discipline("dv-1")))) is Envelope  # not handled there: plain


@dataclass
class Assigned:
    """A Kafka consumer as lag observation sees it: its partitions, their ends and committed offsets."""

    ends: dict[TopicPartition, int]
    offsets: dict[TopicPartition, int]

    def assignment(self) -> set[TopicPartition]:
        return set(self.ends)

    def highwater(self, partition: TopicPartition) -> int:
        return self.ends[partition]

    async def committed(self, partition: TopicPartition) -> int:
        return self.offsets[partition]


async def test_lag_is_observed_over_every_subscriber_and_forgotten_after_a_rebalance():
    consumer = EventConsumer(
        SETTINGS, None, RuntimeMetrics(CollectorRegistry()), COMMITMENTS.handlers, COMMITMENTS.consumes
    )
    consumer.subscribe(KafkaBroker())
    by_topic = {s.topics[0].name: s for s in consumer.subscribers}
    units, members = TopicPartition(DIRECTORY_UNITS.name, 0), TopicPartition(DIRECTORY_MEMBERS.name, 4)
    by_topic[DIRECTORY_UNITS.name].consumer = Assigned({units: 10}, {units: 4})
    by_topic[DIRECTORY_MEMBERS.name].consumer = Assigned({members: 5}, {members: 5})  # inspections: not started
    consumer.applied_at[(units.topic, 0)] = int((time.time() - 30) * 1000)
    registry = consumer.metrics.registry

    def lag(partition: TopicPartition) -> float | None:
        labels = {"group": "commitments", "topic": partition.topic, "partition": str(partition.partition)}
        return registry.get_sample_value("neuguong_consumer_lag_messages", labels)

    await consumer.observe_lag()
    assert lag(units) == 6 and lag(members) == 0
    assert 29 <= registry.get_sample_value("neuguong_consumer_lag_seconds", {"group": "commitments"}) < 60
    by_topic[DIRECTORY_UNITS.name].consumer = Assigned({}, {})  # a rebalance moved the partition to another replica
    await consumer.observe_lag()
    assert lag(units) is None and lag(members) == 0

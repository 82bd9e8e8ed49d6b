"""The event topics are the system's history (DESIGN.md §9), on the real broker: the services create them with
unlimited retention and correct one found with a finite retention; a rebuild refuses to swap in tables built
from a topic whose oldest records are gone, unless told to accept it."""

import pytest
from aiokafka import TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic, RecordsToDelete

from neuguong.runtime.kafka import client_options
from neuguong.runtime.topics import TopicsUnavailable, describe_topic_configs, ensure_topics
from ops.rebuild import HistoryMissing, rebuild
from schemas import encode, wrap
from schemas.commitments import CommitmentFiled
from schemas.topics import ALL_TOPICS, COMMITMENTS, DIRECTORY_UNITS, HONORS, dead_letter_topic
from services.projections.app import DEFINITION
from services.projections.store import READ_MODEL
from tests.integration.flows import directory_loaded, figure
from tests.integration.harness import eventually
from tests.integration.test_projections_recount import digests

HISTORY = {"cleanup.policy": "delete", "retention.ms": "-1", "retention.bytes": "-1"}


async def test_event_topics_keep_everything_and_a_finite_one_is_corrected(system):
    settings = system.settings("commitments")
    admin = AIOKafkaAdminClient(**client_options(settings))
    await admin.start()
    try:
        shortened = {
            "retention.ms": "86400000",
            "retention.bytes": "1000000",
            "max.message.bytes": "2000000",  # raised by an operator: stays
            "min.insync.replicas": "1",  # set on the topic for another reason: stays
        }
        await admin.create_topics(
            [
                NewTopic(settings.topic(COMMITMENTS.name), 2, 1, topic_configs=shortened),
                NewTopic(settings.topic(DIRECTORY_UNITS.name), 1, 1, topic_configs={"cleanup.policy": "delete"}),
            ]
        )
        await ensure_topics(settings, [*ALL_TOPICS, dead_letter_topic("commitments")])
        names = [settings.topic(t) for t in (COMMITMENTS.name, DIRECTORY_UNITS.name, HONORS.name, "commitments.dlq")]

        async def kept() -> dict:
            return {name: values for name, (values, _) in (await describe_topic_configs(admin, names)).items()}

        async def corrected() -> bool:
            return (await kept())[names[0]]["retention.ms"] == "-1"

        await eventually(corrected, timeout=10)
        configs = await kept()
    finally:
        await admin.close()
    events, units, honors, dead = (configs[name] for name in names)
    assert {k: events[k] for k in (*HISTORY, "max.message.bytes", "min.insync.replicas")} == {
        **HISTORY,
        "max.message.bytes": "2000000",
        "min.insync.replicas": "1",
    }
    assert units["cleanup.policy"] == "compact"
    assert {k: honors[k] for k in (*HISTORY, "max.message.bytes")} == {**HISTORY, "max.message.bytes": "1048576"}
    assert {k: dead[k] for k in HISTORY} == HISTORY


async def test_a_topic_the_broker_refuses_to_create_stops_the_start_and_is_named(system):
    settings = system.settings("commitments", kafka_replication=3)  # one broker here: three copies cannot be
    with pytest.raises(TopicsUnavailable, match=r"commitments\.events.: .InvalidReplicationFactor"):
        await ensure_topics(settings, [COMMITMENTS])


async def test_a_rebuild_refuses_to_swap_when_the_history_has_lost_its_start(system, small_directory):
    member = small_directory.members[0]
    filed = wrap(
        CommitmentFiled(commitment_id="k-history", member_id=member.member_id, cell_id=member.cell_id, year=2026),
        producer="commitments",
        actor=member.member_id,
        unit_path=small_directory.path_for(member),
        correlation_id="history",
    )
    async with system.service("projections") as projections:
        await system.import_directory(small_directory)
        await directory_loaded(projections, small_directory)
        for _ in range(2):  # the second copy is a duplicate: deleting the first loses nothing of the figures
            await system.publish_raw(COMMITMENTS.name, encode(filed), member.member_id.encode())
        await eventually(lambda: figure(projections, system, member.cell_id, "commitments_filed", "2026"))
        (first, _) = await system.read_topic(COMMITMENTS.name, at_least=2)
        settings = projections.runtime.settings
        admin = AIOKafkaAdminClient(**client_options(settings))
        await admin.start()
        try:
            gone = TopicPartition(first.topic, first.partition)
            await admin.delete_records({gone: RecordsToDelete(before_offset=1)})
        finally:
            await admin.close()
        live = await digests(projections)

        with pytest.raises(HistoryMissing) as missing:
            await rebuild(DEFINITION, settings, READ_MODEL)
        assert str(missing.value) == f"history missing: {first.topic}[{first.partition}] starts at offset 1"
        assert missing.value.starts == {gone: 1}
        assert await digests(projections) == live
        assert await projections.runtime.pool.fetchval("SELECT to_regclass('projections_rebuild.inbox')") is None

        result = await rebuild(DEFINITION, settings, READ_MODEL, accept_missing_history=True)
        assert result.replayed == len(small_directory.units) + len(small_directory.members) + 1
        assert await figure(projections, system, member.cell_id, "commitments_filed", "2026") == 1

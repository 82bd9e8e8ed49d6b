"""The delivery guarantees of DESIGN.md §4 on the real broker and database."""

import asyncio

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer

from neuguong.runtime import outbox
from neuguong.runtime.relay import OutboxRelay
from schemas import CommitmentFiled, decode, encode, wrap
from schemas.topics import COMMITMENTS
from tests.integration.flows import directory_loaded, figure, file_commitment
from tests.integration.harness import eventually


def commitment(member, year: int = 2026) -> CommitmentFiled:
    return CommitmentFiled(
        commitment_id=f"k-{member.member_id}-{year}",
        member_id=member.member_id,
        cell_id=member.cell_id,
        year=year,
        is_leader=member.is_leader,
    )


async def test_an_event_reaches_kafka_only_when_its_transaction_commits(system, small_directory):
    kept, dropped = small_directory.members[0], small_directory.members[1]
    meta = outbox.EventMeta(producer="commitments", actor="test", correlation_id="rollback-test")
    async with system.service("commitments") as commitments:
        pool = commitments.runtime.pool
        with pytest.raises(RuntimeError):
            async with pool.acquire() as conn, conn.transaction():
                await outbox.record(conn, meta, (commitment(dropped), small_directory.path_for(dropped)))
                raise RuntimeError("the command failed after staging its event")
        async with pool.acquire() as conn, conn.transaction():
            await outbox.record(conn, meta, (commitment(kept), small_directory.path_for(kept)))
        records = await system.read_topic(COMMITMENTS.name, at_least=1)
        await asyncio.sleep(1.0)  # a wrongly published event would have been sent in the same relay round
        records = await system.read_topic(COMMITMENTS.name, at_least=1)
        assert [decode(r.value).payload["member_id"] for r in records] == [kept.member_id]
        assert await pool.fetchval("SELECT count(*) FROM outbox") == 1


async def test_a_redelivered_event_leaves_the_read_model_unchanged(system, small_directory):
    member = small_directory.members[2]
    envelope = wrap(
        commitment(member),
        producer="commitments",
        actor=member.member_id,
        unit_path=small_directory.path_for(member),
        correlation_id="redelivery",
    )
    async with system.service("projections") as projections:
        await system.import_directory(small_directory)
        await directory_loaded(projections, small_directory)
        for _ in range(3):
            await system.publish_raw(COMMITMENTS.name, encode(envelope), member.member_id.encode())
        await eventually(lambda: figure(projections, system, "lc", "commitments_filed", "2026"))
        await eventually(lambda: _at_least(consumed(projections, "CommitmentFiled", "duplicate"), 2))
        assert await figure(projections, system, member.cell_id, "commitments_filed", "2026") == 1
        assert await figure(projections, system, "lc", "commitments_filed", "2026") == 1
        assert await consumed(projections, "CommitmentFiled", "applied") == 1
        assert (
            await projections.runtime.pool.fetchval("SELECT count(*) FROM inbox WHERE event_type = 'CommitmentFiled'")
            == 1
        )


async def _at_least(value, expected: float) -> bool:
    return await value >= expected


async def consumed(service, event_type: str, outcome: str) -> float:
    labels = {"group": service.runtime.settings.consumer_group, "event_type": event_type, "outcome": outcome}
    return service.app.state.registry.get_sample_value("neuguong_events_consumed_total", labels) or 0


async def test_a_poison_message_is_dead_lettered_and_the_next_one_still_applies(system, small_directory):
    member = small_directory.members[3]
    good = wrap(
        commitment(member),
        producer="commitments",
        actor=member.member_id,
        unit_path=small_directory.path_for(member),
        correlation_id="after-poison",
    )
    bad_payload = wrap(
        commitment(member, 2025),
        producer="commitments",
        actor="x",
        unit_path=small_directory.path_for(member),
        correlation_id="bad-payload",
    )
    bad_payload = bad_payload.model_copy(update={"payload": {"member_id": member.member_id}})
    key = member.member_id.encode()
    async with system.service("projections") as projections:
        await system.import_directory(small_directory)
        await directory_loaded(projections, small_directory)
        await system.publish_raw(COMMITMENTS.name, b"{not an event", key, {"event_type": "CommitmentFiled"})
        await system.publish_raw(COMMITMENTS.name, encode(bad_payload), key)
        await system.publish_raw(COMMITMENTS.name, encode(good), key)

        await eventually(lambda: figure(projections, system, member.cell_id, "commitments_filed", "2026"))
        letters = await system.read_topic("projections.dlq", at_least=2)
    assert len(letters) == 2
    headers = [{k: v.decode() for k, v in letter.headers} for letter in letters]
    assert [h["dlq_topic"] for h in headers] == [system.prefix + COMMITMENTS.name] * 2
    assert "not an event envelope" in headers[0]["dlq_error"]
    assert "payload of CommitmentFiled" in headers[1]["dlq_error"]
    assert headers[1]["dlq_error"].count("Field required") >= 1
    assert int(headers[1]["dlq_offset"]) == int(headers[0]["dlq_offset"]) + 1
    assert all(h["dlq_attempts"] == "1" and h["dlq_partition"].isdigit() for h in headers)
    assert letters[0].value == b"{not an event"


async def test_a_failing_handler_is_retried_then_dead_lettered(system, small_directory):
    member = small_directory.members[4]
    event = wrap(
        commitment(member),
        producer="commitments",
        actor=member.member_id,
        unit_path=small_directory.path_for(member),
        correlation_id="always-fails",
    )
    calls = []

    async def broken(conn, event, envelope):
        calls.append(envelope.event_id)
        raise asyncpg.exceptions.CheckViolationError("new row violates check constraint value_not_negative")

    from dataclasses import replace

    from services.projections.app import DEFINITION

    definition = replace(DEFINITION, handlers={**DEFINITION.handlers, "CommitmentFiled": broken})
    async with system.service("projections", definition, consumer_max_attempts=3):
        await system.publish_raw(COMMITMENTS.name, encode(event), member.member_id.encode())
        (letter,) = await system.read_topic("projections.dlq", at_least=1)
    headers = {k: v.decode() for k, v in letter.headers}
    assert headers["dlq_attempts"] == "3"
    assert "value_not_negative" in headers["dlq_error"]
    assert headers["event_id"] == str(event.event_id)
    assert len(calls) == 1 + 3  # the batch try, then three attempts alone


class RelayDyingAfterPublish(OutboxRelay):
    """A relay that dies after the broker acknowledged and before the rows are marked sent."""

    async def after_publish(self, rows):
        raise SystemExit("killed between publish and mark")


async def test_a_relay_killed_between_publish_and_mark_leads_to_one_effect(system, small_directory):
    member = small_directory.members[6]
    async with system.service("commitments") as commitments, system.service("projections") as projections:
        await system.import_directory(small_directory)
        await directory_loaded(commitments, small_directory)
        await commitments.runtime.relay.stop()  # the service's own relay steps aside for the dying one
        dying = RelayDyingAfterPublish(
            commitments.runtime.settings, commitments.runtime.pool, commitments.runtime.metrics
        )
        response = await file_commitment(system, commitments, member)
        assert response.status_code == 201, response.text
        dying.producer = AIOKafkaProducer(
            bootstrap_servers=commitments.runtime.settings.kafka_bootstrap, enable_idempotence=True, acks="all"
        )
        await dying.producer.start()
        try:
            with pytest.raises(SystemExit):
                await dying.publish_pending()
        finally:
            await dying.producer.stop()
        assert await commitments.runtime.pool.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL") == 1
        await eventually(lambda: figure(projections, system, member.cell_id, "commitments_filed", "2026"))

        await commitments.runtime.relay.start()  # the next leader publishes the unmarked row again
        await eventually(lambda: _all_marked(commitments))
        records = await system.read_topic(COMMITMENTS.name, at_least=2)
        assert len(records) == 2 and records[0].value == records[1].value
        await eventually(lambda: _at_least(consumed(projections, "CommitmentFiled", "duplicate"), 1))
        assert await figure(projections, system, member.cell_id, "commitments_filed", "2026") == 1
        assert await figure(projections, system, "lc", "commitments_filed", "2026") == 1


async def _all_marked(service) -> bool:
    return await service.runtime.pool.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL") == 0


async def test_a_database_outage_is_waited_out_not_dead_lettered(system, small_directory):
    member = small_directory.members[7]
    event = wrap(
        commitment(member),
        producer="commitments",
        actor=member.member_id,
        unit_path=small_directory.path_for(member),
        correlation_id="outage",
    )
    outages = []

    from dataclasses import replace

    from services.projections.app import DEFINITION
    from services.projections.handlers import on_commitment_filed

    async def flaky(conn, event, envelope):
        if len(outages) < 4:  # more failures than NG_CONSUMER_MAX_ATTEMPTS: an outage, not a bad event
            outages.append(envelope.event_id)
            raise asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed in the middle of operation")
        await on_commitment_filed(conn, event, envelope)

    definition = replace(DEFINITION, handlers={**DEFINITION.handlers, "CommitmentFiled": flaky})
    async with system.service(
        "projections", definition, consumer_max_attempts=2, consumer_retry_backoff_seconds=0.02
    ) as projections:
        await system.import_directory(small_directory)
        await directory_loaded(projections, small_directory)
        await system.publish_raw(COMMITMENTS.name, encode(event), member.member_id.encode())
        await eventually(lambda: figure(projections, system, member.cell_id, "commitments_filed", "2026"))
        assert len(outages) == 4
        assert await system.read_topic("projections.dlq", timeout=2) == []


async def test_two_transactions_staging_one_key_commit_in_outbox_order(system, small_directory):
    member = small_directory.members[8]
    meta = outbox.EventMeta(producer="commitments", actor="test", correlation_id="one-key")
    async with system.service("commitments") as commitments:
        pool = commitments.runtime.pool
        async with pool.acquire() as first, first.transaction():
            await outbox.record(first, meta, (commitment(member, 2025), small_directory.path_for(member)))

            async def second_writer() -> None:
                async with pool.acquire() as conn, conn.transaction():
                    await outbox.record(conn, meta, (commitment(member, 2026), small_directory.path_for(member)))

            second = asyncio.create_task(second_writer())
            await asyncio.sleep(0.5)
            assert not second.done()  # the same key waits for the first transaction to commit
        await second
        records = await system.read_topic(COMMITMENTS.name, at_least=2)
    assert [decode(r.value).payload["year"] for r in records] == [2025, 2026]

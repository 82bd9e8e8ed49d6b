"""services/commitments' consumer on TestKafkaBroker and PostgreSQL: records that cannot be read are
dead-lettered with the dlq_* headers while the rest of their batch applies, and older versions are upcast."""

from typing import ClassVar

import pytest

from schemas import EVENT_TYPES, MemberRegistered
from schemas.registry import UPCASTERS
from schemas.topics import DIRECTORY_MEMBERS
from tests.handlers.consumer_layer import body, count, record, running

pytestmark = pytest.mark.handlers


async def test_poison_records_are_dead_lettered_and_the_rest_of_their_batch_applies(pool, small_directory):
    first, second = small_directory.members[:2]
    not_json, not_an_envelope = b"{not an event", b'{"event_type": "MemberRegistered", "version": 1}'
    bad_payload = body(first, payload={"member_id": first.member_id})
    topic = DIRECTORY_MEMBERS.name
    records = [
        record(topic, body(first), 10),
        record(topic, not_json, 11, [("event_type", b"MemberRegistered")]),
        record(topic, not_an_envelope, 12),
        record(topic, bad_payload, 13),
        record(topic, body(second), 14),
    ]
    async with running(pool) as consumer:
        await consumer.deliver(topic, *records)
    assert await pool.fetchval("SELECT array_agg(member_id ORDER BY member_id) FROM directory_members") == sorted(
        [first.member_id, second.member_id]
    )
    assert [letter.body for letter in consumer.letters] == [not_json, not_an_envelope, bad_payload]
    headers = [letter.headers for letter in consumer.letters]
    assert [h["dlq_offset"] for h in headers] == ["11", "12", "13"]
    assert all(
        h["dlq_topic"] == topic
        and h["dlq_partition"] == "2"
        and h["dlq_group"] == "commitments"
        and h["dlq_attempts"] == "1"
        for h in headers
    )
    assert "not an event envelope: (body): Invalid JSON" in headers[0]["dlq_error"]
    assert headers[0]["event_type"] == "MemberRegistered"  # the record's own headers travel with it
    assert "not an event envelope: event_id: Field required" in headers[1]["dlq_error"]
    assert "payload of MemberRegistered" in headers[2]["dlq_error"] and "full_name" in headers[2]["dlq_error"]
    assert headers[2]["event_type"] == "MemberRegistered" and headers[2]["event_id"]
    assert consumer.offsets.inbox_at_commit == [2]


async def test_a_header_that_is_not_utf8_neither_stalls_the_partition_nor_loses_its_record(pool, small_directory):
    topic, member = DIRECTORY_MEMBERS.name, small_directory.members[0]
    records = [record(topic, body(member), 7, [("trace", b"\xff\xfe")]), record(topic, b"\x00", 8, [("x", b"\xff")])]
    async with running(pool) as consumer:
        await consumer.deliver(topic, *records)
    assert await count(pool, "directory_members") == 1 and consumer.offsets.inbox_at_commit == [1]
    (letter,) = consumer.letters
    assert letter.body == b"\x00" and letter.headers["x"] == "\ufffd" and letter.headers["dlq_offset"] == "8"


class MemberRegisteredV2(MemberRegistered):
    """A later version of the event, as a test reader knows it: v1 called full_name `name`."""

    version: ClassVar[int] = 2


async def test_an_older_version_is_upcast_and_a_newer_one_dead_lettered(pool, small_directory, monkeypatch):
    monkeypatch.setitem(EVENT_TYPES, "MemberRegistered", MemberRegisteredV2)
    monkeypatch.setitem(
        UPCASTERS,
        ("MemberRegistered", 1),
        lambda payload: {**{k: v for k, v in payload.items() if k != "name"}, "full_name": payload["name"]},
    )
    old, current, newer = small_directory.members[:3]
    v1 = old.model_dump(mode="json", exclude={"full_name"}) | {"name": "Lò Thị Mai"}
    async with running(pool) as consumer:
        await consumer.publish(
            DIRECTORY_MEMBERS.name,
            body(old, version=1, payload=v1),
            body(MemberRegisteredV2(**current.model_dump())),
            body(newer, version=3),
        )
    names = {row["member_id"]: row["full_name"] for row in await pool.fetch("SELECT * FROM directory_members")}
    assert names == {old.member_id: "Lò Thị Mai", current.member_id: current.full_name}
    (letter,) = consumer.letters
    assert "MemberRegistered v3 is newer than this reader (v2)" in letter.headers["dlq_error"]

"""Events the broker refuses, on the real broker and database: a command whose event is too large answers 413
and writes nothing; a row the topic still refuses is parked while the rest flows, holds back only the later
rows of its own key, and is listed, retried and discarded by an operator of the whole tree over HTTP."""

import asyncio
from collections import defaultdict

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from neuguong.runtime import outbox
from neuguong.runtime.kafka import client_options
from neuguong.runtime.settings import Settings
from neuguong.runtime.topics import describe_topic_configs, topic_configs
from schemas import CommitmentFiled, decode
from schemas.topics import COMMITMENTS
from tests.integration.flows import directory_loaded
from tests.integration.harness import eventually

META = outbox.EventMeta(producer="commitments", actor="test", correlation_id="parking")


async def topic_accepts(settings: Settings, max_message_bytes: int) -> None:
    """Set commitments.events' max.message.bytes, as an operator (or a misconfiguration) does, and wait until
    the broker applies it."""
    name = settings.topic(COMMITMENTS.name)
    configs = {**topic_configs(COMMITMENTS, settings), "max.message.bytes": str(max_message_bytes)}
    admin = AIOKafkaAdminClient(**client_options(settings))
    await admin.start()
    try:
        await admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, name, configs)])

        async def applied() -> bool:
            values, _ = (await describe_topic_configs(admin, [name]))[name]
            return values["max.message.bytes"] == str(max_message_bytes)

        await eventually(applied, timeout=10)
    finally:
        await admin.close()


def filed(member, year: int, limitation_bytes: int = 0) -> tuple[CommitmentFiled, list[str]]:
    limitations = ["Chưa thường xuyên tự học, tự rèn luyện " * (limitation_bytes // 40 + 1)] if limitation_bytes else []
    event = CommitmentFiled(
        commitment_id=f"k-{member.member_id}-{year}",
        member_id=member.member_id,
        cell_id=member.cell_id,
        year=year,
        limitations=limitations,
    )
    return event, ["lc", member.cell_id]


async def stage(service, *events) -> list[int]:
    async with service.runtime.pool.acquire() as conn, conn.transaction():
        envelopes = await outbox.record(conn, META, *events)
        return [await conn.fetchval("SELECT id FROM outbox WHERE event_id = $1", e.event_id) for e in envelopes]


async def state(service, row_id: int) -> str:
    row = await service.runtime.pool.fetchrow("SELECT * FROM outbox WHERE id = $1", row_id)
    if row["published_at"]:
        return "published"
    return "discarded" if row["discarded_at"] else "parked" if row["parked_at"] else "pending"


async def in_state(service, wanted: dict[int, str]) -> bool:
    return all([await state(service, row_id) == expected for row_id, expected in wanted.items()])


async def on_topic(system, member_id: str) -> bool:
    records = await system.read_topic(COMMITMENTS.name, timeout=1)
    return any(decode(r.value).payload["member_id"] == member_id for r in records)


async def years_on_topic(system, at_least: int) -> dict[str, list[int]]:
    """Each key's years in the order of their first occurrence on the topic."""
    years: dict[str, list[int]] = defaultdict(list)
    for record in await system.read_topic(COMMITMENTS.name, at_least=at_least):
        payload = decode(record.value).payload
        if payload["year"] not in years[payload["member_id"]]:
            years[payload["member_id"]].append(payload["year"])
    return dict(years)


async def test_a_row_the_broker_refuses_is_parked_and_holds_back_only_its_own_key(system, small_directory):
    first, second = small_directory.members[:2]
    async with system.service("commitments") as commitments:
        await topic_accepts(commitments.runtime.settings, 20_000)
        (a,) = await stage(commitments, filed(first, 2025))
        await eventually(lambda: in_state(commitments, {a: "published"}), timeout=15)
        # b is now the first record of its partition for the relay's producer: were c sent after b was
        # refused, the broker would take it, and first's 2027 would come before its 2026.
        b, c, d = await stage(commitments, filed(first, 2026, 30_000), filed(first, 2027), filed(second, 2026))
        await eventually(lambda: on_topic(system, second.member_id), timeout=15)
        await asyncio.sleep(2.0)  # a relay going round again would have sent c meanwhile
        assert await years_on_topic(system, at_least=2) == {first.member_id: [2025], second.member_id: [2026]}
        await eventually(lambda: in_state(commitments, {b: "parked", c: "pending", d: "published"}), timeout=15)
        registry = commitments.app.state.registry
        assert registry.get_sample_value("neuguong_outbox_parked", {"service": "commitments"}) == 1

        await topic_accepts(commitments.runtime.settings, 1024 * 1024)  # the operator raises the limit
        operator = system.token("van-hanh", "operator", "lc")
        await system.import_directory(small_directory)
        await directory_loaded(commitments, small_directory)
        retried = await commitments.client.post(f"/outbox/parked/{b}/retry", headers=operator)
        assert retried.status_code == 200 and retried.json() == {"id": b, "state": "pending"}
        await eventually(lambda: in_state(commitments, {b: "published", c: "published"}), timeout=15)
        assert (await years_on_topic(system, at_least=4))[first.member_id] == [2025, 2026, 2027]


async def test_operators_of_the_whole_tree_list_retry_and_discard_parked_rows(system, small_directory):
    first, second = small_directory.members[:2]
    commune = small_directory.unit_path(first.cell_id)[1]
    async with system.service("commitments") as commitments:
        await system.import_directory(small_directory)
        await directory_loaded(commitments, small_directory)
        await topic_accepts(commitments.runtime.settings, 20_000)
        b, c, e, f = await stage(
            commitments,
            filed(first, 2026, 30_000),
            filed(first, 2027),
            filed(second, 2026, 30_000),
            filed(second, 2027),
        )
        await eventually(lambda: in_state(commitments, {b: "parked", e: "parked"}), timeout=15)
        client, operator = commitments.client, system.token("van-hanh", "operator", "lc")

        assert (await client.get("/outbox/parked")).status_code == 401
        assert (
            await client.get("/outbox/parked", headers=system.token("tinh-uy", "committee", "lc"))
        ).status_code == 403
        local = await client.get("/outbox/parked", headers=system.token("xa", "operator", commune))
        assert local.status_code == 403 and "not the root" in local.json()["detail"]
        listed = (await client.get("/outbox/parked", headers=operator)).json()["parked"]
        assert [(r["id"], r["key"], r["held_back"]) for r in listed] == [
            (b, first.member_id, 1),
            (e, second.member_id, 1),
        ]
        assert all("MessageSizeTooLarge" in r["reason"] and r["bytes"] > 30_000 for r in listed)

        for _ in range(2):  # discarding is idempotent
            discarded = await client.post(f"/outbox/parked/{e}/discard", headers=operator)
            assert discarded.status_code == 200 and discarded.json() == {"id": e, "state": "discarded"}
        await eventually(lambda: in_state(commitments, {f: "published"}), timeout=15)
        assert (await client.post(f"/outbox/parked/{e}/retry", headers=operator)).status_code == 409
        assert (await client.post(f"/outbox/parked/{c}/discard", headers=operator)).status_code == 409  # not parked
        assert (await client.post(f"/outbox/parked/{f + 1000}/retry", headers=operator)).status_code == 404
        assert (
            await client.post(f"/outbox/parked/{b}/retry", headers=system.token("x", "committee", "lc"))
        ).status_code == 403

        await topic_accepts(commitments.runtime.settings, 1024 * 1024)
        for _ in range(2):  # retrying is idempotent: the row is handed back once
            retried = await client.post(f"/outbox/parked/{b}/retry", headers=operator)
            assert retried.status_code == 200 and retried.json()["state"] in ("pending", "published")
        await eventually(lambda: in_state(commitments, {b: "published", c: "published"}), timeout=15)
        assert await years_on_topic(system, at_least=3) == {first.member_id: [2026, 2027], second.member_id: [2027]}
        assert (await client.get("/outbox/parked", headers=operator)).json() == {"parked": []}


async def test_a_command_whose_event_is_too_large_answers_413_and_writes_nothing(system, small_directory):
    member = small_directory.members[3]
    async with system.service("commitments", max_event_bytes=4096) as commitments:
        await system.import_directory(small_directory)
        await directory_loaded(commitments, small_directory)
        pool = commitments.runtime.pool
        tables = ("commitments", "commitment_versions", "outbox", "idempotency")
        before = {t: await pool.fetchval(f"SELECT count(*) FROM {t}") for t in tables}
        response = await commitments.client.post(
            "/commitments",
            json={
                "member_id": member.member_id,
                "year": 2026,
                "limitations": ["Chưa mạnh dạn đấu tranh phê bình và tự phê bình " * 35] * 3,
            },
            headers={**system.token(member.member_id, "member", member.cell_id), "Idempotency-Key": "too-large-1"},
        )
        assert response.status_code == 413, response.text
        (error,) = response.json()["errors"]
        assert error["field"] == "limitations" and "NG_MAX_EVENT_BYTES" in error["reason"]
        assert {t: await pool.fetchval(f"SELECT count(*) FROM {t}") for t in tables} == before

"""Channels over HTTP (who may register them, secrets never read back) and revocations before any attempt."""

import pytest

from neuguong.deliveries import list_deliveries
from services.notifications.app import definition
from services.notifications.settings import DeliverySettings
from tests.integration.flows import directory_loaded
from tests.integration.harness import eventually
from tests.integration.publicity import (
    SECRET,
    Receiver,
    honor_recorded,
    publish_honor_event,
    register_channel,
    revoked,
)


@pytest.fixture
async def idle_service(system, small_directory):
    async with system.service("notifications", definition=definition(DeliverySettings(worker_enabled=False))) as s:
        await system.import_directory(small_directory)
        await directory_loaded(s, small_directory)
        yield s


def body(channel_id="kenh-1", unit_id="lc", **extra):
    return {"channel_id": channel_id, "kind": "fanpage", "name": "Fanpage Tuổi trẻ", "url": "http://127.0.0.1:9/h",
            "secret": SECRET, "unit_id": unit_id, "min_level": "cell", **extra}


async def test_who_may_register_a_channel(system, small_directory, idle_service):
    client = idle_service.client
    communes = [u.unit_id for u in small_directory.units if u.level == "grassroots"]
    publisher = system.token("bt", "publisher", communes[0])

    async def post(payload, token, key):
        return await client.post("/channels", json=payload, headers={**token, "Idempotency-Key": key})

    assert (await post(body(), {}, "k-none-1-key")).status_code == 401
    assert (await post(body(unit_id=communes[0]), system.token("m", "member", communes[0]), "k-mem-1-key")).status_code == 403
    assert (await post(body(unit_id=communes[1]), publisher, "k-out-1-key")).status_code == 403
    unknown = await post(body(unit_id="khong-co"), publisher, "k-unk-1-key")
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "unit_id"
    short = await post(body(unit_id=communes[0], secret="ngan"), publisher, "k-short-1-key")
    assert short.status_code == 422 and short.json()["errors"][0]["field"] == "secret"

    created = await post(body(unit_id=communes[0]), publisher, "k-ok-0001")
    assert created.status_code == 201 and "secret" not in created.json()
    replay = await post(body(unit_id=communes[0]), publisher, "k-ok-0001")
    assert replay.json() == created.json() and replay.headers["Idempotent-Replayed"] == "true"
    taken = await post(body(unit_id=communes[0]), publisher, "k-ok-0002")
    assert taken.status_code == 409 and taken.json()["existing"]["channel_id"] == "kenh-1"

    listed = await client.get("/channels", headers=publisher)
    assert [c["channel_id"] for c in listed.json()["channels"]] == ["kenh-1"]
    assert SECRET not in listed.text
    assert (await client.get("/deliveries", headers=publisher)).status_code == 403
    assert (await client.get("/deliveries", headers=system.token("op", "operator", "lc"))).status_code == 200


async def test_an_honor_revoked_before_any_attempt_is_cancelled_without_a_retraction(system, small_directory,
                                                                                     idle_service):
    await register_channel(system, idle_service, "portal", Receiver(port=9))
    member = small_directory.members[0]
    honor = honor_recorded(member)
    await publish_honor_event(system, honor, small_directory.unit_path(member.cell_id))
    settings = system.settings("notifications")

    async def queued():
        return await list_deliveries(settings, state="pending")
    (pending,) = await eventually(queued)
    assert pending["honor_id"] == honor.honor_id and pending["kind"] == "publish"
    await publish_honor_event(system, revoked(honor), small_directory.unit_path(member.cell_id))

    async def cancelled():
        return await list_deliveries(settings, state="cancelled")
    (gone,) = await eventually(cancelled)
    assert gone["delivery_id"] == pending["delivery_id"] and gone["total_attempts"] == 0
    assert [d["kind"] for d in await list_deliveries(settings)] == ["publish"]  # no retraction queued

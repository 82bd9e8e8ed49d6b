"""Fan-out to misbehaving receivers on loopback: exactly once per channel, retractions, dead letters, breaker."""

import asyncio

import pytest
from prometheus_client import generate_latest

from ops.deliveries import list_deliveries, retry_deliveries
from schemas import decode
from schemas.topics import NOTIFICATIONS
from services.notifications.app import definition
from tests.integration.flows import directory_loaded
from tests.integration.harness import eventually
from tests.integration.publicity import (
    FAST,
    Receiver,
    honor_recorded,
    operator,
    publish_honor_event,
    register_channel,
    revoked,
)


def flaky(attempt):  # 500, then 429 with Retry-After, then fine
    return {1: (500, {}, 0.0), 2: (429, {"Retry-After": "1"}, 0.0)}.get(attempt, (200, {}, 0.0))


def slow(attempt):  # the first answer comes after the 0.5 s timeout; the receiver did process it
    return (200, {}, 1.0) if attempt == 1 else (200, {}, 0.05)


def broken(_):
    return 503, {}, 0.0


@pytest.fixture
async def notifications(system, small_directory):
    async with system.service("notifications", definition=definition(FAST)) as service:
        await system.import_directory(small_directory)
        await directory_loaded(service, small_directory)
        yield service


async def test_every_honor_reaches_every_matching_channel_exactly_once(system, small_directory, notifications):
    receivers = {
        name: await Receiver(script).start()
        for name, script in (
            ("flaky", flaky),
            ("slow", slow),
            ("late", lambda _: (200, {}, 0.0)),
            ("broken", broken),
            ("high", lambda _: (200, {}, 0.0)),
        )
    }
    communes = [u.unit_id for u in small_directory.units if u.level == "grassroots"]
    await receivers["late"].stop()  # down for a while
    await register_channel(system, notifications, "portal-flaky", receivers["flaky"])
    await register_channel(
        system, notifications, "fanpage-slow", receivers["slow"], unit_id=communes[0], kind="fanpage"
    )
    await register_channel(system, notifications, "portal-late", receivers["late"])
    await register_channel(system, notifications, "portal-broken", receivers["broken"])
    await register_channel(system, notifications, "portal-high", receivers["high"], min_level="grassroots")

    members = small_directory.members[::3]
    honors = [honor_recorded(m, level="grassroots" if i % 3 == 0 else "cell") for i, m in enumerate(members)]
    for honor, member in zip(honors, members, strict=False):
        await publish_honor_event(system, honor, small_directory.unit_path(member.cell_id))
    await publish_honor_event(system, honors[0], small_directory.unit_path(members[0].cell_id))  # a duplicate
    await asyncio.sleep(1.5)
    await receivers["late"].start()  # back up, same port

    everyone = {h.honor_id for h in honors}
    in_commune = {
        h.honor_id for h, m in zip(honors, members, strict=False) if communes[0] in small_directory.unit_path(m.cell_id)
    }
    high = {h.honor_id for h in honors if h.level == "grassroots"}
    expected = {"flaky": everyone, "slow": in_commune, "late": everyone, "high": high}

    async def all_arrived():
        return all(set(receivers[n].honors("honor.published")) == ids for n, ids in expected.items())

    await eventually(all_arrived, timeout=60)
    for name, ids in expected.items():
        published = receivers[name].honors("honor.published")
        assert sorted(published) == sorted(ids), name  # one idempotency key per honor and channel
        assert receivers[name].bad_signatures == 0
    assert max(receivers["slow"].attempts.values()) >= 2 and max(receivers["flaky"].attempts.values()) >= 3

    # The broken channel: every delivery dead-lettered after its last attempt, visible to operators.
    province_operator = operator(system, notifications)

    async def dead_letters():
        dead = await list_deliveries(province_operator, state="dead", channel_id="portal-broken")
        return dead if len(dead) == len(honors) else None

    dead = await eventually(dead_letters, timeout=60)
    assert all(d["last_status"] == 503 and "503" in d["last_error"] for d in dead)
    for unit, visible in (("lc", len(honors)), (communes[0], 0)):  # an operator sees their subtree's channels
        reply = await notifications.client.get(
            "/deliveries",
            params={"state": "dead", "channel_id": "portal-broken"},
            headers=system.token("op", "operator", unit),
        )
        assert len(reply.json()["deliveries"]) == visible, unit
    elsewhere = operator(system, notifications, communes[0])  # `neuguong deliveries` with a commune's token
    assert await list_deliveries(elsewhere, state="dead", channel_id="portal-broken") == []
    assert await retry_deliveries(elsewhere, channel_id="portal-broken") == []
    assert await retry_deliveries(elsewhere, delivery_ids=[d["delivery_id"] for d in dead]) == []
    assert len(await list_deliveries(province_operator, state="dead", channel_id="portal-broken")) == len(honors)
    assert receivers["broken"].accepted == {}
    metrics = generate_latest(notifications.app.state.registry).decode()
    assert 'neuguong_delivery_dead_letters_total{channel="portal-broken"}' in metrics
    assert 'neuguong_channel_breaker_state{channel="portal-broken"}' in metrics

    async def announced():  # the relay may still be sending the last of these events
        types = [decode(r.value).event_type for r in await system.read_topic(NOTIFICATIONS.name)]
        return types.count("DeliveryDeadLettered") >= len(honors) and types.count("PublicityDelivered") >= sum(
            len(v) for v in expected.values()
        )

    await eventually(announced)

    # Revocations become retractions, sent after the publication, to every channel that received it.
    gone = honors[:2]
    for honor in gone:
        await publish_honor_event(system, revoked(honor), small_directory.unit_path(honor.recording_unit_id))

    async def retracted():
        return all(
            set(receivers[n].honors("honor.retracted")) == {h.honor_id for h in gone} & ids
            for n, ids in expected.items()
        )

    await eventually(retracted, timeout=60)
    for name, ids in expected.items():
        for honor in gone:
            if honor.honor_id in ids:
                assert receivers[name].time_of("honor.published", honor.honor_id) < receivers[name].time_of(
                    "honor.retracted", honor.honor_id
                )

    # The operator mends the broken receiver and retries the dead letters: each goes out once; a revoked
    # honor's publication is cancelled instead, and only its retraction is sent.
    async def settled():
        return not await list_deliveries(province_operator, state="pending", channel_id="portal-broken")

    await eventually(settled, timeout=60)
    receivers["broken"].script = lambda _: (200, {}, 0.0)
    assert len(await retry_deliveries(province_operator, channel_id="portal-broken")) == len(honors) + len(gone)

    async def mended():
        return sorted(receivers["broken"].honors("honor.published")) == sorted(
            everyone - {h.honor_id for h in gone}
        ) and sorted(receivers["broken"].honors("honor.retracted")) == sorted(h.honor_id for h in gone)

    await eventually(mended, timeout=60)
    cancelled = await list_deliveries(province_operator, state="cancelled", channel_id="portal-broken")
    assert sorted(d["honor_id"] for d in cancelled) == sorted(h.honor_id for h in gone)
    for receiver in receivers.values():
        await receiver.stop()

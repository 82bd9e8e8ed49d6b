"""Channels over HTTP (who may register and change them, secrets never read back), secret rotation, switching
a channel off and on, and revocations before any attempt."""

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from prometheus_client import CollectorRegistry

from neuguong.periods import today_local
from ops.deliveries import list_deliveries, retry_deliveries
from schemas import decode, uuid7, wrap
from schemas.topics import NOTIFICATIONS
from services.notifications import handlers, store
from services.notifications.app import definition
from services.notifications.metrics import DeliveryMetrics
from services.notifications.settings import DeliverySettings
from services.notifications.worker import DeliveryWorker
from tests.integration.flows import applied, directory_loaded
from tests.integration.harness import eventually
from tests.integration.publicity import (
    FAST,
    SECRET,
    Receiver,
    always_ok,
    honor_recorded,
    operator,
    publish_honor_event,
    register_channel,
    revoked,
)

NEW_SECRET = "bí-mật-mới-của-kênh-2026-abcdef"
NEWER_SECRET = "bí-mật-mới-hơn-của-kênh-2027-xyz"


@pytest.fixture
async def idle_service(system, small_directory):
    async with system.service("notifications", definition=definition(DeliverySettings(worker_enabled=False))) as s:
        await system.import_directory(small_directory)
        await directory_loaded(s, small_directory)
        yield s


def body(channel_id="kenh-1", unit_id="lc", **extra):
    return {
        "channel_id": channel_id,
        "kind": "fanpage",
        "name": "Fanpage Tuổi trẻ",
        "url": "http://127.0.0.1:9/h",
        "secret": SECRET,
        "unit_id": unit_id,
        "min_level": "cell",
        **extra,
    }


async def test_who_may_register_a_channel(system, small_directory, idle_service):
    client = idle_service.client
    communes = [u.unit_id for u in small_directory.units if u.level == "grassroots"]
    publisher = system.token("bt", "publisher", communes[0])

    async def post(payload, token, key):
        return await client.post("/channels", json=payload, headers={**token, "Idempotency-Key": key})

    assert (await post(body(), {}, "k-none-1-key")).status_code == 401
    assert (
        await post(body(unit_id=communes[0]), system.token("m", "member", communes[0]), "k-mem-1-key")
    ).status_code == 403
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


async def test_an_honor_revoked_before_any_attempt_is_cancelled_without_a_retraction(
    system, small_directory, idle_service
):
    await register_channel(system, idle_service, "portal", Receiver(port=9))
    member = small_directory.members[0]
    honor = honor_recorded(member)
    await publish_honor_event(system, honor, small_directory.unit_path(member.cell_id))
    operator_api = operator(system, idle_service)

    async def queued():
        return await list_deliveries(operator_api, state="pending")

    (pending,) = await eventually(queued)
    assert pending["honor_id"] == honor.honor_id and pending["kind"] == "publish"
    await publish_honor_event(system, revoked(honor), small_directory.unit_path(member.cell_id))

    async def cancelled():
        return await list_deliveries(operator_api, state="cancelled")

    (gone,) = await eventually(cancelled)
    assert gone["delivery_id"] == pending["delivery_id"] and gone["total_attempts"] == 0
    assert [d["kind"] for d in await list_deliveries(operator_api)] == ["publish"]  # no retraction queued


async def patch(system, service, channel_id, change, token=None, key=None):
    headers = {
        **(token if token is not None else system.token("bien-tap", "publisher", "lc")),
        "Idempotency-Key": key or f"change-{channel_id}-{uuid7()}",
    }
    return await service.client.patch(f"/channels/{channel_id}", json=change, headers=headers)


async def test_who_may_change_a_channel_and_what_a_bad_change_writes(system, small_directory, idle_service):
    communes = [u.unit_id for u in small_directory.units if u.level == "grassroots"]
    publisher = system.token("bt", "publisher", communes[0])
    created = await idle_service.client.post(
        "/channels", json=body(unit_id=communes[0]), headers={**publisher, "Idempotency-Key": "k-register"}
    )
    assert created.status_code == 201, created.text
    original = created.json()

    refused = {
        "no token": (await patch(system, idle_service, "kenh-1", {"name": "X"}, {}), 401, None),
        "a member": (
            await patch(system, idle_service, "kenh-1", {"name": "X"}, system.token("m", "member", communes[0])),
            403,
            None,
        ),
        "another commune": (
            await patch(system, idle_service, "kenh-1", {"name": "X"}, system.token("bt2", "publisher", communes[1])),
            403,
            None,
        ),
        "unknown channel": (await patch(system, idle_service, "khong-co", {"name": "X"}, publisher), 404, "channel_id"),
        "nothing to change": (await patch(system, idle_service, "kenh-1", {"enabled": None}, publisher), 422, "body"),
        "a window without a secret": (
            await patch(system, idle_service, "kenh-1", {"name": "X", "previous_secret_valid_hours": 2}, publisher),
            422,
            "previous_secret_valid_hours",
        ),
        "a short secret": (await patch(system, idle_service, "kenh-1", {"secret": "ngan"}, publisher), 422, "secret"),
        "a week and a day": (
            await patch(
                system, idle_service, "kenh-1", {"secret": NEW_SECRET, "previous_secret_valid_hours": 169}, publisher
            ),
            422,
            "previous_secret_valid_hours",
        ),
        "an unknown level": (
            await patch(system, idle_service, "kenh-1", {"min_level": "xa"}, publisher),
            422,
            "min_level",
        ),
        "an unknown field": (
            await patch(system, idle_service, "kenh-1", {"unit_id": communes[1]}, publisher),
            422,
            "unit_id",
        ),
    }
    for case, (reply, status, field) in refused.items():
        assert reply.status_code == status, (case, reply.text)
        if field:
            assert reply.json()["errors"][0]["field"] == field, (case, reply.json())
    listed = await idle_service.client.get("/channels", headers=publisher)
    assert listed.json()["channels"] == [original]  # nothing written by any of them
    assert original["enabled"] is True and original["updated_at"] is None

    renamed = await patch(
        system,
        idle_service,
        "kenh-1",
        {"name": "Fanpage Đoàn xã", "min_level": "grassroots"},
        publisher,
        key="k-rename",
    )
    assert renamed.status_code == 200, renamed.text
    view = renamed.json()
    assert (view["name"], view["min_level"], view["url"], view["updated_by"]) == (
        "Fanpage Đoàn xã",
        "grassroots",
        original["url"],
        "bt",
    )
    again = await patch(
        system,
        idle_service,
        "kenh-1",
        {"name": "Fanpage Đoàn xã", "min_level": "grassroots"},
        publisher,
        key="k-rename",
    )
    assert again.json() == view and again.headers["Idempotent-Replayed"] == "true"

    rotated = await patch(system, idle_service, "kenh-1", {"secret": NEW_SECRET}, publisher)
    assert rotated.status_code == 200 and NEW_SECRET not in rotated.text and SECRET not in rotated.text
    window = datetime.fromisoformat(rotated.json()["previous_secret_valid_until"]) - datetime.now(UTC)
    assert timedelta(hours=23, minutes=59) < window <= timedelta(hours=24)  # the default window
    assert rotated.json()["name"] == "Fanpage Đoàn xã"  # what was not given stays
    repeated = await patch(system, idle_service, "kenh-1", {"secret": NEW_SECRET}, publisher)  # a retry, new key
    assert repeated.json()["previous_secret_valid_until"] == rotated.json()["previous_secret_valid_until"]
    async with idle_service.runtime.pool.acquire() as conn:
        kept = await conn.fetchrow("SELECT secret, previous_secret FROM channels WHERE channel_id = 'kenh-1'")
    assert tuple(kept) == (NEW_SECRET, SECRET)  # the window still holds the secret before the rotation
    leaked = await patch(
        system, idle_service, "kenh-1", {"secret": NEWER_SECRET, "previous_secret_valid_hours": 0}, publisher
    )
    assert leaked.json()["previous_secret_valid_until"] is None
    async with idle_service.runtime.pool.acquire() as conn:
        kept = await conn.fetchrow("SELECT secret, previous_secret FROM channels WHERE channel_id = 'kenh-1'")
    assert tuple(kept) == (NEWER_SECRET, None)  # replaced at once, nothing kept


async def test_a_claimed_delivery_is_sent_as_its_channel_is_now(system, small_directory, idle_service):
    """A worker claims a batch and sends it one by one: a change made meanwhile holds from the next attempt."""
    receiver, moved = await Receiver().start(), await Receiver(secret=NEW_SECRET).start()
    operator_api, pool = operator(system, idle_service), idle_service.runtime.pool
    try:
        await register_channel(system, idle_service, "portal", receiver)
        member = small_directory.members[0]
        honor = honor_recorded(member)
        await publish_honor_event(system, honor, small_directory.unit_path(member.cell_id))
        await eventually(lambda: _queued(operator_api, honor))

        async def claim():
            async with pool.acquire() as conn:
                return await store.claim_due(conn, 10, FAST.lease_seconds, [])

        async with httpx.AsyncClient() as client:
            worker = DeliveryWorker(
                FAST,
                pool,
                DeliveryMetrics(CollectorRegistry()),
                client,
                idle_service.runtime.settings.pg_schema,
                "notifications",
            )
            (row,) = await claim()
            assert (await patch(system, idle_service, "portal", {"enabled": False})).status_code == 200
            assert await worker.deliver(row) is None
            (held,) = await list_deliveries(operator_api)
            assert (held["state"], held["total_attempts"], receiver.accepted) == ("pending", 0, {})
            assert await claim() == []  # held while the channel is off

            assert (await patch(system, idle_service, "portal", {"enabled": True})).status_code == 200
            (row,) = await claim()
            moving = {"url": moved.url, "secret": NEW_SECRET, "previous_secret_valid_hours": 0}
            assert (await patch(system, idle_service, "portal", moving)).status_code == 200
            await worker.deliver(row)
        assert moved.honors("honor.published") == [honor.honor_id] and moved.bad_signatures == 0
        assert receiver.attempts == {}
    finally:
        await receiver.stop()
        await moved.stop()


async def test_a_rotated_secret_signs_beside_the_old_one_until_its_window_ends(system, small_directory):
    receiver = await Receiver().start()
    try:
        async with system.service("notifications", definition=definition(FAST)) as service:
            await system.import_directory(small_directory)
            await directory_loaded(service, small_directory)
            await register_channel(system, service, "portal", receiver)
            operator_api = operator(system, service)
            members = small_directory.members

            async def publish(member):
                honor = honor_recorded(member)
                await publish_honor_event(system, honor, small_directory.unit_path(member.cell_id))
                return honor.honor_id

            async def accepted(honor_id):
                async def arrived() -> bool:
                    return honor_id in receiver.honors("honor.published")

                await eventually(arrived)

            rotated = await patch(system, service, "portal", {"secret": NEW_SECRET, "previous_secret_valid_hours": 1})
            assert rotated.status_code == 200, rotated.text
            await accepted(await publish(members[0]))  # the portal still checks the old secret
            receiver.secret = NEW_SECRET
            await accepted(await publish(members[1]))  # it switched: the new one is there too
            assert receiver.bad_signatures == 0

            ended = await patch(system, service, "portal", {"secret": NEWER_SECRET, "previous_secret_valid_hours": 0})
            assert ended.status_code == 200 and ended.json()["previous_secret_valid_until"] is None, ended.text
            refused = await publish(members[2])  # signed with the newest secret only; the portal has not switched

            async def dead():
                return [d for d in await list_deliveries(operator_api, state="dead") if d["honor_id"] == refused]

            (delivery,) = await eventually(dead)
            assert delivery["last_status"] == 401 and receiver.bad_signatures == 1
            receiver.secret = NEWER_SECRET
            assert await retry_deliveries(operator_api, channel_id="portal") == [delivery["delivery_id"]]
            await accepted(refused)
            assert receiver.bad_signatures == 1
    finally:
        await receiver.stop()


async def test_a_channel_switched_off_holds_its_publications_and_still_takes_revoked_honors_down(
    system, small_directory
):
    receiver = await Receiver().start()
    members = small_directory.members
    shown, failing, held, while_off = (honor_recorded(m) for m in members[:4])

    def path(honor):
        return small_directory.unit_path(honor.recording_unit_id)

    async def deliveries_of(service, honor):
        return [d for d in await list_deliveries(operator(system, service)) if d["honor_id"] == honor.honor_id]

    try:
        async with system.service("notifications", definition=definition(FAST)) as service:
            await system.import_directory(small_directory)
            await directory_loaded(service, small_directory)
            await register_channel(system, service, "portal", receiver)
            await publish_honor_event(system, shown, path(shown))
            await eventually(lambda: _has(receiver, "honor.published", shown))
            receiver.script = busy  # the next publication fails and is due again only after a while
            await publish_honor_event(system, failing, path(failing))

            async def tried():
                answered = await deliveries_of(service, failing)
                return [d for d in answered if d["last_status"] == 503]  # answered, not in flight

            await eventually(tried)

        # No delivery worker now: a publication is queued, then the channel is switched off.
        async with system.service(
            "notifications", definition=definition(DeliverySettings(worker_enabled=False))
        ) as service:
            await publish_honor_event(system, held, path(held))
            await eventually(lambda: _queued(operator(system, service), held))
            off = await patch(system, service, "portal", {"enabled": False})
            assert off.status_code == 200 and off.json()["enabled"] is False
            await publish_honor_event(system, while_off, path(while_off))
            await publish_honor_event(system, revoked(shown), path(shown))
            await publish_honor_event(system, revoked(failing), path(failing))
            await eventually(lambda: _count(service, "SELECT count(*) FROM deliveries WHERE kind = 'retract'", 2))
            assert (
                await service.runtime.pool.fetchval(
                    "SELECT count(*) FROM public_honors WHERE honor_id = $1", while_off.honor_id
                )
                == 1
            )
            assert await deliveries_of(service, while_off) == []  # nothing queued for a channel that is off

        receiver.script = always_ok
        async with system.service("notifications", definition=definition(FAST)) as service:
            # Both revoked honors come down although the channel is off; the one shown is retracted, the
            # one that never got through has its publication cancelled and the retraction follows it.
            await eventually(lambda: _has(receiver, "honor.retracted", shown, failing))
            assert failing.honor_id not in receiver.honors("honor.published")
            publications = [d for d in await deliveries_of(service, failing) if d["kind"] == "publish"]
            assert [d["state"] for d in publications] == ["cancelled"]
            (waiting,) = await deliveries_of(service, held)
            assert waiting["state"] == "pending" and waiting["total_attempts"] == 0  # held while off
            assert held.honor_id not in receiver.honors("honor.published")

            on = await patch(system, service, "portal", {"enabled": True})
            assert on.status_code == 200 and on.json()["enabled"] is True
            await eventually(lambda: _has(receiver, "honor.published", held))
            # Switching on does not backfill what came while off.
            assert await deliveries_of(service, while_off) == []
    finally:
        await receiver.stop()


def busy(_: int) -> tuple[int, dict[str, str], float]:
    return 503, {"Retry-After": "5"}, 0.0


async def _has(receiver, kind, *honors) -> bool:
    return {h.honor_id for h in honors} <= set(receiver.honors(kind))


async def _queued(operator_api, honor) -> bool:
    return any(d["honor_id"] == honor.honor_id for d in await list_deliveries(operator_api, state="pending"))


async def _count(service, sql, expected) -> bool:
    return await service.runtime.pool.fetchval(sql) == expected


async def test_a_channel_registered_late_is_backfilled_with_the_roll_it_follows(system, small_directory, monkeypatch):
    monkeypatch.setattr(handlers, "BACKFILL_BATCH", 1)  # one honor per request, to see `more` at work
    receiver = await Receiver().start()
    today = today_local()
    communes = [u.unit_id for u in small_directory.units if u.level == "grassroots"]

    def in_commune(index):
        return [m for m in small_directory.members if communes[index] in small_directory.unit_path(m.cell_id)]

    here, there = in_commune(0), in_commune(1)
    followed = [honor_recorded(here[0], level="grassroots"), honor_recorded(here[1], level="grassroots")]
    too_low = honor_recorded(here[2], level="cell")  # below the channel's level
    elsewhere = honor_recorded(there[0], level="grassroots")  # outside its subtree
    taken_down = honor_recorded(here[3], level="grassroots")
    publisher = system.token("bt", "publisher", communes[0])
    try:
        async with system.service("notifications", definition=definition(FAST)) as service:
            await system.import_directory(small_directory)
            await directory_loaded(service, small_directory)
            for honor in (*followed, too_low, elsewhere, taken_down):
                await publish_honor_event(system, honor, small_directory.unit_path(honor.recording_unit_id))
            await publish_honor_event(system, revoked(taken_down), small_directory.unit_path(here[3].cell_id))
            await applied(service, {"HonorRecorded": 5, "HonorRevoked": 1})
            await register_channel(system, service, "fanpage-xa", receiver, unit_id=communes[0], min_level="grassroots")

            async def backfill(since, token=publisher, key=None, correlation=None):
                headers = {
                    **token,
                    "Idempotency-Key": key or f"backfill-{uuid7()}",
                    "X-Correlation-ID": correlation or str(uuid7()),
                }
                return await service.client.post(
                    "/channels/fanpage-xa/backfill", json={"recorded_since": since}, headers=headers
                )

            refused = {
                "another commune": (
                    await backfill(today.isoformat(), system.token("x", "publisher", communes[1])),
                    403,
                    None,
                ),
                "a member": (await backfill(today.isoformat(), system.token("m", "member", communes[0])), 403, None),
                "not a day": (await backfill("2026-13-01"), 422, "recorded_since"),
            }
            for case, (reply, status, field) in refused.items():
                assert reply.status_code == status, (case, reply.text)
                if field:
                    assert reply.json()["errors"][0]["field"] == field
            unknown = await service.client.post(
                "/channels/khong-co/backfill",
                json={"recorded_since": "2026-01-01"},
                headers={**publisher, "Idempotency-Key": "k-unknown-backfill"},
            )
            assert unknown.status_code == 404 and unknown.json()["errors"][0]["field"] == "channel_id"
            early = await backfill("1999-12-31")
            assert early.status_code == 422 and early.json()["errors"][0]["field"] == "recorded_since"
            tomorrow = await backfill((today + timedelta(days=1)).isoformat())
            assert (tomorrow.json()["queued"], tomorrow.json()["more"]) == (0, False)
            assert await list_deliveries(operator(system, service)) == []  # nothing written so far

            first = await backfill(today.isoformat(), key="k-backfill-today", correlation="corr-backfill")
            assert first.status_code == 200 and (first.json()["queued"], first.json()["more"]) == (1, True), first.text
            second = await backfill(today.isoformat(), correlation="corr-backfill")
            assert (second.json()["queued"], second.json()["more"]) == (1, False)

            async def sent() -> bool:
                return set(receiver.honors("honor.published")) == {h.honor_id for h in followed}

            await eventually(sent)
            replay = await backfill(today.isoformat(), key="k-backfill-today")
            assert replay.json() == first.json() and replay.headers["Idempotent-Replayed"] == "true"
            assert (await backfill(today.isoformat())).json()["queued"] == 0  # sent already
            assert (await backfill(today.isoformat())).json()["more"] is False

            async def announced():  # the relay may still be sending the second event
                events = [decode(r.value) for r in await system.read_topic(NOTIFICATIONS.name)]
                delivered = [e for e in events if e.event_type == "PublicityDelivered"]
                return delivered if len(delivered) >= len(followed) else None

            delivered = await eventually(announced)
            assert sorted(e.payload["honor_id"] for e in delivered) == sorted(h.honor_id for h in followed)
            assert all(e.correlation_id == "corr-backfill" and e.causation_id is None for e in delivered)
            assert sorted(receiver.honors("honor.published")) == sorted(h.honor_id for h in followed)
    finally:
        await receiver.stop()


async def test_a_backfill_waits_for_a_revocation_in_flight_and_never_queues_the_revoked_honor(
    system, small_directory, idle_service
):
    member = small_directory.members[0]
    path = small_directory.unit_path(member.cell_id)
    honor = honor_recorded(member, level="grassroots")
    await publish_honor_event(system, honor, path)
    await applied(idle_service, {"HonorRecorded": 1})
    await register_channel(system, idle_service, "portal", Receiver(port=9))
    pool = idle_service.runtime.pool
    revocation = revoked(honor)
    envelope = wrap(revocation, producer="honors", actor="test", unit_path=path, correlation_id="corr-revoke")

    async def blocked() -> bool:
        waiting = """SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
                     AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"""
        return await pool.fetchval(waiting) == 1

    async with pool.acquire() as conn:
        in_flight = conn.transaction()
        await in_flight.start()  # the honors consumer, between applying a revocation and committing it
        await handlers.on_honor_revoked(conn, revocation, envelope)
        backfill = asyncio.create_task(
            idle_service.client.post(
                "/channels/portal/backfill",
                json={"recorded_since": "2026-01-01"},
                headers={**system.token("bien-tap", "publisher", "lc"), "Idempotency-Key": "k-backfill-race"},
            )
        )
        await eventually(blocked)
        await in_flight.commit()
    reply = await backfill
    assert reply.status_code == 200 and reply.json()["queued"] == 0, reply.text
    assert await list_deliveries(operator(system, idle_service)) == []

"""services/notifications' command handlers on PostgreSQL alone: what registering and changing a channel
write (the secret rotation window counted from the clock passed in), a backfill queuing what its channel
follows from a day's start in Việt Nam, a retry reviving the dead letters of the operator's subtree only,
and that a refusal writes nothing."""

from datetime import date, timedelta

import pytest

from neuguong.runtime.auth import Forbidden
from neuguong.runtime.commands import CommandBus
from neuguong.runtime.errors import CommandRejected, Conflict, NotFound
from neuguong.runtime.logs import correlation_id
from neuguong.runtime.settings import Settings
from schemas import wrap
from services.notifications import handlers
from services.notifications.commands import BackfillChannel, ChangeChannel, RegisterChannel, RetryDeliveries
from tests.handlers.layer import CommandLayer, at, command_layer, principal
from tests.integration.publicity import honor_recorded

pytestmark = pytest.mark.handlers

SECRET = "bí-mật-chung-0123456789"
NEW_SECRET, NEWER_SECRET = "bí-mật-mới-2026-abcdef", "bí-mật-2027-xyz-mới-hơn"
NOON = at("2026-06-15T12:00:00+07:00")
PUBLISHER = principal("bien-tap", "publisher", "lc")
OPERATOR = principal("van-hanh", "operator", "lc")


@pytest.fixture
async def layer(small_directory):
    async for layer in command_layer("notifications", small_directory):
        yield layer


def communes(directory):
    return [u.unit_id for u in directory.units if u.level == "grassroots"]


def register_command(unit_id="lc", channel_id="kenh-1", url="http://127.0.0.1:9/hook", min_level="grassroots"):
    return RegisterChannel(
        channel_id=channel_id,
        kind="portal",
        name="Cổng thông tin tỉnh",
        url=url,
        secret=SECRET,
        unit_id=unit_id,
        min_level=min_level,
    )


def change(**fields):
    return ChangeChannel(channel_id="kenh-1", **fields)


async def stored(layer, channel_id="kenh-1"):
    return await layer.pool.fetchrow("SELECT * FROM channels WHERE channel_id = $1", channel_id)


async def test_registering_writes_the_channel_with_its_secret_and_answers_without_it(layer, small_directory):
    commune = communes(small_directory)[0]
    answer = await layer.run(register_command(commune), principal("bt", "publisher", commune), NOON)
    assert answer.status == 201 and "secret" not in answer.body and SECRET not in str(answer.body)
    row = await stored(layer)
    assert (row["secret"], row["unit_path"], row["min_level"], row["created_by"]) == (
        SECRET,
        ["lc", commune],
        "grassroots",
        "bt",
    )
    assert row["created_at"] == NOON.now() and answer.body["created_at"] == NOON.now().isoformat()
    assert await layer.count("outbox") == 0  # a channel is the service's own business: no event


async def test_a_refused_registration_writes_nothing(layer, small_directory):
    mine, other = communes(small_directory)
    refusals = {
        "a member": (register_command(mine), principal("m", "member", mine), Forbidden),
        "another commune": (register_command(other), principal("bt", "publisher", mine), Forbidden),
        "the province above": (register_command("lc"), principal("bt", "publisher", mine), Forbidden),
        "an unknown unit": (register_command("khong-co"), PUBLISHER, CommandRejected),
    }
    for case, (command, who, error) in refusals.items():
        with pytest.raises(error) as refused:
            await layer.run(command, who, NOON)
        if error is CommandRejected:
            assert refused.value.field == "unit_id", case
    assert await layer.count("channels") == 0

    first = await layer.run(register_command(), PUBLISHER, NOON)
    with pytest.raises(Conflict) as taken:
        await layer.run(register_command(url="http://127.0.0.1:8/khac"), PUBLISHER, NOON)
    assert taken.value.details["existing"] == first.body
    assert (await stored(layer))["url"] == "http://127.0.0.1:9/hook"


async def test_production_takes_only_https_channels(layer):
    production = Settings.model_construct(service="notifications", environment="production")
    live = CommandLayer("notifications", layer.pool, CommandBus(handlers.COMMANDS, {"settings": production}), NOON)
    with pytest.raises(CommandRejected) as refused:
        await live.run(register_command(), PUBLISHER)
    assert refused.value.field == "url" and await layer.count("channels") == 0
    await live.run(register_command(url="https://congthongtin.laocai.gov.vn/hook"), PUBLISHER)
    with pytest.raises(CommandRejected) as moved:
        await live.run(change(url="http://congthongtin.laocai.gov.vn/hook"), PUBLISHER)
    assert moved.value.field == "url" and (await stored(layer))["url"].startswith("https://")


async def test_a_change_writes_only_what_it_gives_stamped_by_the_clock(layer):
    await layer.run(register_command(), PUBLISHER, NOON)
    later = at("2026-06-16T08:00:00+07:00")
    answer = await layer.run(
        change(name="Cổng thông tin Đảng bộ tỉnh", enabled=False), principal("op", "operator", "lc"), later
    )
    row = await stored(layer)
    assert (row["name"], row["enabled"], row["url"], row["min_level"], row["secret"]) == (
        "Cổng thông tin Đảng bộ tỉnh",
        False,
        "http://127.0.0.1:9/hook",
        "grassroots",
        SECRET,
    )
    assert (row["updated_by"], row["updated_at"]) == ("op", later.now())
    assert answer.body["enabled"] is False and answer.body["previous_secret_valid_until"] is None


async def test_a_rotated_secret_keeps_signing_for_a_window_counted_from_the_clock(layer):
    await layer.run(register_command(), PUBLISHER, NOON)
    clock = at("2026-12-31T23:30:00+07:00")  # the window runs over the year change
    rotated = await layer.run(change(secret=NEW_SECRET), PUBLISHER, clock)
    until = clock.now() + timedelta(hours=24)
    assert rotated.body["previous_secret_valid_until"] == until.isoformat()
    row = await stored(layer)
    assert (row["secret"], row["previous_secret"], row["previous_secret_expires_at"]) == (NEW_SECRET, SECRET, until)

    clock.advance(timedelta(hours=3))  # the same secret again (a client's retry) does not cut the window short
    again = await layer.run(change(secret=NEW_SECRET), PUBLISHER, clock)
    assert again.body["previous_secret_valid_until"] == until.isoformat()

    clock.advance(timedelta(hours=22))  # the window has ended by the clock: no longer shown
    renamed = await layer.run(change(name="Cổng mới"), PUBLISHER, clock)
    assert renamed.body["previous_secret_valid_until"] is None

    short = await layer.run(change(secret=NEWER_SECRET, previous_secret_valid_hours=2), PUBLISHER, clock)
    assert short.body["previous_secret_valid_until"] == (clock.now() + timedelta(hours=2)).isoformat()
    assert (await stored(layer))["previous_secret"] == NEW_SECRET
    await layer.run(change(secret=SECRET, previous_secret_valid_hours=0), PUBLISHER, clock)  # a leaked secret
    row = await stored(layer)
    assert (row["secret"], row["previous_secret"], row["previous_secret_expires_at"]) == (SECRET, None, None)


async def test_a_refused_change_writes_nothing(layer, small_directory):
    mine, other = communes(small_directory)
    await layer.run(register_command(mine), principal("bt", "publisher", mine), NOON)
    before = dict(await stored(layer))
    refusals = {
        "nothing to change": (change(enabled=None), PUBLISHER, CommandRejected, "body"),
        "a window without a secret": (
            change(name="X", previous_secret_valid_hours=2),
            PUBLISHER,
            CommandRejected,
            "previous_secret_valid_hours",
        ),
        "an unknown channel": (ChangeChannel(channel_id="khong-co", name="X"), PUBLISHER, NotFound, "channel_id"),
        "another commune": (change(secret=NEW_SECRET), principal("bt2", "publisher", other), Forbidden, None),
        "a member": (change(name="X"), principal("m", "member", mine), Forbidden, None),
        "an inspector above": (change(name="X"), principal("kt", "inspector", "lc"), Forbidden, None),
    }
    for case, (command, who, error, field) in refusals.items():
        with pytest.raises(error) as refused:
            await layer.run(command, who, NOON)
        if field:
            assert refused.value.field == field, case
    assert dict(await stored(layer)) == before


async def register(layer, channel_id, unit_id="lc", min_level="cell"):
    command = register_command(unit_id, channel_id, min_level=min_level)
    await layer.run(command, PUBLISHER, at("2026-01-02T08:00:00+07:00"))


async def record(layer, directory, member, moment, level="grassroots"):
    """An honor as the honors consumer stores it (through the service's own event handler)."""
    honor = honor_recorded(member, level=level)
    envelope = wrap(
        honor,
        producer="honors",
        actor="test",
        unit_path=directory.unit_path(member.cell_id),
        correlation_id="honors",
        occurred_at=at(moment).now(),
    )
    async with layer.pool.acquire() as conn, conn.transaction():
        await handlers.HANDLERS[honor.event_type](conn, honor, envelope)
    return honor.honor_id


async def deliveries(layer, channel_id):
    return await layer.pool.fetch(
        "SELECT * FROM deliveries WHERE channel_id = $1 ORDER BY created_at, honor_id", channel_id
    )


def backfill(since, channel_id="fanpage-xa"):
    return BackfillChannel(channel_id=channel_id, recorded_since=since)


async def test_a_backfill_counts_its_first_day_from_midnight_in_viet_nam(layer, small_directory, monkeypatch):
    commune = communes(small_directory)[0]
    here = [m for m in small_directory.members if commune in small_directory.unit_path(m.cell_id)]
    last_of_march = await record(layer, small_directory, here[0], "2026-03-31T23:30:00+07:00")  # 16:30 UTC
    first_of_april = await record(layer, small_directory, here[1], "2026-04-01T00:30:00+07:00")  # 31 March UTC
    second_of_april = await record(layer, small_directory, here[2], "2026-04-02T09:00:00+07:00")
    await record(layer, small_directory, here[3], "2026-04-03T09:00:00+07:00", level="cell")  # below its level
    await register(layer, "fanpage-xa", commune, min_level="grassroots")
    monkeypatch.setattr(handlers, "BACKFILL_BATCH", 1)
    token = correlation_id.set("corr-backfill")
    try:
        first = await layer.run(backfill(date(2026, 4, 1)), principal("bt", "publisher", commune))
        second = await layer.run(backfill(date(2026, 4, 1)), PUBLISHER)
    finally:
        correlation_id.reset(token)
    assert (first.body["queued"], first.body["more"]) == (1, True)
    assert (second.body["queued"], second.body["more"]) == (1, False)
    queued = await deliveries(layer, "fanpage-xa")
    assert [d["honor_id"] for d in queued] == [first_of_april, second_of_april]  # the oldest first
    assert {(d["kind"], d["state"], d["correlation_id"], d["causation_id"]) for d in queued} == {
        ("publish", "pending", "corr-backfill", None)
    }
    assert last_of_march not in [d["honor_id"] for d in queued]
    again = await layer.run(backfill(date(2026, 3, 31)), PUBLISHER)
    assert again.body["queued"] == 1 and len(await deliveries(layer, "fanpage-xa")) == 3  # nothing twice
    assert await layer.count("outbox") == 0


async def test_a_refused_backfill_queues_nothing(layer, small_directory):
    mine, other = communes(small_directory)
    await record(layer, small_directory, small_directory.members[0], "2026-03-01T09:00:00+07:00")
    await register(layer, "fanpage-xa", mine)
    refusals = {
        "another commune": (backfill(date(2026, 1, 1)), principal("bt", "publisher", other), Forbidden),
        "a member": (backfill(date(2026, 1, 1)), principal("m", "member", mine), Forbidden),
        "an unknown channel": (backfill(date(2026, 1, 1), channel_id="khong-co"), PUBLISHER, NotFound),
    }
    for case, (command, who, error) in refusals.items():
        with pytest.raises(error):
            await layer.run(command, who)
        assert await layer.count("deliveries") == 0, case


async def test_a_retry_revives_only_the_dead_letters_of_the_operators_subtree(layer, small_directory):
    mine, other = communes(small_directory)
    await register(layer, "portal", "lc")
    await register(layer, "fanpage-xa", mine)
    member = next(m for m in small_directory.members if mine in small_directory.unit_path(m.cell_id))
    honor_id = await record(layer, small_directory, member, "2026-03-01T09:00:00+07:00")
    await layer.pool.execute(
        "UPDATE deliveries SET state = 'dead', attempts = 8, total_attempts = 8, settled_at = now(), last_status = 503"
    )
    assert await layer.count("deliveries") == 2

    with pytest.raises(Forbidden):
        await layer.run(RetryDeliveries(), PUBLISHER)  # publishers manage channels; operators retry
    elsewhere = await layer.run(RetryDeliveries(), principal("van-hanh-xa", "operator", other))
    assert elsewhere.body == {"retried": []}
    assert await _states(layer) == {"portal": "dead", "fanpage-xa": "dead"}

    commune = await layer.run(RetryDeliveries(), principal("van-hanh-xa", "operator", mine))
    (revived,) = await deliveries(layer, "fanpage-xa")
    assert commune.body == {"retried": [str(revived["delivery_id"])]}
    assert (revived["state"], revived["attempts"], revived["total_attempts"], revived["settled_at"]) == (
        "pending",
        0,
        8,
        None,
    )
    assert await _states(layer) == {"portal": "dead", "fanpage-xa": "pending"}

    province = await layer.run(RetryDeliveries(channel_id="portal"), OPERATOR)
    (portal,) = await deliveries(layer, "portal")
    assert province.body == {"retried": [str(portal["delivery_id"])]} and portal["honor_id"] == honor_id
    assert (await layer.run(RetryDeliveries(), OPERATOR)).body == {"retried": []}  # nothing dead is left


async def _states(layer):
    return {r["channel_id"]: r["state"] for r in await layer.pool.fetch("SELECT channel_id, state FROM deliveries")}

"""The outbox relay's rounds on PostgreSQL, relaying to a stand-in producer: a key never overtakes itself, a row
refused for good is parked and holds back only its own key, a relay whose term is over marks nothing, and
housekeeping forgets old idempotency answers."""

import asyncio

import asyncpg
import pytest

from neuguong.runtime import outbox, parked
from neuguong.runtime.errors import Conflict, NotFound
from neuguong.runtime.leadership import START_TERM, LeadershipLost
from neuguong.runtime.relay import SELECT_UNPUBLISHED
from tests.handlers.consumer_layer import SETTINGS
from tests.handlers.relay_layer import META, Broker, RelayOnStandIn, filed, stage, states
from tests.integration.harness import admin_connection

pytestmark = pytest.mark.handlers


async def test_a_key_stops_at_its_first_refused_row_and_the_other_keys_flow(pool):
    broker = Broker(limit=10_000)
    relay = RelayOnStandIn(pool, broker)
    await relay.lead()
    a, b, c, d = await stage(pool, filed("m1", 2025), filed("m1", 2026, 20_000), filed("m1", 2027), filed("m2", 2026))

    assert await relay.publish_pending() == 3  # a and d published, b parked
    assert sorted(broker.published) == [("m1", 2025), ("m2", 2026)]  # c never sent after b failed
    assert await states(pool) == {a: "published", b: "parked", c: "pending", d: "published"}
    assert "MessageSizeTooLargeError" in await pool.fetchval("SELECT parked_reason FROM outbox WHERE id = $1", b)
    assert relay.sample("neuguong_outbox_parked") == 1

    (e,) = await stage(pool, filed("m3", 2026))
    assert await relay.publish_pending() == 1  # c stays behind b; the other keys go on
    assert broker.published[-1] == ("m3", 2026) and await states(pool) == {
        a: "published",
        b: "parked",
        c: "pending",
        d: "published",
        e: "published",
    }

    broker.limit = 100_000  # the operator raised the topic's max.message.bytes, then retried
    async with pool.acquire() as conn, conn.transaction():
        assert await parked.retry(conn, b) == {"id": b, "state": "pending"}
    assert await relay.publish_pending() == 2
    assert [year for key, year in broker.published if key == "m1"] == [2025, 2026, 2027]
    assert set((await states(pool)).values()) == {"published"}


async def test_a_row_refused_beside_a_too_large_one_goes_through_alone(pool):
    broker = Broker(limit=10_000)
    relay = RelayOnStandIn(pool, broker)
    await relay.lead()
    refuse_all = Broker(limit=0)  # the first round: the broker refuses the whole batch (a shared record batch)
    relay.producer = refuse_all  # type: ignore[assignment]

    async def fresh_producer():
        relay.producer = broker  # type: ignore[assignment]
        return broker

    relay._renew_producer = fresh_producer  # type: ignore[method-assign]
    small, large = await stage(pool, filed("m1", 2026), filed("m2", 2026, 20_000))
    assert await relay.publish_pending() == 2
    assert broker.published == [("m1", 2026)]
    assert await states(pool) == {small: "published", large: "parked"}


async def test_a_relay_whose_term_is_over_marks_nothing(pool):
    broker = Broker()
    stale = RelayOnStandIn(pool, broker)
    await stale.lead()
    ids = await stage(pool, filed("m1", 2025), filed("m1", 2026))
    await pool.fetchval(START_TERM, "the next leader")  # it took the lock while this one was paused

    with pytest.raises(LeadershipLost):
        await stale.publish_pending()
    assert broker.published == [("m1", 2025), ("m1", 2026)]  # duplicates to be, for the inbox
    assert set((await states(pool)).values()) == {"pending"} and len(ids) == 2
    assert stale.sample("neuguong_relay_fenced_total") == 1 and stale.sample("neuguong_outbox_published_total") == 0


async def test_parked_rows_are_retried_and_discarded_idempotently(pool):
    relay = RelayOnStandIn(pool, Broker(limit=10_000))
    await relay.lead()
    big, after = await stage(pool, filed("m1", 2026, 20_000), filed("m1", 2027))
    await relay.publish_pending()
    async with pool.acquire() as conn:
        (row,) = await parked.list_parked(conn)
        assert (row["id"], row["key"], row["held_back"], row["event_type"]) == (big, "m1", 1, "CommitmentFiled")
        with pytest.raises(Conflict, match="not parked"):
            await parked.discard(conn, after)
        with pytest.raises(NotFound):
            await parked.retry(conn, after + 100)
        assert await parked.discard(conn, big) == await parked.discard(conn, big) == {"id": big, "state": "discarded"}
        with pytest.raises(Conflict, match="discarded"):
            await parked.retry(conn, big)
        assert await parked.list_parked(conn) == []
    assert await relay.publish_pending() == 1  # the discarded row holds nothing back any more
    assert await states(pool) == {big: "discarded", after: "published"}
    async with pool.acquire() as conn:
        assert await parked.retry(conn, after) == {"id": after, "state": "published"}


async def test_an_event_over_the_limit_is_refused_naming_its_heaviest_field(pool):
    meta = outbox.EventMeta(producer="commitments", actor="test", correlation_id="too-large", max_event_bytes=4_000)
    with pytest.raises(outbox.EventTooLarge) as refused:
        async with pool.acquire() as conn, conn.transaction():
            await outbox.record(conn, meta, filed("m1", 2026), filed("m2", 2026, 5_000))
    assert refused.value.status == 413 and refused.value.field == "limitations"
    assert "over the limit of 4.000 (NG_MAX_EVENT_BYTES)" in refused.value.reason
    assert await pool.fetchval("SELECT count(*) FROM outbox") == 0
    async with pool.acquire() as conn, conn.transaction():
        await outbox.record(conn, META, filed("m2", 2026, 5_000))  # the default limit is far above


async def test_housekeeping_forgets_old_answers_and_settled_rows_but_keeps_parked_ones(pool: asyncpg.Pool):
    relay = RelayOnStandIn(pool, Broker(), idempotency_retention_seconds=30 * 24 * 3600)
    insert = """
        INSERT INTO idempotency (actor, key, request_hash, status_code, response, created_at)
        VALUES ($1, $2, 'h', 201, '{}', now() - make_interval(days => $3))
    """
    for key, days in (("old", 31), ("recent", 29), ("today", 0)):
        await pool.execute(insert, "m1", key, days)
    old, discarded, parked_long_ago, published_today = await stage(
        pool, filed("m1", 2024), filed("m2", 2024), filed("m3", 2024), filed("m4", 2024)
    )
    await pool.execute(
        """UPDATE outbox SET published_at = CASE WHEN id = $1 THEN now() - interval '8 days'
                                                 WHEN id = $4 THEN now() END,
                             parked_at = CASE WHEN id IN ($2, $3) THEN now() - interval '9 days' END,
                             discarded_at = CASE WHEN id = $2 THEN now() - interval '8 days' END""",
        old,
        discarded,
        parked_long_ago,
        published_today,
    )
    await relay._housekeep(pool)
    assert await pool.fetchval("SELECT array_agg(key ORDER BY key) FROM idempotency") == ["recent", "today"]
    assert await pool.fetchval("SELECT array_agg(id ORDER BY id) FROM outbox") == [parked_long_ago, published_today]
    assert relay.sample("neuguong_outbox_parked") == 1 and relay.sample("neuguong_outbox_backlog") == 0


class SlowBroker(Broker):
    """The stand-in, acknowledging (or refusing) each record 50 ms after it was sent: the relay's next batch is
    selected while this one is in flight."""

    async def send(self, topic: str, value: bytes, key: bytes, headers: list[tuple[str, bytes]]) -> asyncio.Future:
        answer = await super().send(topic, value, key, headers)
        later: asyncio.Future = asyncio.get_running_loop().create_future()

        def settle() -> None:
            if answer.exception() is not None:
                later.set_exception(answer.exception())  # type: ignore[arg-type]
            else:
                later.set_result(None)

        asyncio.get_running_loop().call_later(0.05, settle)
        return later


async def test_pipelined_batches_keep_each_keys_order_and_mark_every_batch(pool):
    broker = SlowBroker()
    relay = RelayOnStandIn(pool, broker, relay_batch_size=2)
    await relay.lead()
    ids = await stage(pool, *(filed(member, year) for year in (2024, 2025, 2026) for member in ("m1", "m2", "m3")))

    assert await relay.relay_pipelined() == 1  # batches of 2, 2, 2, 2 and a last one short of 1
    for member in ("m1", "m2", "m3"):
        assert [year for key, year in broker.published if key == member] == [2024, 2025, 2026]
    assert len(broker.published) == len(ids) and set((await states(pool)).values()) == {"published"}
    marks = await pool.fetchval("SELECT count(DISTINCT published_at) FROM outbox")
    assert marks == 5 and relay.sample("neuguong_outbox_published_total") == len(ids)


async def test_a_batch_selected_while_a_row_of_its_key_failed_is_selected_again(pool):
    # The second batch [c, d] is selected while a is in flight; a is refused and parked, so c (a's key, later)
    # must stay behind it: the batch is selected again, knowing a is parked.
    broker = SlowBroker(limit=10_000)
    relay = RelayOnStandIn(pool, broker, relay_batch_size=2)
    await relay.lead()
    a, b, c, d = await stage(pool, filed("m1", 2025, 20_000), filed("m2", 2026), filed("m1", 2026), filed("m3", 2026))

    await relay.relay_pipelined()
    assert sorted(broker.published) == [("m2", 2026), ("m3", 2026)]
    assert await states(pool) == {a: "parked", b: "published", c: "pending", d: "published"}


async def test_the_select_walks_a_backlog_in_order_whatever_the_statistics_say(pool):
    # Statistics taken while the relay kept up (a few hundred rows pending, as autovacuum finds them); then a
    # backlog piles up (a broker outage, an import). Left to itself, the planner fetches the whole backlog and
    # sorts it, for every batch: work growing with the backlog.
    await pool.execute("ALTER TABLE outbox SET (autovacuum_enabled = off)")  # the statistics stay those taken here
    for members in (range(3000), range(3000, 6000)):
        async with pool.acquire() as conn, conn.transaction():
            await outbox.record(conn, META, *(filed(f"m{n}", 2026) for n in members))
        if members.start == 0:
            await pool.execute("UPDATE outbox SET published_at = now() WHERE id <= (SELECT max(id) - 300 FROM outbox)")
            await pool.execute("VACUUM ANALYZE outbox")
    ids = [row["id"] for row in await pool.fetch("SELECT id FROM outbox WHERE published_at IS NULL ORDER BY id")]
    assert len(ids) == 3300

    async def planned(*, as_migrated: bool) -> tuple[list[int], str]:
        """The relay's select of the batch after two in flight (ids[:1000]): the ids it returns and the plan
        PostgreSQL ran inside outbox_next (auto_explain, on the admin's session)."""
        conn = await admin_connection()
        plans: list[str] = []
        conn.add_log_listener(lambda _, message: plans.append(message.message))
        try:
            await conn.execute(
                f"SET search_path = {SETTINGS.pg_schema}; LOAD 'auto_explain'; SET auto_explain.log_min_duration = 0;"
                " SET auto_explain.log_nested_statements = on; SET client_min_messages = log"
            )
            undone = conn.transaction()
            await undone.start()
            if not as_migrated:  # the function without its settings (undone with the transaction)
                await conn.execute("ALTER FUNCTION outbox_next(integer, bigint[], bigint) RESET ALL")
            rows = await conn.fetch(SELECT_UNPUBLISHED, 500, ids[:1000], ids[999])
            await undone.rollback()
        finally:
            await conn.close()
        (inner,) = [plan for plan in plans if " on outbox o " in plan]  # inlined when its settings are gone
        return [row["id"] for row in rows], inner

    ids_left_alone, left_alone = await planned(as_migrated=False)
    assert "Sort" in left_alone, left_alone  # the trap is real on this PostgreSQL
    ids_as_migrated, as_migrated = await planned(as_migrated=True)
    assert ids_as_migrated == ids_left_alone == ids[1000:1500]
    assert "Sort" not in as_migrated and "Index Scan using outbox_unpublished" in as_migrated, as_migrated

"""A delivery worker whose lease ran out while it was sending (paused, say) must not settle, reschedule or
dead-letter the delivery, nor announce it: another replica reclaimed it, and only that one's result counts.
The worker and its store on PostgreSQL alone; the receiver is an httpx mock."""

import asyncio

import httpx
import pytest
from prometheus_client import CollectorRegistry

from services.notifications import store
from services.notifications.commands import RegisterChannel
from services.notifications.metrics import DeliveryMetrics
from services.notifications.settings import DeliverySettings
from services.notifications.worker import DeliveryWorker
from tests.handlers.layer import command_layer, principal
from tests.handlers.test_notifications_handlers import record
from tests.integration.publicity import SECRET

pytestmark = pytest.mark.handlers

SETTINGS = DeliverySettings(max_attempts=1, request_timeout_seconds=1, breaker_threshold=1)


@pytest.fixture
async def layer(small_directory):
    async for layer in command_layer("notifications", small_directory):
        yield layer


async def one_pending_delivery(layer, directory, index: int = 0) -> None:
    if index == 0:
        register = RegisterChannel(
            channel_id="cong-tinh", kind="portal", name="Cổng tỉnh", url="http://127.0.0.1:9/hook", secret=SECRET,
            unit_id="lc",
        )  # fmt: skip
        await layer.run(register, principal("bien-tap", "publisher", "lc"))
    await record(layer, directory, directory.members[index], "2026-06-15T09:00:00+07:00", level="cell")


def worker(layer, metrics, answer) -> DeliveryWorker:
    client = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    return DeliveryWorker(SETTINGS, layer.pool, metrics, client, "notifications", "notifications")


async def claim(layer):
    """What another replica claims now: exactly one delivery."""
    async with layer.pool.acquire() as conn:
        rows = await store.claim_due(conn, 10, SETTINGS.lease_seconds, [])
    assert len(rows) == 1
    return rows[0]


def metric(registry, name, **labels):
    return registry.get_sample_value(name, labels) or 0


@pytest.mark.parametrize("status", [200, 503, 400], ids=["sent", "retried", "dead-lettered"])
async def test_a_worker_whose_lease_ran_out_settles_nothing_and_announces_nothing(layer, small_directory, status):
    await one_pending_delivery(layer, small_directory)
    registry = CollectorRegistry()
    metrics = DeliveryMetrics(registry)
    late = await claim(layer)
    reclaimed = {}

    async def paused_past_its_lease(request: httpx.Request) -> httpx.Response:
        # While this worker waits for the receiver, its lease runs out and another replica claims the row.
        await layer.pool.execute("UPDATE deliveries SET next_attempt_at = now() - interval '1 second'")
        reclaimed["row"] = await claim(layer)
        return httpx.Response(status, json={})

    assert await worker(layer, metrics, paused_past_its_lease).deliver(late) is None
    row = await layer.pool.fetchrow("SELECT * FROM deliveries")
    assert (row["state"], row["attempts"], row["next_attempt_at"]) == ("pending", 2, reclaimed["row"]["lease"])
    assert (row["last_status"], row["settled_at"]) == (None, None)
    assert await layer.outbox() == []  # no PublicityDelivered, no DeliveryDeadLettered
    channel = await layer.pool.fetchrow("SELECT consecutive_failures, paused_until FROM channels")
    assert (channel["consecutive_failures"], channel["paused_until"]) == (0, None)  # the breaker untouched
    assert metric(registry, "neuguong_delivery_lease_lost_total", kind="publish", at="settle") == 1
    assert metric(registry, "neuguong_delivery_attempts_total", kind="publish", outcome="sent") == 0

    # The replica that holds the lease now settles it, and announces it once.
    on_time = worker(layer, metrics, lambda request: httpx.Response(200, json={}))
    await on_time.deliver(reclaimed["row"])
    row = await layer.pool.fetchrow("SELECT * FROM deliveries")
    assert (row["state"], row["last_status"]) == ("sent", 200)
    assert [e.event_type for e in await layer.outbox()] == ["PublicityDelivered"]
    assert metric(registry, "neuguong_delivery_lease_lost_total", kind="publish", at="settle") == 1
    # Once more with its stale claim (as the next of a batch would be): not even attempted.
    assert await worker(layer, metrics, paused_past_its_lease).deliver(late) is None
    assert metric(registry, "neuguong_delivery_lease_lost_total", kind="publish", at="attempt") == 1
    assert [e.event_type for e in await layer.outbox()] == ["PublicityDelivered"]


async def test_a_paused_channel_gives_back_only_the_claims_still_its_own(layer, small_directory):
    await one_pending_delivery(layer, small_directory)
    await one_pending_delivery(layer, small_directory, index=1)
    registry = CollectorRegistry()
    taken = {}

    async def failing_slowly(request: httpx.Request) -> httpx.Response:
        # Meanwhile the lease of the batch's second delivery runs out and another replica claims it.
        first = request.headers["idempotency-key"]
        await layer.pool.execute(
            "UPDATE deliveries SET next_attempt_at = now() - interval '1 second' WHERE delivery_id <> $1", first
        )
        taken["row"] = await claim(layer)
        return httpx.Response(503)  # the breaker (threshold 1) opens: the rest of the batch is given back

    sender = worker(layer, DeliveryMetrics(registry), failing_slowly)
    assert await sender.claim_and_dispatch() == 2
    await asyncio.gather(*sender.busy.values())
    row = await layer.pool.fetchrow(
        "SELECT attempts, next_attempt_at FROM deliveries WHERE delivery_id = $1", taken["row"]["delivery_id"]
    )
    assert (row["attempts"], row["next_attempt_at"]) == (2, taken["row"]["lease"])  # the other replica's claim

"""Receivers that misbehave as real ones do, one channel each, two honors: every delivery ends sent or
dead-lettered with the right reason, no honor reaches a receiver under two idempotency keys, a 500 MB answer
costs a few KiB, a redirect is never followed, and a channel's circuit breaker opens and recovers.

Targeted and fast (FAST settings: 0.5 s per exchange); the whole-pipeline fault suite runs its own chaos."""

import asyncio
import contextlib
import time

import httpx
import pytest

from ops.deliveries import list_deliveries
from services.notifications.sender import attempt
from tests.integration.chaos import Answer, ChaosReceiver, Flood, Hang, Reset, Trickle
from tests.integration.harness import eventually
from tests.integration.publicity import (
    FAST,
    SECRET,
    honor_recorded,
    operator,
    publish_honor_event,
    register_channel,
    running,
)

OK = Answer(200)
BROKEN = '{"error": "máy chủ hỏng"}'.encode()


def scripts(trap_url: str) -> dict:
    """What each channel's receiver does at the n-th attempt of a delivery."""
    return {
        "retry-after": lambda n: Answer(503, {"retry-after": "1"}) if n == 1 else OK,
        "timeout": lambda n: Hang(2.0) if n == 1 else OK,
        "slow-body": lambda n: Trickle(200, 2.0),  # the 200 is in at once; the body never matters
        "flood": lambda n: Flood(200),  # 500 MB behind a 200
        "flood-503": lambda n: Flood(503) if n == 1 else OK,  # 500 MB of zeros behind a 503, then fine
        "flooding": lambda n: Flood(503),  # ... for good
        "reset": lambda n: Reset() if n <= 2 else OK,  # four failures in a row on the channel: its breaker opens
        "redirect": lambda n: Answer(302, {"location": trap_url}),
        "broken": lambda n: Answer(500, {}, BROKEN),
    }


SENT_AT = {"retry-after": 2, "timeout": 2, "slow-body": 1, "flood": 1, "flood-503": 2, "reset": 3}
"""Channels whose deliveries all end sent, and at which attempt."""


@pytest.fixture
async def notifications(system, small_directory):
    async with running(system, small_directory) as service:
        yield service


async def breaker_states(service, channel_id: str, seen: list[float]) -> None:
    """Sample a channel's breaker gauge until cancelled (an open breaker lasts 0.5 s: 50 ms catches it)."""
    registry = service.app.state.registry
    while True:
        value = registry.get_sample_value("neuguong_channel_breaker_state", {"channel": channel_id})
        if value is not None and (not seen or seen[-1] != value):
            seen.append(value)
        await asyncio.sleep(0.05)


async def test_every_delivery_to_a_chaotic_receiver_ends_sent_or_dead_with_its_reason(
    system, small_directory, notifications
):
    trap = await ChaosReceiver(lambda n: OK).start()  # where the redirect points: must never hear a thing
    receivers = {name: await ChaosReceiver(script).start() for name, script in scripts(trap.url).items()}
    for name, receiver in receivers.items():
        await register_channel(system, notifications, f"chaos-{name}", receiver)
    seen: list[float] = []
    sampler = asyncio.create_task(breaker_states(notifications, "chaos-reset", seen))
    members = small_directory.members[:2]
    for member in members:
        await publish_honor_event(system, honor_recorded(member), small_directory.unit_path(member.cell_id))
    ops = operator(system, notifications)

    async def settled():
        deliveries = await list_deliveries(ops, limit=100)
        done = len(deliveries) == 2 * len(receivers) and all(d["state"] in ("sent", "dead") for d in deliveries)
        return deliveries if done else None

    deliveries = await eventually(settled, timeout=60)
    await asyncio.sleep(0.3)  # the breaker's last gauge update follows the settle
    sampler.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await sampler
    by_channel: dict[str, list[dict]] = {}
    for delivery in deliveries:
        by_channel.setdefault(delivery["channel_id"].removeprefix("chaos-"), []).append(delivery)

    for name, attempts in SENT_AT.items():
        # Sent at the first attempt the script answers well, or later only when that answer did not reach the
        # sender within its 0.5 s (a loaded machine): the receiver then heard every attempt the delivery counts.
        for d in by_channel[name]:
            heard = len(receivers[name].attempts.get(d["delivery_id"], []))
            assert d["state"] == "sent", (name, d)
            assert d["attempts"] == attempts or attempts < d["attempts"] == heard, (name, d, heard)
        if not isinstance(receivers[name].script(SENT_AT[name]), Trickle | Flood):
            assert len(receivers[name].accepted) == 2, name
    redirected = by_channel["redirect"]
    assert {(d["state"], d["attempts"], d["last_status"]) for d in redirected} == {("dead", 1, 302)}
    assert all(f"redirect to '{trap.url}' not followed" in d["last_error"] for d in redirected)
    assert trap.requests() == 0
    broken = by_channel["broken"]
    assert {(d["state"], d["attempts"], d["last_status"]) for d in broken} == {("dead", FAST.max_attempts, 500)}
    assert all(d["last_error"] == f"HTTP 500: {BROKEN.decode()}" for d in broken)

    flooding = by_channel["flooding"]
    assert {(d["state"], d["attempts"], d["last_status"]) for d in flooding} == {("dead", FAST.max_attempts, 503)}
    assert all(d["last_error"] == "HTTP 503: " + " " * 200 for d in flooding)  # NUL bytes are no text
    # A 500 MB answer is cut after a few KiB: each attempt let the receiver fill the sockets' buffers, no more.
    for name in ("flood", "flood-503", "flooding"):
        assert receivers[name].flooded < 16 * 1024 * 1024 * receivers[name].requests(), name
    # Retry-After: 1 is honoured (the backoff alone would come back within 0.4 s).
    for times in receivers["retry-after"].attempts.values():
        assert times[1] - times[0] >= 0.95
    # The reset channel's breaker opened (three failures in a row), then closed again.
    assert 2 in seen and seen[-1] == 0, seen
    for name, receiver in receivers.items():
        assert receiver.bad_signatures == 0, name
        assert all(len(keys) == 1 for keys in receiver.keys_of_honor.values()), (name, receiver.keys_of_honor)
        assert len(receiver.keys_of_honor) == 2, name
    for receiver in (trap, *receivers.values()):
        await receiver.stop()


RETRACTION = {"type": "honor.retracted", "delivery_id": "d-1", "honor_id": "h-1", "retracted_at": "2026-06-15"}


@pytest.mark.parametrize("status", [200, 503])
async def test_a_500_mb_answer_costs_a_few_kib_and_no_time(status):
    flood = await ChaosReceiver(lambda n: Flood(status)).start()
    started = time.monotonic()
    async with httpx.AsyncClient() as client:
        outcome = await attempt(client, flood.url, [SECRET], "d-flood", "retract", RETRACTION, 10)
    assert time.monotonic() - started < 2 and flood.flooded < 16 * 1024 * 1024
    assert outcome.status == status and outcome.error == ("" if status == 200 else "HTTP 503: " + " " * 200)
    await flood.stop()


async def test_a_redirect_is_a_failure_with_its_status_and_never_followed():
    trap = await ChaosReceiver(lambda n: OK).start()
    redirecting = await ChaosReceiver(lambda n: Answer(307, {"location": trap.url})).start()
    async with httpx.AsyncClient(follow_redirects=True) as client:  # even a client that would follow
        outcome = await attempt(client, redirecting.url, [SECRET], "d-307", "retract", RETRACTION, 5)
    assert (outcome.status, outcome.retryable) == (307, False)
    assert outcome.error == f"HTTP 307: redirect to '{trap.url}' not followed; change the channel's url"
    assert trap.requests() == 0
    await trap.stop()
    await redirecting.stop()

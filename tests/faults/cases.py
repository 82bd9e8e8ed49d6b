"""The faults, one case each, struck while the workload runs: what to break, when, and how it comes back.
Each returns the facts its test asserts beyond the checker (windows, takeover times)."""

import asyncio
import itertools
import json
import os
import signal
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from neuguong.runtime.kafka import client_options
from neuguong.runtime.leadership import takeover_bound
from schemas import uuid7
from schemas.topics import COMMITMENTS, dead_letter_topic
from services import definition
from tests.faults.cluster import REPLICA_BASE, SERVICES, FaultStack, admin_connection, settings_of
from tests.faults.workload import Workload
from tests.integration.chaos import Answer, Flood, Hang, Reset, Trickle

PRODUCER_DELIVERY_TIMEOUT = 40.0  # aiokafka's request_timeout_ms: a batch not acknowledged by then expires
OUTAGE = PRODUCER_DELIVERY_TIMEOUT + 5.0
SLACK = 3.0  # a loaded 2-core machine: polling and scheduling on top of the stated bound


@dataclass
class Facts:
    """What a case observed while it broke things."""

    windows: list[tuple[float, float]] = field(default_factory=list)  # monotonic (start, end) of a broker outage
    database_back: float | None = None  # monotonic time PostgreSQL answered again after its crash
    takeovers: list[float] = field(default_factory=list)  # seconds until another relay led
    bound: float = 0.0
    slow_handlers: int = 0  # handlers seen waiting mid-transaction when the service was told to stop
    stopped_after: float | None = None  # seconds from SIGTERM to exit (None: not within the grace period)
    poison: list[bytes] = field(default_factory=list)  # records no consumer can apply, put on a flowing topic
    dead_lettered: dict[str, int] = field(default_factory=dict)  # consuming service -> poison in its dead letters


Inject = Callable[[FaultStack, Workload, Facts], Awaitable[None]]


@dataclass(frozen=True)
class Case:
    name: str
    inject: Inject
    pace: float = 0.15


async def at(workload: Workload, fraction: float) -> None:
    """Once the workload has finished `fraction` of its commands (so the fault lands mid-stream)."""
    while workload.progress < fraction * workload.planned:
        await asyncio.sleep(0.05)


async def broker_kill(stack: FaultStack, workload: Workload, facts: Facts) -> None:
    await at(workload, 0.2)
    stack.kill_broker(2)
    await asyncio.sleep(3)
    await stack.run("kafka.sh", "start")


async def two_brokers_down(stack: FaultStack, workload: Workload, facts: Facts) -> None:
    """Only one of three left, below min.insync.replicas, for longer than the producer's delivery timeout:
    commands still go into the outboxes, and out once the brokers are back."""
    await at(workload, 0.1)
    started = time.monotonic()
    stack.kill_broker(2)
    stack.kill_broker(3)
    await asyncio.sleep(OUTAGE)
    facts.windows.append((started, time.monotonic()))
    await stack.run("kafka.sh", "start")


async def leader_paused(stack: FaultStack, workload: Workload, facts: Facts) -> None:
    """SIGSTOP the leader of the commitments topic's first partition for 30 s, then SIGCONT."""
    await at(workload, 0.15)
    settings = settings_of(stack.env)
    admin = AIOKafkaAdminClient(**client_options(settings))
    await admin.start()
    try:
        described = await admin.describe_topics([settings.topic("commitments.events")])
    finally:
        await admin.close()
    leader = next(p["leader"] for p in described[0]["partitions"] if p["partition"] == 0)
    stack.kill_broker(leader, signal.SIGSTOP)
    try:
        await asyncio.sleep(30)
    finally:
        stack.kill_broker(leader, signal.SIGCONT)


async def restart(stack: FaultStack, *services: str) -> None:
    for service in services:
        stack.kill_service(service)
    await asyncio.sleep(1)
    await stack.run("services.sh", "start")


async def relay_kill(stack: FaultStack, workload: Workload, facts: Facts) -> None:
    """kill -9 the services that relay (between a publish and its mark, under load), then start them again."""
    await at(workload, 0.25)
    await restart(stack, "commitments")
    await at(workload, 0.5)
    await restart(stack, "honors", "inspections")


async def consumer_kill(stack: FaultStack, workload: Workload, facts: Facts) -> None:
    """kill -9 the consumers mid-batch, then start them again."""
    await at(workload, 0.25)
    await restart(stack, "projections", "honors", "notifications")
    await at(workload, 0.6)
    await restart(stack, "projections")


async def services_kill(stack: FaultStack, workload: Workload, facts: Facts) -> None:
    """kill -9 four services at once mid-stream (relays between a publish and its mark, consumers mid-batch),
    then start them again. Not notifications: a delivery it had in flight waits out its lease (40 s) before
    another attempt, which consumer-kill covers."""
    await at(workload, 0.35)
    await restart(stack, *(s for s in SERVICES if s != "notifications"))


STOP_GRACE = 30.0  # seconds a platform waits after SIGTERM before it kills (Kubernetes' default grace period)


async def pid_gone(pid: int, timeout: float) -> float | None:
    """Seconds until the process `pid` has exited, or None if it still runs after `timeout`."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return time.monotonic() - started
        await asyncio.sleep(0.1)
    return None


async def sigterm_slow_handler(stack: FaultStack, workload: Workload, facts: Facts) -> None:
    """The projections' handlers made slow mid-batch: the figures table locked, so a batch has written its
    inbox claims and member acts and waits on the figures. SIGTERM then: the service stops within the grace
    period without committing the half-applied batch (its offsets are not committed either), and after a
    restart the batch is applied once — the checker finds every figure counted exactly once."""
    await at(workload, 0.3)
    lock = await admin_connection(stack.env)
    try:
        async with lock.transaction():
            await lock.execute("LOCK TABLE projections.unit_figures IN ACCESS EXCLUSIVE MODE")
            waiting, deadline = 0, time.monotonic() + 30
            while not waiting and time.monotonic() < deadline:  # until a handler waits on the lock, mid-batch
                waiting = await lock.fetchval(
                    "SELECT count(*) FROM pg_locks WHERE relation = 'projections.unit_figures'::regclass"
                    " AND NOT granted"
                )
                await asyncio.sleep(0.1)
            facts.slow_handlers = waiting
            pid = stack.kill_service("projections", signal.SIGTERM)
            facts.stopped_after = await pid_gone(pid, STOP_GRACE)
            if facts.stopped_after is None:
                stack.signal_pid(pid, signal.SIGKILL)
    finally:
        await lock.close()
    await stack.run("services.sh", "start")


# What a webhook receiver does to a first attempt: fail, time out (the sender waits 10 s for a whole answer),
# trickle its body past that, flood a 500 MB body, reset the connection. A redirect is never followed and
# ends a delivery dead at once by design (tests/integration/test_notifications_chaos.py), so not here.
FIRST_ATTEMPTS = (
    Answer(500),
    Answer(503, {"retry-after": "1"}),
    Hang(12),
    Trickle(200, 12),
    Flood(200),
    Reset(),
)


async def receiver_chaos(stack: FaultStack, workload: Workload, facts: Facts) -> None:
    """The portal's receiver misbehaves on the first attempt of every delivery, each way in turn, then takes
    the retry: every honor reaches it, under one idempotency key, however its first attempt went."""
    receiver = stack.receiver
    calm, acts = receiver.script, itertools.cycle(FIRST_ATTEMPTS)
    receiver.script = lambda attempt: next(acts) if attempt == 1 else Answer(200)
    try:
        await at(workload, 1.0)
        await asyncio.sleep(5)  # the last honors' first attempts
    finally:
        receiver.script = calm


def poison_records(run: str) -> list[bytes]:
    """Two kinds of poison: bytes that are no JSON at all, and JSON that is no event of the contract."""
    return [
        b"\x00\xff\xfe poison " + run.encode(),
        json.dumps(
            {"event_type": "CommitmentFiled", "event_version": 1, "payload": {"year": "một"}, "run": run},
            ensure_ascii=False,
        ).encode(),
    ]


async def poison(stack: FaultStack, workload: Workload, facts: Facts) -> None:
    """Poison on the partitions the workload's commitments flow through, mid-stream: every consumer of the
    topic dead-letters each record once and goes on (the checker finds the rest of the partition applied).
    A handler raising asyncpg.DataError is the third kind, in tests/handlers/test_consumer_poison.py: no event
    of the contract makes a handler raise it on purpose."""
    await at(workload, 0.3)
    settings = settings_of(stack.env)
    facts.poison = poison_records(uuid7().hex)
    producer = AIOKafkaProducer(**client_options(settings), acks="all")
    await producer.start()
    try:
        for body, member in zip(facts.poison, workload.members, strict=False):
            await producer.send_and_wait(settings.topic(COMMITMENTS.name), body, key=member.member_id.encode())
    finally:
        await producer.stop()


async def dead_lettered(env: dict[str, str], bodies: list[bytes]) -> dict[str, int]:
    """How many of `bodies` each service consuming commitments' topic holds in its dead letters."""
    settings = settings_of(env)
    found = {}
    for service in SERVICES:
        if COMMITMENTS.name not in definition(service).consumes:
            continue
        topic = settings.topic(dead_letter_topic(service).name)
        admin = AIOKafkaAdminClient(**client_options(settings))
        await admin.start()
        try:
            (described,) = await admin.describe_topics([topic])
        finally:
            await admin.close()
        partitions = [TopicPartition(topic, p["partition"]) for p in described["partitions"]]
        consumer = AIOKafkaConsumer(**client_options(settings), enable_auto_commit=False)
        await consumer.start()
        try:
            consumer.assign(partitions)
            await consumer.seek_to_beginning(*partitions)
            ends = await consumer.end_offsets(partitions)
            todo, count = {tp for tp in partitions if ends[tp] > 0}, 0
            while todo:
                for tp, batch in (await consumer.getmany(*todo, timeout_ms=2000)).items():
                    count += sum(r.value in bodies for r in batch)
                    if batch and batch[-1].offset + 1 >= ends[tp]:
                        todo.discard(tp)
            found[service] = count
        finally:
            await consumer.stop()
    return found


async def postgres_restart(stack: FaultStack, workload: Workload, facts: Facts) -> None:
    await at(workload, 0.3)
    await stack.run("postgres.sh", "crash")
    await asyncio.sleep(2)
    await stack.run("postgres.sh", "start")
    facts.database_back = time.monotonic()


async def ready(port: int, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(timeout=2) as client:
        while time.monotonic() < deadline:
            try:
                if (await client.get(f"http://127.0.0.1:{port}/readyz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.5)
    raise TimeoutError(f"the replica on {port} never became ready")


async def second_relay(stack: FaultStack) -> None:
    port = REPLICA_BASE + len(stack.replicas)
    stack.spawn_replica("commitments")
    await ready(port)


async def new_term(stack: FaultStack, term: int, started: float, timeout: float = 60.0) -> float:
    """Seconds from `started` until a relay starts a term after `term`."""
    while time.monotonic() - started < timeout:
        if (await stack.relay_holder("commitments"))[0] > term:
            return time.monotonic() - started
        await asyncio.sleep(0.1)
    raise TimeoutError(f"no relay took over term {term} within {timeout} s")


async def relays_race_terminated(stack: FaultStack, workload: Workload, facts: Facts) -> None:
    """Two relays of commitments; the lock holder's database session is terminated: the lock is free at once."""
    facts.bound = takeover_bound(settings_of(stack.env))
    await second_relay(stack)
    await at(workload, 0.3)
    term, _, backend = await stack.relay_holder("commitments")
    assert backend is not None, "no relay holds the commitments lock"
    started = time.monotonic()
    assert await stack.terminate_backend(backend)
    facts.takeovers.append(await new_term(stack, term, started))


async def relays_race_paused(stack: FaultStack, workload: Workload, facts: Facts) -> None:
    """Two relays of commitments; the holder is SIGSTOPped: its session ends within a lease, the other leads;
    woken, the old holder is fenced (its marks refused)."""
    facts.bound = takeover_bound(settings_of(stack.env))
    await second_relay(stack)
    await at(workload, 0.3)
    term, holder, _ = await stack.relay_holder("commitments")
    pid = int(holder.rsplit(":", 1)[1])
    started = time.monotonic()
    stack.signal_pid(pid, signal.SIGSTOP)
    try:
        facts.takeovers.append(await new_term(stack, term, started))
        await asyncio.sleep(2)
    finally:
        stack.signal_pid(pid, signal.SIGCONT)


async def rebalance(stack: FaultStack, workload: Workload, facts: Facts) -> None:
    """A second replica of every consuming service joins its group mid-stream, then dies (kill -9)."""
    await at(workload, 0.1)
    for service in ("commitments", "honors", "notifications", "projections"):
        stack.spawn_replica(service)
    await at(workload, 0.6)
    stack.end_replicas()


async def nothing(stack: FaultStack, workload: Workload, facts: Facts) -> None:
    """The full redelivery strikes after the workload (see the test)."""


CASES = (
    Case("broker-kill", broker_kill),
    Case("two-brokers-down", two_brokers_down, pace=1.2),
    Case("leader-sigstop", leader_paused, pace=0.8),
    Case("relay-kill", relay_kill),
    Case("relays-race-terminate", relays_race_terminated, pace=0.3),
    Case("relays-race-sigstop", relays_race_paused, pace=0.3),
    Case("consumer-kill", consumer_kill),
    Case("services-kill", services_kill),
    Case("sigterm-slow-handler", sigterm_slow_handler, pace=0.3),
    Case("receiver-chaos", receiver_chaos, pace=0.3),
    Case("poison", poison, pace=0.3),
    Case("postgres-restart", postgres_restart, pace=0.3),
    Case("full-redelivery", nothing),
    Case("rebalance", rebalance, pace=0.3),
)
SHORT = ("services-kill",)

"""DESIGN §4, measured per command over the whole pipeline: the five services as processes on a 3-node
Kafka cluster (replication 3, min.insync.replicas=2, no unclean leader election) and their own PostgreSQL.
Each fault is a case: the workload sends commands of every service while it strikes, the system drains, and
the checker finds no command lost, unexpected, duplicated or reordered (tests/faults/checker.py).

NG_FAULTS=full runs every fault (`make faults`); unset or `short`, one of them
(services-kill) on a smaller workload."""

import asyncio
import os
import time

import httpx
import pytest

from neuguong.runtime.auth import generate_key_pair, mint_token
from ops.directory.demo import build_demo_directory
from ops.directory.importer import publish_directory
from ops.lag import wait_until_caught_up
from schemas import uuid7
from tests.faults.cases import CASES, SHORT, SLACK, Case, Facts, dead_lettered
from tests.faults.checker import FAULT_ROW, check, details
from tests.faults.cluster import (
    RECEIVER_PORT,
    FaultStack,
    drop_database,
    environment,
    forget_other_cluster,
    settings_of,
)
from tests.faults.observe import SERVICES, digests, drain, history, marks, rewind_groups
from tests.faults.workload import YEAR, Workload
from tests.integration.chaos import Answer, ChaosReceiver

pytestmark = pytest.mark.faults
FULL = os.environ.get("NG_FAULTS", "short") == "full"
SELECTED = [c for c in CASES if FULL or c.name in SHORT]
MEMBERS_PER_CELL = 6 if FULL else 3


@pytest.fixture(scope="module")
async def stack(tmp_path_factory):
    private, public = generate_key_pair()
    key_file = tmp_path_factory.mktemp("keys") / "jwt-public.pem"
    key_file.write_bytes(public)
    env = environment(uuid7().hex[-8:], key_file)
    faults = FaultStack(env)
    receiver = await ChaosReceiver(lambda _: Answer(200), port=RECEIVER_PORT).start()
    faults.receiver = receiver
    began = time.monotonic()
    try:
        await start_infra(faults)
        await faults.run("services.sh", "stop")  # services left by an earlier run serve another topic prefix
        infra = time.monotonic()
        await faults.run("services.sh", "start")
        services = time.monotonic()
        directory = build_demo_directory(
            communes=len(SELECTED), cells_per_commune=(2, 2), members_per_cell=(MEMBERS_PER_CELL, MEMBERS_PER_CELL)
        )
        await publish_directory(settings_of(env), directory, source_name="faults")
        for service in SERVICES:
            await wait_until_caught_up(settings_of(env), service, ["directory.units", "directory.members"], 120)
        await register_channel(faults, private, receiver.url)
        print(f"fault stack: infra {infra - began:.0f} s, services {services - infra:.0f} s, "
              f"directory {time.monotonic() - services:.0f} s")  # fmt: skip
        yield faults, private, directory, receiver
    finally:
        faults.end_replicas()
        await receiver.stop()
        for step in (faults.run("services.sh", "stop"), drop_database(env), faults.run("down.sh")):
            try:
                await step
            except Exception as error:
                print(error)


async def start_infra(faults: FaultStack) -> None:
    """up.sh (on storage of this port base), once more if a client took one of its ports meanwhile."""
    forget_other_cluster()
    try:
        await faults.run("up.sh")
    except RuntimeError as error:
        print(f"fault stack: starting again after {str(error)[:300]}")
        await faults.run("down.sh")
        await faults.run("up.sh")


async def register_channel(faults: FaultStack, private_key: bytes, url: str) -> None:
    """A portal following the whole province from its cells up: every consenting honor is delivered."""
    token = mint_token(private_key, sub="bien-tap", role="publisher", unit="lc")
    async with httpx.AsyncClient(timeout=10) as client:
        reply = await client.post(
            faults.url("notifications") + "/channels",
            json={
                "channel_id": "cong-thong-tin-tinh",
                "kind": "portal",
                "name": "Cổng thông tin điện tử tỉnh",
                "url": url,
                "secret": ChaosReceiver.secret,
                "unit_id": "lc",
                "min_level": "cell",
            },
            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "channel-portal"},
        )
    assert reply.status_code == 201, reply.text


def members_of_case(directory, index: int) -> list:
    commune = sorted(u.unit_id for u in directory.units if u.level == "grassroots")[index]
    return [m for m in directory.members if not m.left and directory.unit_path(m.cell_id)[1] == commune]


@pytest.mark.parametrize("case", SELECTED, ids=[c.name for c in SELECTED])
async def test_no_command_is_lost_unexpected_duplicated_or_reordered(stack, case: Case, record_property):
    faults, private_key, directory, receiver = stack
    env = faults.env
    members = members_of_case(directory, SELECTED.index(case))
    began = time.monotonic()
    since = await marks(env)
    workload = Workload(case.name, faults.url, private_key, members, pace=case.pace)
    facts = Facts()
    try:
        await asyncio.gather(workload.run(), case.inject(faults, workload, facts))
    finally:
        faults.end_replicas()
    ran = time.monotonic()
    await faults.run("services.sh", "start")  # whatever a fault left stopped
    await drain(env)
    print(f"{case.name}: workload and fault {ran - began:.0f} s, drained {time.monotonic() - ran:.0f} s later")
    if case.name == "full-redelivery":
        before = await digests(env)
        await faults.run("services.sh", "stop")
        await rewind_groups(env)
        await faults.run("services.sh", "start")
        await asyncio.sleep(2)
        await drain(env)
        after = await digests(env)
        assert [t for t in before if before[t] != after.get(t)] == []

    commune = directory.unit_path(members[0].cell_id)[1]
    seen = await history(env, since, workload.sent, receiver.keys_of_honor, commune, YEAR)
    verdict = check(seen)
    record_property(FAULT_ROW, (case.name, verdict.commands, verdict.found))  # the table at the end of the run
    outcomes = [s.op.outcome for s in workload.sent]
    resent = len(seen.carried) - len({c.event_id for c in seen.carried})  # a relay killed before its mark
    print(case.name, {o: outcomes.count(o) for o in ("ok", "failed", "unknown")}, f"re-sent {resent}", facts)
    for s in workload.sent:
        if s.op.outcome != "ok" and not s.op.refusal:
            print(f"  {s.op.kind} {s.op.outcome}: {s.answer}")
    assert verdict.clean, details([(case.name, verdict)])
    assert outcomes.count("ok") >= len(members), outcomes  # the workload got through the fault
    for start, end in facts.windows:  # commands kept being accepted into the outboxes while the brokers were out
        assert any(start <= s.finished_at <= end and s.op.outcome == "ok" for s in workload.sent), facts
    if facts.database_back is not None:  # no command is accepted without its database; once it is back, the pools
        # recover and commands are accepted again
        assert any(s.finished_at > facts.database_back and s.op.outcome == "ok" for s in workload.sent), facts
    if case.name == "poison":  # every consumer of the topic set each poison record aside once
        facts.dead_lettered = await dead_lettered(env, facts.poison)
        assert facts.dead_lettered and set(facts.dead_lettered.values()) == {len(facts.poison)}, facts
    if case.name == "sigterm-slow-handler":  # stopped while a handler waited mid-transaction, in time
        assert facts.slow_handlers and facts.stopped_after is not None, facts
    for seconds in facts.takeovers:
        assert seconds <= facts.bound + SLACK, f"takeover after {seconds:.1f} s; bound {facts.bound} s"

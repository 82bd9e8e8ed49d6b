"""DESIGN §4, measured: every command the client saw accepted appears in the read model exactly once,
after a broker kill -9, a relay/consumer kill -9 mid-batch, a PostgreSQL immediate restart, duplicate
delivery and a rebalance — on a 3-node Kafka cluster (replication 3, min.insync.replicas=2)."""

import asyncio
import time

import asyncpg
import httpx
import pytest

from neuguong.directory.demo import build_demo_directory
from neuguong.directory.importer import publish_directory
from neuguong.lag import wait_until_caught_up
from neuguong.runtime.auth import generate_key_pair, mint_token
from neuguong.runtime.settings import Settings
from schemas import uuid7
from tests.faults.cluster import FaultStack, environment

pytestmark = pytest.mark.faults
YEAR = 2026


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    private, public = generate_key_pair()
    key_file = tmp_path_factory.mktemp("keys") / "jwt-public.pem"
    key_file.write_bytes(public)
    env = environment(f"f{uuid7().hex[-8:]}.", key_file)
    faults = FaultStack(env)
    faults.script("up.sh")
    try:
        faults.script("services.sh", "stop")  # services left by an earlier run serve another topic prefix
        faults.script("services.sh", "start")
        yield faults, env, private
    finally:
        for step in (("services.sh", "stop"), ("down.sh",)):
            try:
                faults.script(*step)
            except Exception as error:  # noqa: BLE001 - teardown goes on
                print(error)


def settings_of(env: dict[str, str], service: str = "") -> Settings:
    return Settings(service=service, kafka_bootstrap=env["NG_KAFKA_BOOTSTRAP"], topic_prefix=env["NG_TOPIC_PREFIX"],
                    pg_port=int(env["NG_PG_PORT"]), pg_database=env["NG_PG_DATABASE"], kafka_replication=3)


async def file_every_commitment(stack: FaultStack, members, token: str, accepted: set[str]) -> set[str]:
    """A patient client: retries each command with its own Idempotency-Key until it is accepted."""
    gate = asyncio.Semaphore(3)

    async def one(client: httpx.AsyncClient, member) -> None:
        body = {"member_id": member.member_id, "year": YEAR, "limitations": ["Ngại va chạm"]}
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": f"fault-{member.member_id}-{YEAR}"}
        deadline = time.monotonic() + 240
        async with gate:
            while time.monotonic() < deadline:
                try:
                    reply = await client.post(f"{stack.url('commitments')}/commitments", json=body, headers=headers)
                    if reply.status_code in (201, 409):
                        accepted.add(member.member_id)
                        await asyncio.sleep(0.3)  # a steady trickle, about 10 a second
                        return
                    assert reply.status_code >= 500, reply.text
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.3)
        raise AssertionError(f"{member.member_id} was never accepted")

    async with httpx.AsyncClient(timeout=10) as client:
        await asyncio.gather(*(one(client, m) for m in members))
    return accepted


async def chaos(stack: FaultStack, accepted: set[str]) -> dict[str, int]:
    """Each fault once the client has had a given number of commands accepted, so all land mid-stream;
    returns how many were accepted when each struck."""
    done: dict[str, int] = {}

    async def at(count: int, fault: str) -> None:
        while len(accepted) < count:
            await asyncio.sleep(0.05)
        done[fault] = len(accepted)

    await at(20, "kill -9 kafka node 2")
    stack.kill_broker(2)
    await asyncio.sleep(3)
    await stack.run("kafka.sh", "start")
    await at(100, "kill -9 projections (consumer)")
    stack.kill_service("projections")
    await asyncio.sleep(1)
    await stack.run("services.sh", "start")
    await at(130, "kill -9 commitments (HTTP and relay)")
    stack.kill_service("commitments")
    await asyncio.sleep(1)
    await stack.run("services.sh", "start")
    await at(160, "postgres immediate stop")
    await stack.run("postgres.sh", "crash")
    await asyncio.sleep(2)
    await stack.run("postgres.sh", "start")
    await at(190, "second projections replica joins (rebalance)")
    replica = stack.spawn_replica("projections", 28199)
    await at(285, "kill -9 the second replica (rebalance)")
    replica.kill()
    replica.wait()
    return done


async def counts(env: dict[str, str]) -> tuple[int, int, int]:
    """Commitments stored, commitments counted by projections, CommitmentFiled events applied."""
    admin = await asyncpg.connect(host="127.0.0.1", port=int(env["NG_PG_PORT"]), user="neuguong",
                                  password="neuguong-dev", database=env["NG_PG_DATABASE"])
    try:
        stored = await admin.fetchval("SELECT count(*) FROM commitments.commitments WHERE year = $1", YEAR)
        counted = await admin.fetchval(
            "SELECT coalesce(max(value), 0) FROM projections.unit_figures "
            "WHERE unit_id = 'lc' AND period = $1 AND figure = 'commitments_filed'", str(YEAR))
        applied = await admin.fetchval("SELECT count(*) FROM projections.inbox WHERE event_type = 'CommitmentFiled'")
        return stored, counted, applied
    finally:
        await admin.close()


async def test_every_accepted_command_counts_exactly_once_through_the_faults(stack):
    faults, env, private_key = stack
    directory = build_demo_directory(communes=2, cells_per_commune=(6, 6), members_per_cell=(30, 30))
    await publish_directory(settings_of(env), directory, source_name="faults")
    for service in ("commitments", "projections"):
        await wait_until_caught_up(settings_of(env), service, ["directory.units", "directory.members"], 120)
    token = mint_token(private_key, sub="tinh-uy", role="committee", unit="lc")
    members = [m for m in directory.members if not m.left][:300]

    accepted: set[str] = set()
    _, injected = await asyncio.gather(file_every_commitment(faults, members, token, accepted),
                                       chaos(faults, accepted))
    print("faults injected at (commands accepted so far):", injected)
    assert len(injected) == 6
    assert all(0 < n < len(members) for n in injected.values()), injected  # every fault landed mid-stream
    assert accepted == {m.member_id for m in members}

    deadline = time.monotonic() + 180
    while (observed := await counts(env)) != (len(accepted),) * 3 and time.monotonic() < deadline:
        await asyncio.sleep(1)
    assert observed == (len(accepted),) * 3, f"stored, counted, applied = {observed}; expected {len(accepted)}"
    await asyncio.sleep(5)  # late duplicates from a re-sending relay would show up here
    assert await counts(env) == (len(accepted),) * 3

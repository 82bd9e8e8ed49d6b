"""A separate stack for fault tests: three Kafka nodes, its own PostgreSQL, the five services as processes.

Every port of the stack derives from NG_FAULTS_PORT_BASE (default 30392), so two stacks on one machine
never meet. Keep it below Linux's ephemeral range (32768-60999): while a broker or a service is down, a
client reconnecting to its port can be given that very port as its own and hold it, and the restart fails.
Kafka brokers base, base+2, base+4 (controllers one above each), PostgreSQL base+10, the services' HTTP
ports base+21..base+25, the webhook receiver base+29 and spare replicas from base+30.
"""

import asyncio
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import asyncpg

from neuguong.runtime import locks
from neuguong.runtime.settings import Settings

ROOT = Path(__file__).parents[2]
LOCAL = ROOT / "deploy" / "local"
RUN_DIR = ROOT / ".run" / "faults"
PORT_BASE = int(os.environ.get("NG_FAULTS_PORT_BASE", "30392"))
NODE_PORTS = (PORT_BASE, PORT_BASE + 2, PORT_BASE + 4)
PG_PORT = PORT_BASE + 10
HTTP_BASE = PORT_BASE + 20
REPLICA_BASE = PORT_BASE + 30
RECEIVER_PORT = PORT_BASE + 29  # the webhook receiver (an ephemeral port could take a service's)
SERVICES = ("commitments", "honors", "inspections", "notifications", "projections")
RELAY_LEASE_SECONDS = 6.0
RELAY_POLL_SECONDS = 0.5


def environment(run: str, public_key: Path) -> dict[str, str]:
    """What the scripts and the services of the fault stack read: topics and a database of this run alone
    (a run starts from nothing, whatever an earlier one left)."""
    return {
        "NG_RUN_DIR": str(RUN_DIR),
        "NG_KAFKA_NODES": "3",
        "NG_KAFKA_PORT": str(NODE_PORTS[0]),
        "NG_KAFKA_CONTROLLER_PORT": str(NODE_PORTS[0] + 1),
        "NG_KAFKA_BOOTSTRAP": ",".join(f"127.0.0.1:{p}" for p in NODE_PORTS),
        "NG_KAFKA_HEAP": "-Xmx384m -Xms128m",
        "NG_KAFKA_START_TIMEOUT": "240",  # three JVMs on a shared 2-core machine can take minutes
        "NG_KAFKA_REPLICATION": "3",
        "NG_PG_PORT": str(PG_PORT),
        "NG_PG_DATABASES": f"faults_{run}",
        "NG_PG_DATABASE": f"faults_{run}",
        "NG_SERVICES": " ".join(SERVICES),
        "NG_WEB_SERVICES": "",  # the pipeline alone: no console on the fault stack
        "NG_HTTP_PORT_BASE": str(HTTP_BASE),
        "NG_TOPIC_PREFIX": f"f{run}.",
        "NG_JWT_PUBLIC_KEY_FILE": str(public_key),
        "NG_VENV": sys.prefix,
        "NG_CONSUMER_RETRY_BACKOFF_SECONDS": "0.1",
        "NG_RELAY_POLL_SECONDS": str(RELAY_POLL_SECONDS),
        "NG_RELAY_LEASE_SECONDS": str(RELAY_LEASE_SECONDS),
        "NG_LAG_INTERVAL_SECONDS": "2",
    }


def settings_of(env: dict[str, str], service: str = "") -> Settings:
    """Settings of one service of the fault stack (or of a tool, without a service)."""
    return Settings(
        service=service,
        kafka_bootstrap=env["NG_KAFKA_BOOTSTRAP"],
        topic_prefix=env["NG_TOPIC_PREFIX"],
        pg_port=int(env["NG_PG_PORT"]),
        pg_database=env["NG_PG_DATABASE"],
        kafka_replication=3,
        relay_lease_seconds=RELAY_LEASE_SECONDS,
        relay_poll_seconds=RELAY_POLL_SECONDS,
    )


async def admin_connection(env: dict[str, str], database: str = "") -> asyncpg.Connection:
    return await asyncpg.connect(
        host="127.0.0.1",
        port=int(env["NG_PG_PORT"]),
        user="neuguong",
        password="neuguong-dev",
        database=database or env["NG_PG_DATABASE"],
    )


async def drop_database(env: dict[str, str]) -> None:
    """The run's database, once its services have stopped."""
    conn = await admin_connection(env, "postgres")
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{env["NG_PG_DATABASE"]}" WITH (FORCE)')
    finally:
        await conn.close()


def forget_other_cluster() -> None:
    """The fault cluster's storage remembers its controller ports: storage formatted under another port base
    is removed (its topics belong to runs long gone), so kafka.sh formats it afresh."""
    formatted = RUN_DIR / "kafka" / "node1" / "formatted-with"
    if formatted.exists() and not formatted.read_text().strip().endswith(f"controller_port={NODE_PORTS[0] + 1}"):
        shutil.rmtree(RUN_DIR / "kafka")


class FaultStack:
    """Runs the deploy/local scripts against the fault stack, and kills or pauses its parts."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = {**os.environ, **env}
        self.replicas: list[subprocess.Popen] = []
        self.receiver: Any = None  # the portal's webhook receiver (tests.integration.chaos.ChaosReceiver)

    def script(self, name: str, *args: str) -> str:
        done = subprocess.run(
            ["bash", str(LOCAL / name), *args], env=self.env, capture_output=True, text=True, timeout=300
        )
        if done.returncode != 0:
            raise RuntimeError(f"{name} {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    async def run(self, name: str, *args: str) -> str:
        return await asyncio.to_thread(self.script, name, *args)

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{HTTP_BASE + SERVICES.index(service) + 1}"

    @staticmethod
    def signal_file(pid_file: Path, sig: signal.Signals = signal.SIGKILL) -> int:
        pid = int(pid_file.read_text().strip())
        os.kill(pid, sig)
        return pid

    @staticmethod
    def signal_pid(pid: int, sig: signal.Signals) -> None:
        os.kill(pid, sig)

    def broker_pid_file(self, node: int) -> Path:
        return RUN_DIR / "kafka" / f"node{node}" / "kafka.pid"

    def kill_broker(self, node: int, sig: signal.Signals = signal.SIGKILL) -> int:
        return self.signal_file(self.broker_pid_file(node), sig)

    def kill_service(self, service: str, sig: signal.Signals = signal.SIGKILL) -> int:
        return self.signal_file(RUN_DIR / "services" / f"{service}.pid", sig)

    def service_pid(self, service: str) -> int:
        return int((RUN_DIR / "services" / f"{service}.pid").read_text().strip())

    def spawn_replica(self, service: str) -> subprocess.Popen:
        """One more replica of a service (same consumer group, a relay waiting for the lock)."""
        port = REPLICA_BASE + len(self.replicas)
        log = (RUN_DIR / "logs" / f"{service}-replica.log").open("ab")
        replica = subprocess.Popen(
            [str(Path(sys.prefix) / "bin" / "neuguong"), "serve", service, "--port", str(port)],
            env=self.env,
            stdout=log,
            stderr=log,
        )
        self.replicas.append(replica)
        return replica

    def end_replicas(self) -> None:
        for replica in self.replicas:
            if replica.poll() is None:
                replica.send_signal(signal.SIGCONT)
                replica.kill()
            replica.wait()
        self.replicas.clear()

    async def relay_holder(self, service: str) -> tuple[int, str, int | None]:
        """The relay leadership of a service: (term, holder "host:pid", backend pid of the lock's session)."""
        conn = await admin_connection(self.env)
        try:
            term, holder = await conn.fetchrow(f'SELECT term, holder FROM "{service}".relay_leadership')
            backend = await conn.fetchval(
                "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = $1"
                " AND objid = (hashtext($2)::bigint & 4294967295)::oid"
                " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
                locks.RELAY_LEADER,
                service,
            )
            return term, holder, backend
        finally:
            await conn.close()

    async def terminate_backend(self, backend: int) -> bool:
        conn = await admin_connection(self.env)
        try:
            return await conn.fetchval("SELECT pg_terminate_backend($1)", backend)
        finally:
            await conn.close()

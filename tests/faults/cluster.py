"""A separate stack for fault tests: three Kafka nodes, its own PostgreSQL, services as processes."""

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]
LOCAL = ROOT / "deploy" / "local"
RUN_DIR = ROOT / ".run" / "faults"
NODE_PORTS = (39392, 39394, 39396)
HTTP_BASE = 28100
SERVICES = ("commitments", "projections")


def environment(prefix: str, public_key: Path) -> dict[str, str]:
    """What the scripts and the services of the fault stack read."""
    return {
        "NG_RUN_DIR": str(RUN_DIR),
        "NG_KAFKA_NODES": "3",
        "NG_KAFKA_PORT": str(NODE_PORTS[0]),
        "NG_KAFKA_CONTROLLER_PORT": str(NODE_PORTS[0] + 1),
        "NG_KAFKA_BOOTSTRAP": ",".join(f"127.0.0.1:{p}" for p in NODE_PORTS),
        "NG_KAFKA_HEAP": "-Xmx384m -Xms128m",
        "NG_KAFKA_REPLICATION": "3",
        "NG_PG_PORT": "35499",
        "NG_PG_DATABASES": "neuguong",
        "NG_PG_DATABASE": "neuguong",
        "NG_SERVICES": " ".join(SERVICES),
        "NG_HTTP_PORT_BASE": str(HTTP_BASE),
        "NG_TOPIC_PREFIX": prefix,
        "NG_JWT_PUBLIC_KEY_FILE": str(public_key),
        "NG_VENV": sys.prefix,
        "NG_CONSUMER_RETRY_BACKOFF_SECONDS": "0.1",
        "NG_RELAY_POLL_SECONDS": "0.5",
    }


class FaultStack:
    """Runs the deploy/local scripts against the fault stack, and kills its parts with SIGKILL."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = {**os.environ, **env}

    def script(self, name: str, *args: str) -> str:
        done = subprocess.run(["bash", str(LOCAL / name), *args], env=self.env, capture_output=True, text=True,
                              timeout=300)
        if done.returncode != 0:
            raise RuntimeError(f"{name} {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    async def run(self, name: str, *args: str) -> str:
        return await asyncio.to_thread(self.script, name, *args)

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{HTTP_BASE + SERVICES.index(service) + 1}"

    @staticmethod
    def kill(pid_file: Path) -> int:
        pid = int(pid_file.read_text().strip())
        os.kill(pid, signal.SIGKILL)
        return pid

    def kill_broker(self, node: int) -> int:
        return self.kill(RUN_DIR / "kafka" / f"node{node}" / "kafka.pid")

    def kill_service(self, service: str) -> int:
        return self.kill(RUN_DIR / "services" / f"{service}.pid")

    def spawn_replica(self, service: str, port: int) -> subprocess.Popen:
        """One more replica of a service in the same consumer group (a rebalance)."""
        log = (RUN_DIR / "logs" / f"{service}-replica.log").open("ab")
        return subprocess.Popen([str(Path(sys.prefix) / "bin" / "neuguong"), "serve", service, "--port", str(port)],
                                env=self.env, stdout=log, stderr=log)

"""The services and the console as the run command starts them: separate processes, each healthy with
valid metrics."""

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from services import CONSOLE, SERVED
from tests.integration.harness import SERVICES, eventually

ROOT = Path(__file__).parents[2]
SCRIPT = ROOT / "deploy" / "local" / "services.sh"


@pytest.fixture
def processes(system, tmp_path):
    env = {
        **os.environ,
        "NG_RUN_DIR": str(tmp_path),  # pids and logs of this test only
        "NG_HTTP_PORT_BASE": "18100",
        "NG_TOPIC_PREFIX": system.prefix,
        "NG_PG_DATABASE": system.settings().pg_database,
        "NG_JWT_PUBLIC_KEY_FILE": str(system.public_key_file),
        "NG_VENV": sys.prefix,
    }

    def run(command: str) -> subprocess.CompletedProcess:
        return subprocess.run(["bash", str(SCRIPT), command], env=env, capture_output=True, text=True, timeout=180)

    started = run("start")
    try:
        assert started.returncode == 0, started.stdout + started.stderr
        yield run, tmp_path
    finally:
        run("stop")


def url(service: str, path: str) -> str:
    return f"http://127.0.0.1:{18100 + SERVED.index(service) + 1}{path}"


async def test_every_service_runs_as_its_own_process_with_health_and_metrics(processes, system, small_directory):
    run, run_dir = processes
    pids = {s: int((run_dir / "services" / f"{s}.pid").read_text()) for s in SERVED}
    assert len(set(pids.values())) == len(SERVED)
    await system.import_directory(small_directory)
    async with httpx.AsyncClient(timeout=5) as client:
        assert (await client.get(url(CONSOLE, "/healthz"))).status_code == 200
        assert (await client.get(url(CONSOLE, "/metrics"))).status_code == 200
        for service in SERVICES:
            assert (await client.get(url(service, "/healthz"))).json() == {"status": "ok"}
            ready = await client.get(url(service, "/readyz"))
            assert ready.status_code == 200 and ready.json()["checks"] == {"database": True, "kafka": True}

        async def consumed_directory(service: str) -> dict:
            text = (await client.get(url(service, "/metrics"))).text
            families = {f.name: f for f in text_string_to_metric_families(text)}
            applied = sum(
                s.value
                for s in families["neuguong_events_consumed"].samples
                if s.name.endswith("_total") and s.labels.get("outcome") == "applied"
            )
            return families if applied >= len(small_directory.members) + len(small_directory.units) else {}

        for service in SERVICES:
            families = await eventually(lambda service=service: consumed_directory(service))
            assert "neuguong_outbox_backlog" in families
            assert "neuguong_consumer_lag_messages" in families
            assert any(name.startswith("faststream_") for name in families), sorted(families)
    assert run("status").returncode == 0
    again = run("start")
    assert again.returncode == 0 and again.stdout.count("already running") == len(SERVED)
    assert {s: int((run_dir / "services" / f"{s}.pid").read_text()) for s in SERVED} == pids
    stopped = run("stop")
    assert stopped.stdout.count("stopped") == len(SERVED)
    assert run("status").returncode == 1
    for pid in pids.values():
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)

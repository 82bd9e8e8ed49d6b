"""A Prometheus server (Debian's) with the repo's scrape config and alert rules, pointed at this test's ports."""

import contextlib
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import yaml

from services import NAMES as SERVICES
from tests.ops.promtool import OBSERVABILITY, binaries

LOCAL_JOB = "neuguong-local"
LOCAL_PORT_BASE = 8100
"""The ports deploy/observability/prometheus.yml names for deploy/local (8101-8105)."""


def scrape_config(http_port_base: int, prometheus_port: int, interval: str = "1s") -> dict:
    """deploy/observability/prometheus.yml as it is, but for the ports of this test and with a short interval.

    Only the numbers change: the jobs, target labels and rule file are the shipped ones (the compose job's
    hostnames do not resolve here, as on any host running deploy/local)."""
    config = yaml.safe_load((OBSERVABILITY / "prometheus.yml").read_text(encoding="utf-8"))
    config["global"].update(scrape_interval=interval, scrape_timeout=interval, evaluation_interval=interval)
    config["rule_files"] = [str(OBSERVABILITY / name) for name in config["rule_files"]]
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    for group in jobs[LOCAL_JOB]["static_configs"]:
        host, port = group["targets"][0].rsplit(":", 1)
        assert group["labels"]["ng_service"] == SERVICES[int(port) - LOCAL_PORT_BASE - 1]
        group["targets"] = [f"{host}:{http_port_base + int(port) - LOCAL_PORT_BASE}"]
    jobs["prometheus"]["static_configs"] = [{"targets": [f"127.0.0.1:{prometheus_port}"]}]
    return config


@contextlib.contextmanager
def prometheus_server(config: dict, port: int, workdir: Path) -> Iterator[str]:
    """Run prometheus on 127.0.0.1:`port` until the block ends; yields its base URL once it is ready."""
    workdir.mkdir(parents=True, exist_ok=True)
    config_file = workdir / "prometheus.yml"
    config_file.write_text(yaml.safe_dump(config), encoding="utf-8")
    log = (workdir / "prometheus.log").open("w")
    process = subprocess.Popen(
        [
            binaries()[0],
            f"--config.file={config_file}",
            f"--storage.tsdb.path={workdir / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--log.level=warn",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, (workdir / "prometheus.log").read_text()
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/-/ready", timeout=2).status_code == 200:
                    break
            assert time.monotonic() < deadline, "prometheus not ready within 60 s"
            time.sleep(0.5)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()

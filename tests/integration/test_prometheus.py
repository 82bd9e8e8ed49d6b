"""A real Prometheus scrapes every running service with the shipped configuration and rules."""

import asyncio
import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest
from matplotlib.image import imread

from neuguong.periods import today_local
from ops import dashboard_render
from tests.integration.harness import SERVICES, eventually
from tests.integration.prometheus import LOCAL_JOB, prometheus_server, scrape_config
from tests.integration.publicity import Receiver
from tests.ops.test_dashboard import dashboard, queries

ROOT = Path(__file__).parents[2]
SCRIPT = ROOT / "deploy" / "local" / "services.sh"
PORT_BASE = int(os.environ.get("NG_TEST_HTTP_PORT_BASE", "18200"))
"""The services listen on PORT_BASE+1..+5 and Prometheus on PORT_BASE+90 (test_processes uses 18100)."""
PROMETHEUS_PORT = PORT_BASE + 90


@pytest.fixture
def processes(system, tmp_path):
    env = {
        **os.environ,
        "NG_RUN_DIR": str(tmp_path),
        "NG_HTTP_PORT_BASE": str(PORT_BASE),
        "NG_TOPIC_PREFIX": system.prefix,
        "NG_PG_DATABASE": system.settings().pg_database,
        "NG_JWT_PUBLIC_KEY_FILE": str(system.public_key_file),
        "NG_LAG_INTERVAL_SECONDS": "1",
        "NG_VENV": sys.prefix,
    }

    def run(command: str) -> subprocess.CompletedProcess:
        return subprocess.run(["bash", str(SCRIPT), command], env=env, capture_output=True, text=True, timeout=180)

    started = run("start")
    try:
        assert started.returncode == 0, started.stdout + started.stderr
        yield tmp_path
    finally:
        run("stop")


def grafana_sends(expr: str) -> str:
    """A panel's query with the dashboard's variables as Grafana fills them in for the local layout."""
    return expr.replace("$job", LOCAL_JOB).replace("$service", ".*").replace("$__rate_interval", "1m")


class PromQL:
    """Prometheus's HTTP API: instant queries, targets, rules and alerts."""

    def __init__(self, url: str) -> None:
        self.client = httpx.AsyncClient(base_url=url, timeout=10)

    async def get(self, path: str, **params: str) -> dict | list:
        answer = (await self.client.get(path, params=params)).json()
        assert answer["status"] == "success", answer
        return answer["data"]

    async def query(self, expr: str) -> list[dict]:
        return (await self.get("/api/v1/query", query=expr))["result"]  # type: ignore[index]

    async def by_service(self, expr: str) -> dict[str, float]:
        """`expr` summed per scraped service (the target label ng_service)."""
        return {
            r["metric"]["ng_service"]: float(r["value"][1]) for r in await self.query(f"sum by (ng_service) ({expr})")
        }


async def test_prometheus_scrapes_every_service_and_sees_the_key_series(processes, system, small_directory, tmp_path):
    await system.import_directory(small_directory)

    config = scrape_config(PORT_BASE, PROMETHEUS_PORT)
    began = time.time()
    with prometheus_server(config, PROMETHEUS_PORT, tmp_path / "prometheus") as url:
        prometheus = PromQL(url)

        async def targets_up() -> dict[str, str]:
            active = (await prometheus.get("/api/v1/targets", state="active"))["activeTargets"]  # type: ignore[index]
            health = {
                t["labels"].get("ng_service", t["labels"]["job"]): t["health"]
                for t in active
                if t["labels"]["job"] in (LOCAL_JOB, "prometheus")
            }
            return health if set(health.values()) == {"up"} and len(health) == len(SERVICES) + 1 else {}

        assert sorted(await eventually(targets_up, timeout=60, interval=1)) == sorted([*SERVICES, "prometheus"])
        everyone = set(SERVICES)
        honor_url = f"http://127.0.0.1:{PORT_BASE + SERVICES.index('honors') + 1}/honors/{uuid.uuid4()}"
        async with httpx.AsyncClient(timeout=5) as client:
            assert (await client.get(honor_url)).status_code == 401  # no token: an answer the histogram must show

        async def directory_applied() -> dict[str, float]:
            applied = await prometheus.by_service('neuguong_events_consumed_total{outcome="applied"}')
            wanted = len(small_directory.units) + len(small_directory.members)
            return applied if set(applied) == everyone and min(applied.values()) >= wanted else {}

        await eventually(directory_applied, timeout=60, interval=1)
        for series in (
            "neuguong_outbox_backlog",
            "neuguong_outbox_oldest_age_seconds",
            "neuguong_consumer_lag_messages",
            "neuguong_consumer_lag_seconds",
            'neuguong_events_consumed_total{outcome="dead_lettered"}',
            "neuguong_http_request_duration_seconds_count",
        ):
            assert set(await prometheus.by_service(series)) == everyone, series
        assert await prometheus.by_service("neuguong_outbox_backlog") == dict.fromkeys(everyone, 0.0)
        assert await prometheus.by_service("min by (ng_service, check) (neuguong_ready)") == dict.fromkeys(
            everyone, 2.0
        )
        deliveries = await prometheus.query("neuguong_delivery_attempts_total")
        assert {(r["metric"]["ng_service"], r["metric"]["kind"], r["metric"]["outcome"]) for r in deliveries} == {
            ("notifications", kind, outcome)
            for kind in ("publish", "retract")
            for outcome in ("sent", "retried", "dead_lettered")
        }
        refused = await eventually(
            lambda: prometheus.query(
                'neuguong_http_request_duration_seconds_count{route="/honors/{honor_id}", method="GET", status="401"}'
            ),
            timeout=10,
            interval=0.5,
        )
        assert [(r["metric"]["ng_service"], float(r["value"][1])) for r in refused] == [("honors", 1.0)]
        assert await prometheus.query('neuguong_http_request_duration_seconds_bucket{route="/readyz", le="+Inf"}')

        groups = (await prometheus.get("/api/v1/rules"))["groups"]  # type: ignore[index]
        rules = [rule for group in groups for rule in group["rules"]]
        assert len(rules) >= 20
        assert [(r["name"], r.get("lastError")) for r in rules if r["health"] != "ok"] == []

        # Every query of the Grafana dashboard runs on this server (PromQL it accepts), as Grafana would send it.
        async def panels() -> dict[str, list[list[dict]]]:
            return {
                title: [await prometheus.query(grafana_sends(expr)) for expr in exprs]
                for title, exprs in queries().items()
            }

        async def latency_of_the_refusal() -> dict[str, list[list[dict]]]:
            answers = await panels()  # a rate needs two scrapes after the request
            routes = {r["metric"]["route"] for r in answers["Request latency p95 by route"][0]}
            return answers if "/honors/{honor_id}" in routes else {}

        answers = await eventually(latency_of_the_refusal, timeout=30, interval=1)
        assert "/readyz" not in {r["metric"]["route"] for r in answers["Request latency p95 by route"][0]}
        assert len(answers["Delivery attempts by outcome (/s)"][0]) == 6

        # The compose job's targets do not resolve here: down, yet no alert, since the local ones answer.
        assert await prometheus.by_service('up{job="neuguong"}') == dict.fromkeys(everyone, 0.0)
        alerts = (await prometheus.get("/api/v1/alerts"))["alerts"]  # type: ignore[index]
        assert [a["labels"] for a in alerts if a["labels"]["alertname"].startswith("Neuguong")] == []

        # A little work, then the dashboard drawn from this server (docs/dashboard.png is made this way).
        # Two waves, so the counters born with the first one increase; the README's picture: more, further apart.
        waves, pause = (6, 20.0) if os.environ.get("NG_DASHBOARD_PNG") else (2, 5.0)
        filed, honored = await workload(system, small_directory, prometheus, waves, pause)
        drawn = tmp_path / "dashboard.png"
        ended = time.time()
        drawn_panels = dashboard_render.query(
            url, dashboard(), began, ended, step=2, scrape=1, job=LOCAL_JOB, topic_prefix=system.prefix
        )
        axes = dashboard_render.render(
            drawn_panels,
            drawn,
            title=dashboard()["title"],
            start=began,
            end=ended,
            headings=dashboard_render.sections(dashboard()),
        )
        await prometheus.client.aclose()
    if os.environ.get("NG_DASHBOARD_PNG"):
        shutil.copyfile(drawn, os.environ["NG_DASHBOARD_PNG"])

    assert drawn.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    height, width, _ = imread(drawn).shape
    assert width > 1000 and height > width
    titles = [p["title"] for p in dashboard()["panels"] if p["type"] != "row"]
    assert [ax.get_title(loc="left") for ax in axes.values()] == titles  # one plot per panel, in order
    drawn_series = {
        p.title: {s.name: max((v for v in s.values if v == v), default=None) for s in p.series} for p in drawn_panels
    }
    assert drawn_series["Services up"] == dict.fromkeys(SERVICES, 1.0)
    # increase() cannot see what a counter was born with (the first wave), only what came after it.
    assert filed - 4 - 0.5 <= drawn_series["Commitments per hour"]["CommitmentFiled"] <= filed + 0.5
    assert honored - 2 - 0.5 <= drawn_series["Honors per hour"]["HonorRecorded"] <= honored + 0.5
    assert drawn_series["Delivery attempts by outcome (/s)"]["publish sent"] > 0
    assert {"commitments 201", "honors 201", "notifications 201"} <= set(drawn_series["Commands by status (req/s)"])
    last = {p.title: {s.name: s.values[-1] for s in p.series} for p in drawn_panels}
    assert last["Consumer lag (messages)"]["projections ← honors.events"] == 0


async def workload(system, directory, prometheus: "PromQL", waves: int, pause: float) -> tuple[int, int]:
    """In each wave (`pause` seconds apart), four members file their commitments and two cell secretaries record an
    honor over HTTP, each honor delivered to a portal; returns (filed, recorded) once projections applied them
    all and Prometheus counted the deliveries."""

    def url(service: str) -> str:
        return f"http://127.0.0.1:{PORT_BASE + SERVICES.index(service) + 1}"

    portal = await Receiver().start()
    year, month = today_local().year, f"{today_local():%Y-%m}"
    filed = recorded = 0
    try:
        async with httpx.AsyncClient(timeout=10) as client:
            channel = {
                "channel_id": "cong-tinh",
                "kind": "portal",
                "name": "Cổng thông tin tỉnh",
                "url": portal.url,
                "secret": portal.secret,
                "unit_id": "lc",
                "min_level": "cell",
            }
            publisher = {**system.token("bien-tap", "publisher", "lc"), "Idempotency-Key": "channel-cong-tinh"}
            reply = await client.post(f"{url('notifications')}/channels", json=channel, headers=publisher)
            assert reply.status_code == 201, reply.text
            for wave in range(waves):
                if wave:
                    await asyncio.sleep(pause)
                members = directory.members[4 * wave : 4 * wave + 4]
                for m in members:
                    body = {
                        "member_id": m.member_id,
                        "year": year,
                        "limitations": ["Ngại va chạm"],
                        "plan": [{"title": "Tham gia đầy đủ sinh hoạt chi bộ", "deadline": f"{year}-12-31"}],
                    }
                    member = {**system.token(m.member_id, "member", m.cell_id), "Idempotency-Key": f"c-{m.member_id}"}
                    reply = await client.post(f"{url('commitments')}/commitments", json=body, headers=member)
                    assert reply.status_code == 201, reply.text
                    filed += 1
                for m in members[:2]:
                    body = {
                        "subject": {"kind": "member", "id": m.member_id},
                        "period": month,
                        "deed": "Vận động bà con hiến 300 m² đất mở đường liên thôn",
                        "proposed_by": "Chi ủy chi bộ",
                        "approved_by": "Chi bộ họp ngày 05",
                        "evidence": ["https://laocai.gov.vn/tin-tuc/hien-dat"],
                        "consent_to_publish": True,
                    }
                    secretary = {
                        **system.token("bi-thu", "cell_secretary", m.cell_id),
                        "Idempotency-Key": f"h-{m.member_id}",
                    }
                    reply = await client.post(f"{url('honors')}/honors", json=body, headers=secretary)
                    assert reply.status_code == 201, reply.text
                    recorded += 1

        async def seen() -> bool:
            applied = await prometheus.query(
                'sum by (event_type) (neuguong_events_consumed_total{ng_service="projections", outcome="applied",'
                ' event_type=~"CommitmentFiled|HonorRecorded"})'
            )
            counts = {r["metric"]["event_type"]: float(r["value"][1]) for r in applied}
            sent = await prometheus.query('neuguong_delivery_attempts_total{kind="publish", outcome="sent"}')
            return (
                counts.get("CommitmentFiled", 0) >= filed
                and counts.get("HonorRecorded", 0) >= recorded
                and [float(r["value"][1]) for r in sent] == [recorded]
            )

        await eventually(seen, timeout=60, interval=1)
        await asyncio.sleep(5)  # rates over the last requests need a few more scrapes
        assert len(portal.honors("honor.published")) == recorded
    finally:
        await portal.stop()
    return filed, recorded

"""`neuguong demo load`: fill the running system with the demo province through its real interfaces."""

import asyncio
import os
import random
import time
from pathlib import Path

import httpx

from neuguong.numbers import vi_number
from neuguong.runtime.auth import mint_token
from neuguong.runtime.directory import TOPICS as directory_topics_list
from neuguong.runtime.settings import Settings
from ops.demo_activity import (
    Actor,
    conclusion_jobs,
    honor_jobs,
    inspection_jobs,
    run_all,
    session_jobs,
    topic_jobs,
)
from ops.directory.demo import DemoDirectory, build_demo_directory
from ops.directory.importer import publish_directory
from ops.lag import wait_until_caught_up
from ops.progress import Progress
from services import NAMES as SERVICES

SERVICE_ORDER = SERVICES  # deploy/local numbers their ports in this order
DEMO_YEAR = 2026
FILING_SHARE = 0.05  # a slice of the province files through HTTP; enough to see every level move


def directory_topics() -> list[str]:
    """The topics every service copies its directory from."""
    return list(directory_topics_list)


def service_url(name: str) -> str:
    """NG_<NAME>_URL, else where services.sh runs the service (NG_HTTP_PORT_BASE + its position)."""
    explicit = os.environ.get(f"NG_{name.upper()}_URL")
    if explicit:
        return explicit.rstrip("/")
    base = int(os.environ.get("NG_HTTP_PORT_BASE", "8100"))
    return f"http://127.0.0.1:{base + SERVICE_ORDER.index(name) + 1}"


async def load_demo(keys_dir: Path, *, communes: int | None = None) -> None:
    """Publish the directory, file commitments over HTTP, wait for the figures, print where to look."""
    directory = build_demo_directory(communes=communes)
    await publish_directory(Settings(), directory, source_name="demo")
    private_key = (keys_dir / "jwt-private.pem").read_bytes()
    token = mint_token(private_key, sub="demo-tinh-uy", role="committee", unit="lc")
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(headers=headers, timeout=30) as client:
        await _wait_for_directory()
        filed = await _file_commitments(client, directory)
        activity = await _province_at_work(client, directory, private_key)
        figures = await _wait_for_figures(client, filed)
    _print_summary(directory, figures, token, activity)
    _print_console(directory, private_key)


async def _wait_for_directory(timeout: float = 900) -> None:
    print("demo: waiting for every service to copy the directory…")
    for service in SERVICE_ORDER:
        try:
            await wait_until_caught_up(Settings(), service, directory_topics(), timeout)
        except TimeoutError as error:
            raise SystemExit(f"demo: {error}") from error


async def _file_commitments(client: httpx.AsyncClient, directory: DemoDirectory) -> int:
    chosen = random.Random(DEMO_YEAR).sample(list(directory.members), int(len(directory.members) * FILING_SHARE))
    progress = Progress("commitments", len(chosen))
    gate = asyncio.Semaphore(16)

    async def file(member) -> bool:
        body = {
            "member_id": member.member_id,
            "year": DEMO_YEAR,
            "limitations": ["Chưa thường xuyên nghiên cứu, cập nhật kiến thức mới"],
            "plan": [{"title": "Gương mẫu thực hiện nếp sống văn minh ở khu dân cư", "deadline": f"{DEMO_YEAR}-12-31"}],
            "targets": {"task_results": "Hoàn thành tốt nhiệm vụ được giao"},
        }
        async with gate:
            reply = await client.post(
                f"{service_url('commitments')}/commitments",
                json=body,
                headers={"Idempotency-Key": f"demo-{member.member_id}-{DEMO_YEAR}"},
            )
        progress.advance()
        if reply.status_code not in (201, 409):
            raise SystemExit(f"demo: filing for {member.member_id} failed: {reply.status_code} {reply.text}")
        return True

    await asyncio.gather(*(file(m) for m in chosen))
    progress.close()
    return len(chosen)


async def _province_at_work(client: httpx.AsyncClient, directory: DemoDirectory, private_key: bytes) -> dict:
    """Sessions, honors and inspections through the services' own commands, as the units would send them."""
    rng = random.Random(DEMO_YEAR + 1)
    sessions = Actor(client, service_url("commitments"), private_key)
    await run_all("topics", topic_jobs(sessions, DEMO_YEAR))
    held = await run_all("sessions", session_jobs(sessions, directory, rng, DEMO_YEAR, months=10))
    honorees = rng.sample([m for m in directory.members if m.status == "active"], 400)
    replies = await run_all(
        "honors", honor_jobs(Actor(client, service_url("honors"), private_key), honorees, rng, DEMO_YEAR, 10)
    )
    honored = [m for m, reply in zip(honorees, replies, strict=True) if reply.status_code in (201, 409)]
    checked = honored[:30] + rng.sample(list(directory.members), 30)  # some honorees will be found in violation
    inspections = Actor(client, service_url("inspections"), private_key)
    opened = [
        r.json()
        for r in await run_all("inspections", inspection_jobs(inspections, directory, checked, DEMO_YEAR))
        if r.status_code == 201
    ]
    await run_all("conclusions", conclusion_jobs(inspections, directory, opened))
    return {
        "sessions": sum(r.status_code in (201, 409) for r in held),
        "honors": len(honored),
        "inspections": len(opened),
    }


async def _wait_for_figures(client: httpx.AsyncClient, expected: int, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        reply = await client.get(f"{service_url('projections')}/units/lc/figures", params={"period": str(DEMO_YEAR)})
        figures = reply.json() if reply.status_code == 200 else {}
        if figures.get("figures", {}).get("commitments_filed", 0) >= expected or time.monotonic() > deadline:
            return figures
        await asyncio.sleep(0.5)


def console_url() -> str:
    """NG_CONSOLE_URL, else where services.sh runs the console (the port after the services')."""
    explicit = os.environ.get("NG_CONSOLE_URL")
    if explicit:
        return explicit.rstrip("/")
    return f"http://127.0.0.1:{int(os.environ.get('NG_HTTP_PORT_BASE', '8100')) + len(SERVICE_ORDER) + 1}"


def _print_console(directory: DemoDirectory, private_key: bytes) -> None:
    """Where the committees' console is and a sign-in token for a province and a commune committee user."""
    commune = next(u for u in directory.units if u.level == "grassroots")
    province = mint_token(private_key, sub="demo-tinh-uy", role="committee", unit="lc")
    local = mint_token(private_key, sub="demo-dang-uy-xa", role="committee", unit=commune.unit_id)
    print(f"""
Bảng điều hành (the committees' console): {console_url()}
  Sign in with a token (paste it into "Token đăng nhập"; valid 8 hours):
  - Tỉnh ủy Lào Cai (province committee):
      {province}
  - {commune.name} (commune committee, unit {commune.unit_id}):
      {local}
  Another user's token:
      .venv/bin/neuguong token --private-key .run/keys/jwt-private.pem --sub NAME --role ROLE --unit UNIT""")


def _print_summary(directory: DemoDirectory, figures: dict, token: str, activity: dict) -> None:
    counts = figures.get("figures", {})
    cells = sum(1 for u in directory.units if u.level == "cell")
    print(f"""
Nêu Gương is running with the demo province (Đảng bộ tỉnh Lào Cai):
  {vi_number(len(directory.units) - cells - 1)} xã/phường, {vi_number(cells)} chi bộ, \
{vi_number(len(directory.members))} đảng viên
  cam kết năm {DEMO_YEAR}: {vi_number(counts.get("commitments_filed", 0))} \
(lãnh đạo: {vi_number(counts.get("commitments_filed_leaders", 0))})
  sinh hoạt chi bộ: {vi_number(activity["sessions"])}, ghi danh: {vi_number(activity["honors"])}, \
kiểm tra, giám sát: {vi_number(activity["inspections"])}

Where to look:""")
    for name in SERVICE_ORDER:
        url = service_url(name)
        print(f"  {name:<14} {url}/docs   {url}/healthz   {url}/metrics")
    print(f"""  figures        {service_url("projections")}/units/lc/figures?period={DEMO_YEAR}
  honor roll     {service_url("notifications")}/so-ghi-danh/lc   (public page, no token)
  portal feeds   {service_url("notifications")}/feeds/lc.json   {service_url("notifications")}/feeds/lc.atom
  logs           .run/logs/

A province committee token (8 hours) for the API:
  export TOKEN={token}
  curl -H "Authorization: Bearer $TOKEN" "{service_url("projections")}/units/lc/figures?period={DEMO_YEAR}"

Stop everything with: make stop""")

"""The public honor-roll page, rendered by headless Chromium (Debian's package) from the running service."""

import asyncio
import shutil
import socket
import subprocess
import tempfile
from datetime import date
from pathlib import Path

import pytest
import uvicorn

from schemas import MemberRegistered, encode, wrap
from services.notifications.app import definition
from services.notifications.settings import DeliverySettings
from tests.integration.flows import directory_loaded
from tests.integration.harness import eventually
from tests.integration.publicity import honor_recorded, publish_honor_event

ROOT = Path(__file__).parents[2]
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium() -> str:
    """The chromium binary, installed through deploy/local/chromium.sh when missing."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        subprocess.run(["bash", str(ROOT / "deploy/local/chromium.sh")], check=True, timeout=900)
        found = shutil.which("chromium")
    if found is None:
        pytest.fail("chromium: deploy/local/chromium.sh did not install it")
    return found


async def dump_dom(url: str) -> str:
    with tempfile.TemporaryDirectory() as profile:
        process = await asyncio.create_subprocess_exec(
            chromium(),
            *FLAGS,
            f"--user-data-dir={profile}",
            "--dump-dom",
            url,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
        )
        out, _ = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode == 0
    return out.decode("utf-8")


async def test_chromium_shows_names_in_vietnamese_order_and_deeds(system, small_directory):
    async with system.service("notifications", definition=definition(DeliverySettings(worker_enabled=False))) as s:
        await system.import_directory(small_directory)
        await directory_loaded(s, small_directory)
        cell = small_directory.members[0].cell_id
        known_order = ["Lê Văn Anh", "Phạm Thị Ánh", "Trần Thị Dung", "Nguyễn Văn Đức"]  # given name, vi alphabet
        extra = [
            MemberRegistered(member_id=f"x-{i}", full_name=name, cell_id=cell, admitted_on=date(2001, 1, 1))
            for i, name in enumerate(reversed(known_order))
        ]
        await system.publish_many(
            [
                (
                    m.topic,
                    m.key().encode(),
                    encode(
                        wrap(
                            m, producer="test", actor="t", unit_path=small_directory.unit_path(cell), correlation_id="c"
                        )
                    ),
                )
                for m in extra
            ]
        )
        await eventually(
            lambda: s.runtime.pool.fetchval("SELECT count(*) = 4 FROM directory_members WHERE member_id LIKE 'x-%'")
        )
        members = [m for m in small_directory.members if m.cell_id == cell] + extra
        deeds = [f"Giúp {i + 3} hộ đồng bào thoát nghèo bền vững" for i in range(len(members))]
        for member, deed in zip(members, deeds, strict=False):
            await publish_honor_event(system, honor_recorded(member, deed=deed), small_directory.unit_path(cell))
        await publish_honor_event(
            system,
            honor_recorded(members[0], consent=False, period="2026-04", deed="Hiến đất xây nhà văn hóa thôn"),
            small_directory.unit_path(cell),
        )

        async def listed():
            return (await s.client.get(f"/so-ghi-danh/{cell}")).text.count("<li ") == len(members) + 1

        await eventually(listed)

        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        server = uvicorn.Server(uvicorn.Config(s.app, lifespan="off", log_level="warning"))
        task = asyncio.create_task(server.serve(sockets=[sock]))
        try:
            while not server.started:
                await asyncio.sleep(0.01)
            dom = await dump_dom(f"http://127.0.0.1:{port}/so-ghi-danh/{cell}")
            filtered = await dump_dom(f"http://127.0.0.1:{port}/so-ghi-danh/{cell}?period=2026-04")
        finally:
            server.should_exit = True
            await task

    assert "Sổ ghi danh" in dom and 'name="viewport"' in dom
    for member, deed in zip(members, deeds, strict=False):
        assert member.full_name in dom and deed in dom
    positions = [dom.index(name) for name in known_order]
    assert positions == sorted(positions), "names are not in Vietnamese order"
    assert "Một đảng viên" in filtered and "Hiến đất xây nhà văn hóa thôn" in filtered
    assert all(m.full_name not in filtered for m in members)
    assert f"Tổng số: {len(members) + 1} lượt ghi danh" in dom

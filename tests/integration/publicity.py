"""Support of the notifications tests (no tests here): scripted HTTP receivers on loopback, honor events."""

import asyncio
import contextlib
import json
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
import uvicorn

from schemas import encode, uuid7, wrap
from schemas.honors import HonorRecorded, HonorRevoked, HonorSubject
from schemas.topics import HONORS
from services.notifications.app import definition
from services.notifications.settings import DeliverySettings
from services.notifications.signature import verify
from services.notifications.transport import Resolver
from tests.integration.flows import directory_loaded

FAST = DeliverySettings(
    max_attempts=6,
    backoff_base_seconds=0.05,
    backoff_cap_seconds=0.4,
    request_timeout_seconds=0.5,
    breaker_threshold=3,
    breaker_cooldown_seconds=0.5,
    poll_seconds=0.2,
    retry_after_cap_seconds=5,
)
SECRET = "bí-mật-chung-của-kênh-0123456789"

# (attempt number for this idempotency key, 1-based) -> (status, headers, delay before answering)
Script = Callable[[int], tuple[int, dict[str, str], float]]


def always_ok(_: int) -> tuple[int, dict[str, str], float]:
    return 200, {}, 0.0


@dataclass
class Receiver:
    """A portal or fanpage on 127.0.0.1 that checks signatures and counts deliveries by idempotency key."""

    script: Script = always_ok
    secret: str = SECRET
    port: int = 0
    attempts: dict[str, int] = field(default_factory=dict)
    accepted: dict[str, dict] = field(default_factory=dict)  # idempotency key -> body, first 2xx only
    accepted_at: dict[str, float] = field(default_factory=dict)
    bad_signatures: int = 0
    _server: uvicorn.Server | None = None
    _task: asyncio.Task | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        key = headers.get("idempotency-key", "")
        if not verify(self.secret, headers, body):
            self.bad_signatures += 1
            return await _answer(send, 401, {})
        self.attempts[key] = self.attempts.get(key, 0) + 1
        status, extra, delay = self.script(self.attempts[key])
        if delay:
            await asyncio.sleep(delay)
        if 200 <= status < 300 and key not in self.accepted:
            self.accepted[key] = json.loads(body)
            self.accepted_at[key] = time.monotonic()
        await _answer(send, status, extra)

    async def start(self) -> "Receiver":
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        self.port = sock.getsockname()[1]
        self._server = uvicorn.Server(uvicorn.Config(self, log_level="warning", lifespan="off", timeout_keep_alive=1))
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]))
        while not self._server.started:
            await asyncio.sleep(0.01)
        return self

    async def stop(self) -> None:
        """Go down: connections are refused until start() again (same port)."""
        if self._server is not None:
            self._server.should_exit = True
            with contextlib.suppress(Exception):
                await self._task
            self._server = None

    def honors(self, kind: str) -> list[str]:
        """Honor ids accepted in bodies of one type (honor.published / honor.retracted), one per key."""
        return [
            b["honor"]["honor_id"] if kind == "honor.published" else b["honor_id"]
            for b in self.accepted.values()
            if b["type"] == kind
        ]

    def time_of(self, kind: str, honor_id: str) -> float:
        for key, body in self.accepted.items():
            if body["type"] == kind and (body.get("honor", {}).get("honor_id") or body.get("honor_id")) == honor_id:
                return self.accepted_at[key]
        raise AssertionError(f"{kind} of {honor_id} never accepted")


async def _answer(send, status: int, headers: dict[str, str]) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(k.encode(), v.encode()) for k, v in {"content-length": "2", **headers}.items()],
        }
    )
    await send({"type": "http.response.body", "body": b"{}"})


def honor_recorded(
    member,
    level: str = "cell",
    consent: bool = True,
    period: str = "2026-03",
    deed: str = "Vận động nhân dân hiến 300 m² đất làm đường liên thôn",
    evidence: str = "https://noi-bo.example/ho-so-mat",
) -> HonorRecorded:
    return HonorRecorded(
        honor_id=str(uuid7()),
        subject=HonorSubject(kind="member", id=member.member_id, name=member.full_name),
        recording_unit_id=member.cell_id,
        level=level,
        period=period,
        deed=deed,
        evidence=[evidence],
        proposed_by="Chi bộ",
        approved_by="Chi bộ thôn",
        consent_to_publish=consent,
    )


async def publish_honor_event(system, event, unit_path: list[str]) -> None:
    """Put an honors event on the honors topic as services/honors would."""
    envelope = wrap(event, producer="honors", actor="test", unit_path=unit_path, correlation_id=str(uuid7()))
    await system.publish_raw(
        HONORS.name,
        encode(envelope),
        event.key().encode(),
        {"event_type": event.event_type, "event_id": str(envelope.event_id)},
    )


def revoked(recorded: HonorRecorded, reason: str = "Kết luận vi phạm của UBKT (bí mật)") -> HonorRevoked:
    return HonorRevoked(
        honor_id=recorded.honor_id,
        subject=recorded.subject,
        recording_unit_id=recorded.recording_unit_id,
        level=recorded.level,
        period=recorded.period,
        reason=reason,
        revoked_by="UBKT",
    )


def operator(system, service, unit: str = "lc") -> httpx.AsyncClient:
    """What `neuguong deliveries` talks to: the service's HTTP API, with an operator's token of `unit`."""
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=service.app),
        base_url="http://notifications",
        headers=system.token("van-hanh", "operator", unit),
    )


async def register_channel(
    system,
    service,
    channel_id: str,
    receiver: Receiver,
    unit_id: str = "lc",
    min_level: str = "cell",
    kind: str = "portal",
):
    reply = await service.client.post(
        "/channels",
        json={
            "channel_id": channel_id,
            "kind": kind,
            "name": f"Kênh {channel_id}",
            "url": receiver.url,
            "secret": receiver.secret,
            "unit_id": unit_id,
            "min_level": min_level,
        },
        headers={**system.token("bien-tap", "publisher", "lc"), "Idempotency-Key": f"channel-{channel_id}"},
    )
    assert reply.status_code == 201, reply.text
    assert "secret" not in reply.json()
    return reply.json()


@contextlib.asynccontextmanager
async def running(system, directory, settings: DeliverySettings = FAST, resolve: Resolver | None = None):
    """services/notifications with `settings` (and `resolve` for DNS), its directory loaded."""
    async with system.service("notifications", definition=definition(settings, resolve)) as service:
        await system.import_directory(directory)
        await directory_loaded(service, directory)
        yield service

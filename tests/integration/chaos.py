"""Support of the receiver chaos tests (no tests here): a webhook receiver on loopback, spoken to in raw
HTTP/1.1 so that it can misbehave as real ones do — answer late or never, trickle or flood its body, reset
the connection, redirect — following a script per attempt of each idempotency key."""

import asyncio
import contextlib
import json
import socket
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from services.notifications.signature import verify
from tests.integration.publicity import SECRET


@dataclass(frozen=True)
class Answer:
    """A whole answer at once."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b"{}"


@dataclass(frozen=True)
class Hang:
    """Say nothing for a while, then hang up."""

    seconds: float


@dataclass(frozen=True)
class Reset:
    """Tear the connection down with a TCP reset instead of answering."""


@dataclass(frozen=True)
class Trickle:
    """The status and headers at once, then the body a byte at a time, for `seconds`."""

    status: int
    seconds: float


@dataclass(frozen=True)
class Flood:
    """The status, then a body of `size` bytes, sent as fast as the client takes it."""

    status: int
    size: int = 500 * 1024 * 1024


Act = Answer | Hang | Reset | Trickle | Flood
Script = Callable[[int], Act]  # attempt number of an idempotency key (1-based) -> what the receiver does


@dataclass
class ChaosReceiver:
    """Counts every request by idempotency key and honor, and what it managed to send back."""

    script: Script
    secret: str = SECRET
    port: int = 0
    attempts: dict[str, list[float]] = field(default_factory=dict)  # key -> monotonic times of its requests
    keys_of_honor: dict[str, set[str]] = field(default_factory=dict)
    accepted: dict[str, dict] = field(default_factory=dict)  # key -> body, on the first 2xx sent whole
    flooded: int = 0  # body bytes a Flood got out before the client hung up
    bad_signatures: int = 0
    _server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    async def start(self) -> "ChaosReceiver":
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2)

    def requests(self) -> int:
        return sum(len(times) for times in self.attempts.values())

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")[1:]
            headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines if line)}
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            await self._act(self._note(headers, body), headers, body, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    def _note(self, headers: dict[str, str], body: bytes) -> Act:
        if not verify(self.secret, headers, body):
            self.bad_signatures += 1
            return Answer(401)
        key, payload = headers["idempotency-key"], json.loads(body)
        honor = payload["honor"]["honor_id"] if payload["type"] == "honor.published" else payload["honor_id"]
        self.keys_of_honor.setdefault(f"{payload['type']}:{honor}", set()).add(key)
        self.attempts.setdefault(key, []).append(time.monotonic())
        return self.script(len(self.attempts[key]))

    async def _act(self, act: Act, headers: dict[str, str], body: bytes, writer: asyncio.StreamWriter) -> None:
        key = headers.get("idempotency-key", "")
        if isinstance(act, Hang):
            await asyncio.sleep(act.seconds)
        elif isinstance(act, Reset):
            writer.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            writer.transport.abort()
        elif isinstance(act, Answer):
            writer.write(_head(act.status, {"content-length": str(len(act.body)), **act.headers}) + act.body)
            await writer.drain()
            if 200 <= act.status < 300:
                self.accepted.setdefault(key, json.loads(body))
        elif isinstance(act, Trickle):
            writer.write(_head(act.status, {"content-length": "100000"}))
            deadline = time.monotonic() + act.seconds
            while time.monotonic() < deadline:
                writer.write(b" ")
                await writer.drain()
                await asyncio.sleep(0.05)
        else:
            writer.write(_head(act.status, {"content-length": str(act.size)}))
            chunk = bytes(64 * 1024)
            while self.flooded < act.size:
                writer.write(chunk)
                await writer.drain()
                self.flooded += len(chunk)


def _head(status: int, headers: dict[str, str]) -> bytes:
    lines = [f"HTTP/1.1 {status} Chaos", "connection: close", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

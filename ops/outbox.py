"""`neuguong outbox parked|retry|discard SERVICE`: the outbox rows a service's broker refuses for good, through
the service's HTTP API (`GET /outbox/parked`, `POST /outbox/parked/{id}/retry|discard`), as an operator of the
whole tree. Retrying and discarding are idempotent: running a command twice changes nothing more."""

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import httpx

from ops.demo import service_url
from ops.failures import EXIT_UNREACHABLE, EXIT_USAGE, Failure

T = TypeVar("T")


class OutboxError(Exception):
    """What went wrong, in one line a terminal can show (no traceback)."""


def as_operator(
    service: str, url: str | None, token: str | None, call: Callable[[httpx.AsyncClient], Awaitable[T]]
) -> T:
    """Run `call` with a client of `service` (default: the local one) carrying an operator's token; a failure
    ends the program with one line."""
    if not token:
        raise Failure(
            "outbox: token: pass --token or set NG_TOKEN (an operator's bearer token at the root unit)", EXIT_USAGE
        )

    async def run() -> T:
        async with httpx.AsyncClient(
            base_url=url or service_url(service), timeout=30, headers={"Authorization": f"Bearer {token}"}
        ) as client:
            return await call(client)

    try:
        return asyncio.run(run())
    except OutboxError as error:
        raise Failure(f"outbox: {service}: {error}", EXIT_UNREACHABLE) from None


async def list_parked(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    """The parked rows, oldest first."""
    return (await _call(client, "GET", "/outbox/parked"))["parked"]


async def retry_parked(client: httpx.AsyncClient, ids: Sequence[int] = ()) -> list[dict[str, Any]]:
    """Hand parked rows (the given ids, else every parked one) back to the relay; each row's state after."""
    ids = list(ids) or [row["id"] for row in await list_parked(client)]
    return [await _call(client, "POST", f"/outbox/parked/{row_id}/retry") for row_id in ids]


async def discard_parked(client: httpx.AsyncClient, ids: Sequence[int]) -> list[dict[str, Any]]:
    """Give the given parked rows up; each row's state after."""
    return [await _call(client, "POST", f"/outbox/parked/{row_id}/discard") for row_id in ids]


async def _call(client: httpx.AsyncClient, method: str, path: str) -> dict[str, Any]:
    try:
        reply = await client.request(method, path)
    except httpx.TransportError as error:
        raise OutboxError(f"cannot reach {client.base_url} ({type(error).__name__}: {error})") from None
    if reply.status_code in (401, 403):
        raise OutboxError(f"token: refused ({_reason(reply)}); an operator's token at the root unit is needed")
    if reply.status_code >= 400:
        raise OutboxError(f"{method} {path}: {reply.status_code} {_reason(reply)}")
    try:
        return reply.json()
    except ValueError:
        raise OutboxError(f"{client.base_url} answered something else than its API") from None


def _reason(reply: httpx.Response) -> str:
    try:
        return str(reply.json()["detail"]).replace("\n", " ")
    except (ValueError, KeyError, TypeError):
        return reply.text.replace("\n", " ")[:200] or reply.reason_phrase


def format_parked(view: dict[str, Any]) -> str:
    """One line of `outbox parked`."""
    reason = (view["reason"] or "").replace("\n", " ")[:160]
    return (
        f"{view['id']}\t{view['topic']}\t{view['key']}\t{view['event_type']}\t{view['bytes']} bytes\t"
        f"parked={view['parked_at']}\tholds back {view['held_back']}\t{reason}"
    )

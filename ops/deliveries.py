"""`neuguong deliveries list|retry`: the publicity deliveries of services/notifications, through its HTTP API
(`GET /deliveries`, `POST /deliveries/retry`), so an operator sees and retries those of their own subtree,
with the service's idempotency, and nothing else."""

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import httpx

from ops.demo import service_url
from ops.failures import EXIT_UNREACHABLE, EXIT_USAGE, Failure
from schemas import uuid7

SERVICE = "notifications"
T = TypeVar("T")


class DeliveriesError(Exception):
    """What went wrong, in one line a terminal can show (no traceback)."""


class MissingToken(DeliveriesError):
    """The command was given no token (a usage mistake, not a refusal)."""


def operator_client(url: str | None, token: str | None, timeout: float = 30) -> httpx.AsyncClient:
    """A client of services/notifications (default: the local one) with an operator's bearer token."""
    if not token:
        raise MissingToken("token: pass --token or set NG_TOKEN (an operator's bearer token)")
    return httpx.AsyncClient(
        base_url=url or service_url(SERVICE), timeout=timeout, headers={"Authorization": f"Bearer {token}"}
    )


def as_operator(url: str | None, token: str | None, call: Callable[[httpx.AsyncClient], Awaitable[T]]) -> T:
    """Run `call` with an operator's client (the CLI's way in); a failure ends the program with one line."""

    async def run() -> T:
        async with operator_client(url, token) as client:
            return await call(client)

    try:
        return asyncio.run(run())
    except DeliveriesError as error:
        code = EXIT_USAGE if isinstance(error, MissingToken) else EXIT_UNREACHABLE
        raise Failure(f"deliveries: {error}", code) from None


async def list_deliveries(
    client: httpx.AsyncClient, *, state: str | None = None, channel_id: str | None = None, limit: int = 100
) -> list[dict]:
    """Deliveries newest first (state, attempts, last error, next attempt), of the token's subtree's channels."""
    params = {k: v for k, v in (("state", state), ("channel_id", channel_id), ("limit", limit)) if v is not None}
    return (await _call(client, "GET", "/deliveries", params=params))["deliveries"]


async def retry_deliveries(
    client: httpx.AsyncClient, *, delivery_ids: Sequence[str] = (), channel_id: str | None = None
) -> list[str]:
    """Dead-lettered deliveries (all, the given ids, or one channel's) of the token's subtree back to pending;
    their ids. Each call is a new request (a fresh Idempotency-Key)."""
    body = {k: v for k, v in (("delivery_ids", list(delivery_ids) or None), ("channel_id", channel_id)) if v}
    headers = {"Idempotency-Key": f"deliveries-retry-{uuid7()}"}
    return (await _call(client, "POST", "/deliveries/retry", json=body, headers=headers))["retried"]


async def _call(client: httpx.AsyncClient, method: str, path: str, **options: Any) -> dict:
    try:
        reply = await client.request(method, path, **options)
    except httpx.TransportError as error:
        raise DeliveriesError(f"{SERVICE}: cannot reach {client.base_url} ({type(error).__name__}: {error})") from None
    if reply.status_code == 401:
        raise DeliveriesError(f"token: refused by {SERVICE} ({_reason(reply)})")
    if reply.status_code == 403:
        raise DeliveriesError(f"token: may not do this ({_reason(reply)}); an operator's token is needed")
    if reply.status_code >= 400:
        raise DeliveriesError(f"{SERVICE}: {reply.status_code} {_reason(reply)}")
    try:
        return reply.json()
    except ValueError:
        raise DeliveriesError(f"{SERVICE}: {client.base_url} answered something else than its API") from None


def _reason(reply: httpx.Response) -> str:
    try:
        return str(reply.json()["detail"]).replace("\n", " ")
    except (ValueError, KeyError, TypeError):
        return reply.text.replace("\n", " ")[:200] or reply.reason_phrase


def format_delivery(view: dict) -> str:
    """One line of `deliveries list`."""
    error = (view["last_error"] or "").replace("\n", " ")[:160]
    return (
        f"{view['delivery_id']}\t{view['kind']}\t{view['state']}\t{view['channel_id']}\t{view['honor_id']}\t"
        f"attempts={view['attempts']}/{view['total_attempts']}\tstatus={view['last_status'] or '-'}\t"
        f"next={view['next_attempt_at'] or '-'}\t{error}"
    )

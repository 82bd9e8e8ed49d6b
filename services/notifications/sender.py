"""One signed HTTP attempt of a delivery, reduced to an Outcome.

Only the first few KiB of an answer are ever read (a receiver answering with 500 MB costs nothing), and a
redirect is never followed: it is a failure with its status (logic.next_step), since where it points was
never checked (transport.py) and the channel's URL is what an operator registered."""

import asyncio
import contextlib
import json
from collections.abc import Sequence
from typing import Any

import httpx

from services.notifications.logic import Outcome, parse_retry_after
from services.notifications.signature import signed_headers

USER_AGENT = "NeuGuong-Publicity/1"


def encode_body(body: dict[str, Any]) -> bytes:
    """The exact bytes that are signed and sent (UTF-8 JSON, Vietnamese kept readable)."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


async def read_at_most(response: httpx.Response, limit: int) -> bytes:
    """The first `limit` bytes of an answer's body, as sent; the rest is left unread (and the connection, which
    then cannot serve another request, is closed)."""
    with contextlib.suppress(httpx.ResponseNotRead):
        return response.content[:limit]  # a transport that answered from memory
    head = bytearray()
    async for chunk in response.aiter_raw():
        head += chunk
        if len(head) >= limit:
            break
    return bytes(head[:limit])


async def attempt(
    client: httpx.AsyncClient,
    url: str,
    secrets: Sequence[str],
    delivery_id: str,
    kind: str,
    body: dict[str, Any],
    timeout: float,
    limit: int = 4096,
) -> Outcome:
    """POST the body, signed with each of `secrets`, once; never raises for what the receiver or the network does."""
    raw = encode_body(body)
    headers = {
        **signed_headers(secrets, delivery_id, raw),
        "Accept-Encoding": "identity",  # what is read is what was sent: no decompression of a bomb
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        "X-NeuGuong-Delivery-Kind": kind,
    }
    deadline = asyncio.get_running_loop().time() + timeout  # the whole exchange, however slowly it trickles
    try:
        async with asyncio.timeout_at(deadline):
            request = client.build_request("POST", url, content=raw, headers=headers, timeout=timeout)
            response = await client.send(request, stream=True, follow_redirects=False)
    except TimeoutError:
        return Outcome(None, f"timeout after {timeout:g}s")
    except httpx.HTTPError as error:
        return Outcome(None, printable(f"{type(error).__name__}: {error}", 500))
    head = b""
    try:  # the status is in: a body that trickles, breaks off or never ends changes nothing of it
        with contextlib.suppress(TimeoutError, httpx.HTTPError):
            async with asyncio.timeout_at(deadline):
                head = await read_at_most(response, limit)
    finally:
        with contextlib.suppress(httpx.HTTPError):
            await response.aclose()
    return outcome_of(response, head)


def outcome_of(response: httpx.Response, head: bytes) -> Outcome:
    """What an answer comes to: its status, and for a failure the start of its body and its Retry-After."""
    status = response.status_code
    if 200 <= status < 300:
        return Outcome(status, "")
    if response.is_redirect:
        where = printable(response.headers.get("location", ""), 200)
        return Outcome(status, f"HTTP {status}: redirect to {where!r} not followed; change the channel's url")
    text = printable(head.decode("utf-8", "replace"), 200)
    return Outcome(status, f"HTTP {status}: {text}", parse_retry_after(response.headers.get("retry-after")))


def printable(text: str, limit: int) -> str:
    """At most `limit` characters of a receiver's words, control characters (NUL, which PostgreSQL's text
    refuses, line breaks) as spaces: the reason is stored, listed and logged on one line."""
    return "".join(c if c.isprintable() else " " for c in text[:limit])

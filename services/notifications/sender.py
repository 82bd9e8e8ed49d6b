"""One signed HTTP attempt of a delivery, reduced to an Outcome."""

import asyncio
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


async def attempt(client: httpx.AsyncClient, url: str, secrets: Sequence[str], delivery_id: str, kind: str,
                  body: dict[str, Any], timeout: float) -> Outcome:
    """POST the body, signed with each of `secrets`, once; never raises for what the receiver or the network does."""
    raw = encode_body(body)
    headers = {**signed_headers(secrets, delivery_id, raw), "Content-Type": "application/json; charset=utf-8",
               "User-Agent": USER_AGENT, "X-NeuGuong-Delivery-Kind": kind}
    try:
        async with asyncio.timeout(timeout):  # the whole exchange, however slowly the answer trickles
            response = await client.post(url, content=raw, headers=headers, timeout=timeout)
    except TimeoutError:
        return Outcome(None, f"timeout after {timeout:g}s")
    except httpx.HTTPError as error:
        return Outcome(None, f"{type(error).__name__}: {error}"[:500])
    if 200 <= response.status_code < 300:
        return Outcome(response.status_code, "")
    return Outcome(response.status_code, f"HTTP {response.status_code}: {response.text[:200]}",
                   parse_retry_after(response.headers.get("retry-after")))

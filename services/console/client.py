"""The services' public HTTP APIs, called with the signed-in user's own bearer token (never a key of the
console's own): what an API refuses the user, the console refuses too, saying why in Vietnamese."""

import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

from neuguong.wording import field_reason
from services.console.metrics import ConsoleMetrics
from services.console.settings import ConsoleSettings
from services.console.wording import status_headline


@dataclass
class ApiError(Exception):
    """An API's refusal (RFC 9457 problem): its status, a Vietnamese headline, and every field and reason."""

    status: int
    headline: str
    errors: list[dict[str, str]] = field(default_factory=list)
    problem: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.status} {self.headline}"

    def for_field(self, name: str) -> list[str]:
        """The reasons the API gave about one field of a form (its last dotted part matches)."""
        return [e["reason"] for e in self.errors if e["field"].split(".")[-1] == name or e["field"] == name]


class TokenRefused(Exception):
    """An API answered 401: the token ended or was revoked before the console's session did."""


def refusal(reply: httpx.Response) -> ApiError:
    """An API's error answer as an ApiError, fields and reasons worded for a committee's clerk; a 401 is
    TokenRefused (the user signs in again)."""
    if reply.status_code == 401:
        raise TokenRefused(reply.text[:200])
    try:
        problem = reply.json()
    except ValueError:
        problem = {}
    raw = problem.get("errors") if isinstance(problem, dict) else None
    errors = [
        {"field": str(e.get("field", "")), "reason": field_reason(str(e.get("field", "")), str(e.get("reason", "")))}
        for e in (raw or [])
        if isinstance(e, dict)
    ]
    return ApiError(reply.status_code, status_headline(reply.status_code), errors, problem or {})


class Api:
    """One user's calls: every request carries that user's token."""

    def __init__(self, http: httpx.AsyncClient, settings: ConsoleSettings, token: str, metrics: ConsoleMetrics) -> None:
        self.http, self.settings, self.metrics = http, settings, metrics
        self.headers = {"Authorization": f"Bearer {token}", "Accept-Language": "vi"}

    async def call(self, method: str, service: str, path: str, **options: Any) -> httpx.Response:
        """One request to a service's API, timed."""
        started, status = time.monotonic(), None
        try:
            reply = await self.http.request(method, self.settings.api_url(service) + path, **options)
            status = reply.status_code
            return reply
        finally:
            self.metrics.observe_api(service, status, started)

    async def get(self, service: str, path: str, **params: Any) -> Any:
        """A read; an ApiError when the API refuses it."""
        wanted = {k: v for k, v in params.items() if v is not None}
        reply = await self.call("GET", service, path, params=wanted, headers=self.headers)
        if reply.status_code != 200:
            raise refusal(reply)
        return reply.json()

    async def download(self, service: str, path: str, **params: Any) -> httpx.Response:
        """A file the API serves (a report workbook), as it answered."""
        reply = await self.call("GET", service, path, params=params, headers=self.headers)
        if reply.status_code != 200:
            raise refusal(reply)
        return reply

    async def post(self, service: str, path: str, body: dict[str, Any], key: str | None = None) -> Any:
        """A command, with an Idempotency-Key (the form's own, so a double submit files once)."""
        headers = {**self.headers, "Idempotency-Key": key or f"console-{uuid.uuid4()}"}
        reply = await self.call("POST", service, path, json=body, headers=headers)
        if reply.status_code not in (200, 201):
            raise refusal(reply)
        return reply.json()

"""HTTP pieces every service shares: health, readiness, metrics, correlation ids, commands."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated

import asyncpg
from fastapi import APIRouter, Depends, FastAPI, Header, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from neuguong.runtime import idempotency
from neuguong.runtime.auth import Principal, Unauthenticated
from neuguong.runtime.errors import problem
from neuguong.runtime.logs import correlation_id
from neuguong.runtime.outbox import EventMeta
from neuguong.runtime.settings import Settings
from schemas import uuid7


def install_middlewares(app: FastAPI, settings: Settings) -> None:
    """Correlation ids on every request and response; oversized bodies refused before parsing."""
    app.add_middleware(CorrelationMiddleware, max_body_bytes=settings.max_body_bytes)


class CorrelationMiddleware:
    """Pure ASGI (no BaseHTTPMiddleware task hop): sets the correlation id, echoes it, caps body size."""

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app, self.max_body_bytes = app, max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        value = (headers.get(b"x-correlation-id", b"").decode("latin-1") or str(uuid7()))[:128]
        token = correlation_id.set(value)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", []).append((b"x-correlation-id", value.encode("latin-1")))
            await send(message)

        try:
            length = int(headers.get(b"content-length", b"0") or 0)
            if length > self.max_body_bytes:
                reason = f"{length} bytes is over the limit of {self.max_body_bytes}"
                await problem(413, [{"field": "body", "reason": reason}])(scope, receive, send_with_id)
            else:
                await self.app(scope, receive, send_with_id)
        finally:
            correlation_id.reset(token)


def operations_router(registry: CollectorRegistry) -> APIRouter:
    """/healthz (process alive), /readyz (database and Kafka reachable), /metrics (Prometheus)."""
    router = APIRouter(tags=["operations"])

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz")
    async def readyz(request: Request) -> JSONResponse:
        runtime = getattr(request.app.state, "runtime", None)
        checks = {"database": False, "kafka": False}
        if runtime is not None:
            try:
                checks["database"] = await asyncio.wait_for(runtime.pool.fetchval("SELECT true"), 2.0)
            except Exception:
                checks["database"] = False
            checks["kafka"] = await runtime.broker.ping(timeout=2.0)
        ready = all(checks.values())
        return JSONResponse({"ready": ready, "checks": checks}, status_code=200 if ready else 503)

    @router.get("/metrics")
    async def metrics() -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return router


def get_runtime(request: Request):  # noqa: ANN201 - Runtime is imported lazily to avoid a cycle
    """The service's runtime (pool, broker, settings) opened in the lifespan."""
    return request.app.state.runtime


def get_pool(request: Request) -> asyncpg.Pool:
    """The service's database pool."""
    return request.app.state.runtime.pool


async def current_principal(request: Request, authorization: Annotated[str | None, Header()] = None) -> Principal:
    """The verified subject of the bearer token (401 when missing or invalid)."""
    verifier = request.app.state.runtime.verifier
    if verifier is None:
        raise Unauthenticated("authorization: this service has no token verifier configured")
    return verifier.verify(authorization)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
Pool = Annotated[asyncpg.Pool, Depends(get_pool)]
IdempotencyKey = Annotated[str, Header(alias="Idempotency-Key", min_length=8, max_length=200)]

Work = Callable[[asyncpg.Connection, EventMeta], Awaitable[idempotency.Answer]]


async def run_command(
    request: Request, principal: Principal, key: str, command: str, payload: object, work: Work
) -> JSONResponse:
    """Run `work` in one transaction with its events and the idempotency record; replay a repeated key."""
    runtime = request.app.state.runtime
    meta = EventMeta(
        producer=runtime.settings.service, actor=principal.sub, correlation_id=correlation_id.get() or str(uuid7())
    )
    fingerprint = idempotency.request_hash(command, payload)
    async with runtime.pool.acquire() as conn, conn.transaction():
        answer = await idempotency.recall(conn, principal.sub, key, fingerprint)
        replayed = answer is not None
        if answer is None:
            answer = await work(conn, meta)
            await idempotency.remember(conn, principal.sub, key, fingerprint, answer)
    runtime.metrics.commands.labels(runtime.settings.service, command, str(answer.status)).inc()
    headers = {"Idempotent-Replayed": "true"} if replayed else {}
    return JSONResponse(answer.body, status_code=answer.status, headers=headers)

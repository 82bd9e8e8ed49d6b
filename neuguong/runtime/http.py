"""HTTP pieces every service shares: health, readiness, metrics, correlation ids, commands."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated

import asyncpg
from fastapi import APIRouter, Depends, FastAPI, Header, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from neuguong.runtime import idempotency
from neuguong.runtime.auth import Principal, Unauthenticated
from neuguong.runtime.errors import problem
from neuguong.runtime.logs import correlation_id
from neuguong.runtime.outbox import EventMeta
from neuguong.runtime.settings import Settings
from schemas import uuid7


def install_middlewares(app: FastAPI, settings: Settings) -> None:
    """Correlation ids on every request and response; oversized bodies refused before parsing."""

    @app.middleware("http")
    async def correlate(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        value = request.headers.get("x-correlation-id") or str(uuid7())
        token = correlation_id.set(value[:128])
        try:
            length = int(request.headers.get("content-length") or 0)
            if length > settings.max_body_bytes:
                reason = f"{length} bytes is over the limit of {settings.max_body_bytes}"
                response: Response = problem(413, [{"field": "body", "reason": reason}])
            else:
                response = await call_next(request)
        finally:
            correlation_id.reset(token)
        response.headers["X-Correlation-ID"] = value[:128]
        return response


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


def current_principal(request: Request, authorization: Annotated[str | None, Header()] = None) -> Principal:
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

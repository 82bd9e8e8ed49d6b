"""The operations routes every service has: /healthz (process alive), /readyz (database and Kafka reachable),
/metrics (Prometheus), and the parked outbox rows (/outbox/parked: list, retry, discard; an operator of the
whole tree only)."""

import asyncio
from typing import TYPE_CHECKING, Annotated, Literal

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from neuguong.runtime import parked
from neuguong.runtime.answers import AnswerModel
from neuguong.runtime.http import CurrentPrincipal, Pool
from neuguong.runtime.problems import QUERY_ANSWERS, error_responses

if TYPE_CHECKING:
    from neuguong.runtime.service import Runtime

OutboxRowId = Annotated[int, Path(ge=1, le=2**63 - 1, description="the id of an outbox row")]


class Health(AnswerModel):
    """The process answers."""

    status: Literal["ok"]


class Readiness(AnswerModel):
    """Whether the service can work: each dependency and whether it answered within 2 s."""

    ready: bool
    checks: dict[str, bool]


class ParkedRow(AnswerModel):
    """An outbox row the broker refused, held back with the later rows of its key."""

    id: int
    event_id: str
    topic: str
    key: str
    event_type: str
    bytes: int
    created_at: str
    parked_at: str
    reason: str | None
    held_back: int


class ParkedRows(AnswerModel):
    """Parked rows, oldest first."""

    parked: list[ParkedRow]


class ParkedRowState(AnswerModel):
    """A parked row after it was settled."""

    id: int
    state: Literal["pending", "parked", "published", "discarded"]


SETTLE_ANSWERS = error_responses(401, 403, 404, 409, 422, 503)


def operations_router(registry: CollectorRegistry, service: str) -> APIRouter:
    """The operations routes of `service` (operation ids `<service>_<verb>_<noun>`)."""
    router = APIRouter(tags=["operations"])

    @router.get("/healthz", operation_id=f"{service}_check_health", response_model=Health)
    async def healthz() -> dict[str, str]:
        """The process is alive."""
        return {"status": "ok"}

    @router.get(
        "/readyz",
        operation_id=f"{service}_check_readiness",
        response_model=Readiness,
        responses={503: {"model": Readiness, "description": "The database or Kafka does not answer"}},
    )
    async def readyz(request: Request) -> JSONResponse:
        """The database and Kafka answer (503 while either does not)."""
        runtime = getattr(request.app.state, "runtime", None)
        checks = {"database": False, "kafka": False} if runtime is None else await readiness(runtime)
        ready = all(checks.values())
        return JSONResponse({"ready": ready, "checks": checks}, status_code=200 if ready else 503)

    @router.get(
        "/metrics",
        operation_id=f"{service}_read_metrics",
        response_class=Response,
        responses={200: {"content": {CONTENT_TYPE_LATEST: {"schema": {"type": "string"}}}}},
    )
    async def metrics() -> Response:
        """The service's Prometheus metrics, in the text exposition format."""
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    @router.get(
        "/outbox/parked", operation_id=f"{service}_list_parked_rows", response_model=ParkedRows, responses=QUERY_ANSWERS
    )
    async def parked_rows(principal: CurrentPrincipal, pool: Pool) -> dict[str, list[dict]]:
        """Outbox rows the broker refused, each with why and how many later rows of its key it holds back."""
        async with pool.acquire() as conn:
            await parked.require_root_operator(conn, principal)
            return {"parked": await parked.list_parked(conn)}

    @router.post(
        "/outbox/parked/{row_id}/retry",
        operation_id=f"{service}_retry_parked_row",
        response_model=ParkedRowState,
        responses=SETTLE_ANSWERS,
    )
    async def retry_parked(row_id: OutboxRowId, principal: CurrentPrincipal, pool: Pool) -> dict:
        """Hand a parked row back to the relay."""
        async with pool.acquire() as conn, conn.transaction():
            await parked.require_root_operator(conn, principal)
            return await parked.retry(conn, row_id)

    @router.post(
        "/outbox/parked/{row_id}/discard",
        operation_id=f"{service}_discard_parked_row",
        response_model=ParkedRowState,
        responses=SETTLE_ANSWERS,
    )
    async def discard_parked(row_id: OutboxRowId, principal: CurrentPrincipal, pool: Pool) -> dict:
        """Drop a parked row from the outbox for good: its event is never published."""
        async with pool.acquire() as conn, conn.transaction():
            await parked.require_root_operator(conn, principal)
            return await parked.discard(conn, row_id)

    return router


async def readiness(runtime: "Runtime") -> dict[str, bool]:
    """Whether the database and Kafka answer, as /readyz reports it and the `neuguong_ready` gauge shows it
    (the service also checks on its own every NG_LAG_INTERVAL_SECONDS, so Prometheus sees it unprobed)."""
    checks = {"database": False, "kafka": False}
    try:
        async with asyncio.timeout(2.0):  # not wait_for: on 3.11 it can swallow a cancellation (gh-86296)
            checks["database"] = bool(await runtime.pool.fetchval("SELECT true"))
    except Exception:
        checks["database"] = False
    checks["kafka"] = bool(await runtime.broker.ping(timeout=2.0))
    for check, passed in checks.items():
        runtime.metrics.ready.labels(runtime.settings.service, check).set(1 if passed else 0)
    return checks

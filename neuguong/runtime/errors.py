"""Errors a user can cause, each naming the field and the reason, and how HTTP shows them: as problem details
(neuguong.runtime.problems), 4xx for what the user can fix, 503 for an outage; runtime.edge answers the rest."""

import logging
from typing import Any

import asyncpg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from neuguong.runtime.auth import Forbidden, Unauthenticated
from neuguong.runtime.problems import (
    COMMAND_ANSWERS,
    COMMAND_ERRORS,
    PUBLIC_ANSWERS,
    PUBLIC_ERRORS,
    QUERY_ANSWERS,
    QUERY_ERRORS,
    Problem,
    document_problems,
    error_responses,
    problem,
)

__all__ = [
    "COMMAND_ANSWERS",
    "COMMAND_ERRORS",
    "PUBLIC_ANSWERS",
    "PUBLIC_ERRORS",
    "QUERY_ANSWERS",
    "QUERY_ERRORS",
    "Problem",
    "error_responses",
    "problem",
]

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
"""What a 503 asks the client to wait before trying again."""

Refusal = tuple[str, str] | None
"""What a pure rule returns: (field, reason) when a command breaks it, None when it may go ahead."""


class CommandRejected(Exception):
    """A command refused by a rule; nothing was written."""

    status = 422
    headers: dict[str, str] = {}  # noqa: RUF012 (read only)

    def __init__(self, field: str, reason: str, **details: object) -> None:
        super().__init__(f"{field}: {reason}")
        self.field, self.reason, self.details = field, reason, details


class NotFound(CommandRejected):
    """The thing named by the request does not exist."""

    status = 404


class Conflict(CommandRejected):
    """The command clashes with what exists (a duplicate natural key, …)."""

    status = 409


class NotYetKnown(CommandRejected):
    """The command needs what this service has not received yet (a unit above a member, on its way through
    the directory's topics): nothing was written, the same request succeeds shortly."""

    status = 503
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}  # noqa: RUF012 (read only)


def refuse(refusal: Refusal, kind: type[CommandRejected] = CommandRejected, **details: object) -> None:
    """Raise the refusal a rule returned, if any."""
    if refusal is not None:
        raise kind(refusal[0], refusal[1], **details)


OUTAGES: tuple[type[Exception], ...] = (
    OSError,  # refused, reset, unreachable, name resolution, timeouts (TimeoutError is one)
    asyncpg.PostgresConnectionError,  # SQLSTATE class 08, and a connection lost mid-query
    asyncpg.exceptions.OperatorInterventionError,  # 57: shutdown, cannot connect now, cancelled
    asyncpg.exceptions.InsufficientResourcesError,  # 53: too many connections, disk full
)
"""Failures to reach PostgreSQL: the request may succeed later, so they are a 503, not a fault of the service."""


def is_outage(error: BaseException) -> bool:
    """True when `error` says PostgreSQL cannot be reached or is going away (see OUTAGES)."""
    return isinstance(error, OUTAGES)


def install_error_handlers(app: FastAPI) -> None:
    """Map user-caused errors to 4xx with field and reason, outages to 503; runtime.http answers the rest (500)."""

    @app.exception_handler(RequestValidationError)
    async def on_invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        if any(e.get("type") == "json_invalid" for e in error.errors()):
            reasons = [f"not valid JSON ({e.get('ctx', {}).get('error', e['msg'])})" for e in error.errors()]
            return problem(400, [{"field": "body", "reason": reasons[0]}], instance=request.url.path)
        return problem(422, [_field_error(e) for e in error.errors()], instance=request.url.path)

    @app.exception_handler(HTTPException)
    async def on_http(request: Request, error: HTTPException) -> JSONResponse:
        field, reason = _http_reason(error)
        return problem(
            error.status_code, [{"field": field, "reason": reason}], instance=request.url.path, headers=error.headers
        )

    @app.exception_handler(CommandRejected)
    async def on_rejected(request: Request, error: CommandRejected) -> JSONResponse:
        errors = [{"field": error.field, "reason": error.reason}]
        return problem(
            error.status, errors, instance=request.url.path, extensions=error.details, headers=error.headers or None
        )

    @app.exception_handler(Unauthenticated)
    async def on_unauthenticated(request: Request, error: Unauthenticated) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"}
        return problem(401, [_split(str(error))], instance=request.url.path, headers=headers)

    @app.exception_handler(Forbidden)
    async def on_forbidden(request: Request, error: Forbidden) -> JSONResponse:
        return problem(403, [_split(str(error))], instance=request.url.path)

    for outage in OUTAGES:
        app.add_exception_handler(outage, on_outage)
    document_problems(app)


async def on_outage(request: Request, error: Exception) -> JSONResponse:
    """503 with Retry-After when the database cannot be reached: nothing was written, try again later."""
    log.warning("database unreachable", extra={"path": request.url.path, "error": repr(error)})
    reason = f"the database cannot be reached; try again in {RETRY_AFTER_SECONDS} s"
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    return problem(503, [{"field": "-", "reason": reason}], instance=request.url.path, headers=headers)


def _field_error(error: Any) -> dict[str, str]:
    field = ".".join(str(p) for p in error["loc"] if p != "body") or "body"
    return {"field": field, "reason": error["msg"].removeprefix("Value error, ")}


def _http_reason(error: HTTPException) -> tuple[str, str]:
    cause = error.__cause__
    if isinstance(cause, UnicodeDecodeError):
        return "body", f"not valid UTF-8 (byte 0x{cause.object[cause.start]:02x} at position {cause.start})"
    if isinstance(cause, RecursionError):
        return "body", "JSON nested too deeply"
    if error.status_code == 404:
        return "path", "no such resource"
    if error.status_code == 405:
        return "method", "not allowed on this path"
    return "request", str(error.detail)


def _split(message: str) -> dict[str, str]:
    field, _, reason = message.partition(": ")
    return {"field": field, "reason": reason or message}

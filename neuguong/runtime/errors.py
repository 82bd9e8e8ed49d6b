"""Errors a user can cause, each naming the field and the reason, and how HTTP shows them."""

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from neuguong.runtime.auth import Forbidden, Unauthenticated
from neuguong.runtime.logs import correlation_id

log = logging.getLogger(__name__)


class CommandRejected(Exception):
    """A command refused by a rule; nothing was written."""

    status = 422

    def __init__(self, field: str, reason: str, **details: object) -> None:
        super().__init__(f"{field}: {reason}")
        self.field, self.reason, self.details = field, reason, details


class NotFound(CommandRejected):
    """The thing named by the request does not exist."""

    status = 404


class Conflict(CommandRejected):
    """The command clashes with what exists (a duplicate natural key, …)."""

    status = 409


def problem(status: int, errors: list[dict[str, str]], **details: object) -> JSONResponse:
    """The one error body: a summary line plus every field and its reason."""
    summary = "; ".join(f"{e['field']}: {e['reason']}" for e in errors)
    return JSONResponse({"detail": summary, "errors": errors, **details}, status_code=status)


def install_error_handlers(app: FastAPI) -> None:
    """Map user-caused errors to 4xx with field and reason; anything else to a logged 500."""

    @app.exception_handler(RequestValidationError)
    async def on_invalid(_: Request, error: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": ".".join(str(p) for p in e["loc"] if p != "body") or "body", "reason": e["msg"]}
            for e in error.errors()
        ]
        return problem(422, errors)

    @app.exception_handler(CommandRejected)
    async def on_rejected(_: Request, error: CommandRejected) -> JSONResponse:
        return problem(error.status, [{"field": error.field, "reason": error.reason}], **error.details)

    @app.exception_handler(Unauthenticated)
    async def on_unauthenticated(_: Request, error: Unauthenticated) -> JSONResponse:
        response = problem(401, [_split(str(error))])
        response.headers["WWW-Authenticate"] = "Bearer"
        return response

    @app.exception_handler(Forbidden)
    async def on_forbidden(_: Request, error: Forbidden) -> JSONResponse:
        return problem(403, [_split(str(error))])

    @app.exception_handler(Exception)
    async def on_unexpected(request: Request, error: Exception) -> JSONResponse:
        log.exception("request failed", extra={"path": request.url.path})
        request.app.state.runtime.metrics.system_errors.labels(request.app.state.runtime.settings.service).inc()
        return problem(500, [{"field": "-", "reason": "internal error"}], correlation_id=correlation_id.get())


def _split(message: str) -> dict[str, str]:
    field, _, reason = message.partition(": ")
    return {"field": field, "reason": reason or message}

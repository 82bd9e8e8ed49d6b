"""The one error answer of every service: RFC 9457 problem details (`application/problem+json`) carrying the
fields at fault (`errors`) and the correlation id, and how a route declares the error answers it can give."""

import json
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from neuguong.runtime.logs import correlation_id

PROBLEM_MEDIA_TYPE = "application/problem+json"


class FieldError(BaseModel):
    """One field at fault and why (`body`, `items.3.year`, `query.period`, `path.unit_id`, `authorization`)."""

    field: str
    reason: str


class Problem(BaseModel):
    """Every error answer (RFC 9457): `detail` sums up `errors`; a 409 adds `existing`, the entry it clashes with."""

    model_config = ConfigDict(extra="allow")

    type: str = Field("about:blank", description="about:blank: the status and title say what kind of problem")
    title: str = Field(description="the HTTP status phrase")
    status: int
    detail: str = Field(description="every field and its reason on one line")
    instance: str | None = Field(None, description="the path of the request that failed")
    errors: list[FieldError]
    correlation_id: str | None = Field(None, description="also in the X-Correlation-Id header and the logs")


class ProblemResponse(JSONResponse):
    """A Problem as `application/problem+json`; text that cannot be encoded is shown escaped, never a 500."""

    media_type = PROBLEM_MEDIA_TYPE

    def render(self, content: Any) -> bytes:
        text = json.dumps(content, ensure_ascii=False, separators=(",", ":"), default=str)
        return text.encode("utf-8", "backslashreplace")


def problem(
    status: int,
    errors: list[dict[str, str]],
    *,
    instance: str | None = None,
    headers: Mapping[str, str] | None = None,
    extensions: Mapping[str, object] | None = None,
) -> JSONResponse:
    """The one error answer: a summary line plus every field and its reason, and the correlation id."""
    fields = [{"field": _printable(e["field"]), "reason": _printable(e["reason"])} for e in errors]
    body = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": "; ".join(f"{e['field']}: {e['reason']}" for e in fields),
        "instance": instance,
        "errors": fields,
        "correlation_id": correlation_id.get(),
        **(extensions or {}),
    }
    return ProblemResponse(body, status_code=status, headers=dict(headers or {}))


ERROR_DESCRIPTIONS = {
    400: "The body is not JSON in UTF-8, or is nested too deeply",
    401: "No bearer token, or one that does not verify",
    403: "The token's role or unit subtree does not allow this",
    404: "What the path names does not exist",
    409: "It clashes with what exists; `existing` shows it when the caller may see it",
    413: "The body is larger than NG_MAX_BODY_BYTES",
    422: "A field is malformed or breaks a rule; `errors` names each field and why",
    500: "A fault of the service, logged with the correlation id",
    503: "The database cannot be reached, or this service does not yet know a unit the request needs (the"
    " directory is on its way); nothing was written: try again after Retry-After seconds",
}
COMMAND_ERRORS = (400, 401, 403, 404, 409, 413, 422, 503)
QUERY_ERRORS = (401, 403, 404, 422, 503)
PUBLIC_ERRORS = (404, 422, 503)


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """FastAPI `responses=` for the error answers a route can give, each a Problem as application/problem+json
    (document_problems moves them off application/json in the OpenAPI document)."""
    return {
        status: {"model": Problem, "description": ERROR_DESCRIPTIONS[status], **_headers(status)} for status in statuses
    }


def _headers(status: int) -> dict[str, Any]:
    if status == 401:
        return {"headers": {"WWW-Authenticate": {"description": "Bearer", "schema": {"type": "string"}}}}
    if status == 503:
        return {"headers": {"Retry-After": {"description": "seconds to wait", "schema": {"type": "string"}}}}
    return {}


COMMAND_ANSWERS = error_responses(*COMMAND_ERRORS)
"""The error answers of a command route (POST or PATCH with a body, a token and an Idempotency-Key)."""
QUERY_ANSWERS = error_responses(*QUERY_ERRORS)
"""The error answers of a read with a token."""
PUBLIC_ANSWERS = error_responses(*PUBLIC_ERRORS)
"""The error answers of an anonymous read (the feeds and the public page)."""


def document_problems(app: FastAPI) -> None:
    """Error answers declared with error_responses() appear in the OpenAPI document as application/problem+json."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            for operation in (op for path in schema.get("paths", {}).values() for op in path.values()):
                for status, answer in operation.get("responses", {}).items():
                    content = answer.get("content", {})
                    # Declared under the route's own media type (JSON, a feed's): an error is always a Problem.
                    problems = [
                        m for m, c in content.items() if c.get("schema", {}).get("$ref", "").endswith("/Problem")
                    ]
                    if status >= "400" and problems:
                        answer["content"] = {PROBLEM_MEDIA_TYPE: content[problems[0]]}
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _printable(text: str) -> str:
    """Field names and reasons may echo what the client sent (a dict key): no control characters or
    surrogates leave in an answer."""
    return "".join(c if c.isprintable() or c == " " else ascii(c)[1:-1] for c in str(text))

"""The HTTP edge of every service, as pure ASGI middleware (no BaseHTTPMiddleware task hop), outermost first:

- EdgeMiddleware: the correlation id of the request, echoed on every answer and kept on a 500 (body, header
  and log); security headers; HEAD answered as GET without a body.
- OperationsPortGuard: with NG_OPERATIONS_PORT set, /metrics and /docs answer only on that port.
- BodyLimit: a body over NG_MAX_BODY_BYTES is refused with 413, whether it declares its length or streams.

redirect_slashes_relatively replaces Starlette's trailing-slash redirect, which names the request's Host.
"""

import logging
import re
from collections.abc import Callable
from urllib.parse import quote_from_bytes

from starlette.applications import Starlette
from starlette.responses import RedirectResponse
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from neuguong.runtime.logs import correlation_id
from neuguong.runtime.problems import problem
from schemas import uuid7

log = logging.getLogger(__name__)

OPERATIONS_PATHS = ("/metrics", "/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json")
DOCS_STATIC = "/docs/static"
"""Swagger UI's and ReDoc's scripts and styles, served by the service itself (an offline network has no CDN)."""
PROBES = ("/healthz", "/readyz")
DOCS_PATHS = ("/docs", "/docs/oauth2-redirect", "/redoc")
CORRELATION_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

SECURITY_HEADERS = {
    b"x-content-type-options": b"nosniff",
    b"x-frame-options": b"DENY",
    b"referrer-policy": b"no-referrer",
}
DEFAULT_CSP = b"default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
"""For answers that are data (JSON, feeds, errors): nothing may load, run or frame them. A page sets its own."""


class EdgeMiddleware:
    """Correlation ids, a logged and counted 500 that keeps them, security headers, HEAD as a bodiless GET."""

    def __init__(self, app: ASGIApp, on_failure: Callable[[Scope], None] | None = None) -> None:
        self.app, self.on_failure = app, on_failure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"x-correlation-id", b"").decode("latin-1")
        value = given if CORRELATION_ID.match(given) else str(uuid7())  # never echo what a log cannot hold
        token = correlation_id.set(value)
        head = scope["method"] == "HEAD"
        if head:
            scope = {**scope, "method": "GET"}
        started = False

        async def send_at_edge(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"x-correlation-id"]
                message = {**message, "headers": [*headers, *_edge_headers(scope["path"], headers, value)]}
            elif head and message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        try:
            await self.app(scope, receive, send_at_edge)
        except Exception:
            log.exception("request failed", extra={"path": scope["path"], "method": scope["method"]})
            if self.on_failure is not None:
                self.on_failure(scope)
            if started:
                raise
            answer = problem(500, [{"field": "-", "reason": "internal error"}], instance=scope["path"])
            await answer(scope, receive, send_at_edge)
        finally:
            correlation_id.reset(token)


def _edge_headers(path: str, headers: list[tuple[bytes, bytes]], value: str) -> list[tuple[bytes, bytes]]:
    present = {k.lower() for k, _ in headers}
    extra = [(b"x-correlation-id", value.encode("ascii"))]
    extra += [(k, v) for k, v in SECURITY_HEADERS.items() if k not in present]
    if b"content-security-policy" not in present and path not in DOCS_PATHS:  # Swagger UI loads scripts
        extra.append((b"content-security-policy", DEFAULT_CSP))
    if b"cache-control" not in present:  # answers are personal unless a route says they are public
        extra.append((b"cache-control", b"no-store"))
    return extra


class OperationsPortGuard:
    """With an operations port, /metrics and /docs answer there only, and that port answers nothing else."""

    def __init__(self, app: ASGIApp, operations_port: int | None) -> None:
        self.app, self.operations_port = app, operations_port

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.operations_port is None or scope["path"] in PROBES:
            await self.app(scope, receive, send)
            return
        server = scope.get("server")
        on_operations_port = server is not None and server[1] == self.operations_port
        if on_operations_port == is_operations_path(scope["path"]):
            await self.app(scope, receive, send)
            return
        where = "only on the operations port" if not on_operations_port else "not on the operations port"
        answer = problem(404, [{"field": "path", "reason": f"no such resource ({where})"}], instance=scope["path"])
        await answer(scope, receive, send)


def is_operations_path(path: str) -> bool:
    """The metrics, the OpenAPI document and the pages that show it (with their scripts)."""
    return path in OPERATIONS_PATHS or path.startswith(DOCS_STATIC + "/")


class BodyTooLarge(Exception):
    """A request body went over the limit while it was read."""


class BodyLimit:
    """Reads the whole body first (what FastAPI does anyway), counting the bytes as they stream, so a chunked
    body cannot pass the limit that Content-Length alone would enforce; then hands the app the same body."""

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app, self.max_body_bytes = app, max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        try:
            if declared.isdigit() and int(declared) > self.max_body_bytes:
                raise BodyTooLarge(f"{int(declared)} bytes is over the limit of {self.max_body_bytes}")
            body = await self._read(receive)
        except BodyTooLarge as error:
            await problem(413, [{"field": "body", "reason": str(error)}], instance=scope["path"])(scope, receive, send)
            return
        if body is None:  # the client went away before sending the whole body: nobody to answer
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    async def _read(self, receive: Receive) -> bytes | None:
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return None
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                raise BodyTooLarge(f"more than {self.max_body_bytes} bytes were sent (the limit)")
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)


def redirect_slashes_relatively(app: Starlette) -> None:
    """`/so-ghi-danh/lc/` → `/so-ghi-danh/lc` (and the other way) with a relative `Location` (`../lc`).

    Starlette's own redirect writes an absolute URL from the request's Host header, which a cache in front
    would keep for everyone. A relative reference holds no host and no prefix: it resolves right behind any
    proxy path (RFC 9110 §10.2.2)."""
    router = app.router
    router.redirect_slashes = False
    not_found = router.default

    async def default(scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and path not in ("", "/"):
            other, location = _other_slash(path)
            other_scope = {**scope, "path": other}
            if any(route.matches(other_scope)[0] is not Match.NONE for route in router.routes):
                query = quote_from_bytes(scope.get("query_string", b""), safe=QUERY_SAFE)  # bytes kept as sent
                response = RedirectResponse(location + (f"?{query}" if query else ""), status_code=307)
                await response(scope, receive, send)
                return
        await not_found(scope, receive, send)

    router.default = default


QUERY_SAFE = "/?:@!$&'()*+,;=%"
"""What a query keeps as it is when it is copied into a Location; any other byte is percent-encoded."""


def _other_slash(path: str) -> tuple[str, str]:
    """The path with its trailing slash(es) toggled, and the relative reference that leads there from `path`:
    one `../` per trailing slash (`/a/b//` → `../../b`), and `./` before the segment, which could otherwise
    read as a scheme (`urn:1/`)."""
    if path.endswith("/"):
        trimmed = path.rstrip("/")
        return trimmed, "../" * (len(path) - len(trimmed)) + trimmed.rsplit("/", 1)[-1]
    return path + "/", "./" + path.rsplit("/", 1)[-1] + "/"

"""What operators read of every HTTP request: a duration histogram by route template and status, and one
JSON access line (with the request's correlation id, which runtime.logs adds to every record)."""

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

access_log = logging.getLogger("neuguong.access")

QUIET_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
"""Probes and scrapes, every few seconds: timed like any request, logged at DEBUG only."""
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"
"""The route label of a request no route matched: a label per unknown path would be unbounded."""


def route_template(scope: Scope) -> str:
    """The template of the route that answered (/commitments/{commitment_id}), never the concrete path."""
    route = scope.get("route")
    path = getattr(route, "path_format", None) or getattr(route, "path", None)
    return path if isinstance(path, str) and path else UNMATCHED


class RequestObserver:
    """Times each request from its first byte read to its last byte sent and logs it once it is done.

    Sits just inside the EdgeMiddleware, so the correlation id is set and a request that fails is
    recorded with the 500 the edge answers."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app, self.service = app, service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), 500

        async def send_observed(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_observed)
        finally:
            self._record(scope, status, time.perf_counter() - started)

    def _record(self, scope: Scope, status: int, seconds: float) -> None:
        route = route_template(scope)
        method = scope["method"] if scope["method"] in METHODS else "OTHER"
        runtime = getattr(scope["app"].state, "runtime", None)
        if runtime is not None:  # before the lifespan has started there is no registry to count in
            runtime.metrics.http_duration.labels(self.service, method, route, str(status)).observe(seconds)
        level = logging.DEBUG if scope["path"] in QUIET_PATHS and status < 500 else logging.INFO
        access_log.log(
            level,
            "request",
            extra={
                "method": method,
                "path": scope["path"],  # without the query string: it may carry cursors or search terms
                "route": route,
                "status": status,
                "duration_ms": round(seconds * 1000, 2),
            },
        )

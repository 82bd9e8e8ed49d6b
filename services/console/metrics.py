"""The console's own metrics at /metrics (Prometheus): pages answered by route and status, and the time the
services' APIs took to answer it, by service and outcome. Each app has its own registry."""

import time
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest


class ConsoleMetrics:
    """The console's counters and timings."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self.pages = Counter(
            "neuguong_console_pages_total", "Pages and files answered", ["route", "status"], registry=registry
        )
        self.api_seconds = Histogram(
            "neuguong_console_api_seconds", "How long a service's API took", ["service", "outcome"], registry=registry
        )

    def observe_api(self, service: str, status: int | None, started: float) -> None:
        """One call to a service's API: `ok` (2xx), `refused` (4xx), `failed` (5xx or no answer)."""
        outcome = "failed" if status is None or status >= 500 else "refused" if status >= 400 else "ok"
        self.api_seconds.labels(service, outcome).observe(time.monotonic() - started)


def install_metrics(app: FastAPI, metrics: ConsoleMetrics) -> None:
    """Count every answer by its route's template (never the raw path: ids would grow the label set), and serve
    /metrics."""

    @app.middleware("http")
    async def count(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        route = request.scope.get("route")
        path = getattr(route, "path", "unmatched")
        if not path.startswith("/static"):
            metrics.pages.labels(path, str(response.status_code)).inc()
        return response

    @app.get("/metrics", include_in_schema=False)
    async def exposition() -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

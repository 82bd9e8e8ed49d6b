"""Wiring of services/notifications: consumers, HTTP routes and the delivery worker."""

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
from fastapi import APIRouter, FastAPI

from neuguong.runtime.service import ServiceDefinition
from services.notifications import channels, handlers, operators, public
from services.notifications.metrics import DeliveryMetrics
from services.notifications.settings import DeliverySettings
from services.notifications.worker import DeliveryWorker


def worker_router(settings: DeliverySettings | None = None) -> APIRouter:
    """A router whose lifespan runs the delivery worker; FastAPI nests it inside the runtime's lifespan,
    so the pool and registry are open when it starts and still open when it stops."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        config = settings or DeliverySettings()
        runtime = app.state.runtime
        app.state.delivery_settings = config
        metrics = DeliveryMetrics(runtime.metrics.registry)
        if not config.worker_enabled:
            yield
            return
        limits = httpx.Limits(max_connections=4 * config.channels_in_flight, max_keepalive_connections=32)
        async with httpx.AsyncClient(limits=limits, follow_redirects=False) as client:
            worker = DeliveryWorker(config, runtime.pool, metrics, client, runtime.settings.schema,
                                    runtime.settings.service)
            await worker.start()
            app.state.delivery_worker = worker
            try:
                yield
            finally:
                await worker.stop()

    return APIRouter(lifespan=lifespan)


def definition(settings: DeliverySettings | None = None) -> ServiceDefinition:
    """The service; `settings` override NG_NOTIFY_* (tests use short backoffs)."""
    return ServiceDefinition(
        name="notifications",
        package_dir=Path(__file__).parent,
        handlers=handlers.HANDLERS,
        consumes=handlers.TOPICS,
        routers=[channels.router, operators.router, public.router, worker_router(settings)],
    )


DEFINITION = definition()

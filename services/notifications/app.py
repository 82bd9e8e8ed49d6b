"""Wiring of services/notifications: its two tables, HTTP routes and the delivery worker."""

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
from fastapi import APIRouter, FastAPI

from neuguong.runtime.service import ServiceDefinition
from neuguong.runtime.settings import Settings
from services.notifications import api, handlers
from services.notifications.metrics import DeliveryMetrics
from services.notifications.settings import DeliverySettings
from services.notifications.transport import Resolver, TargetGuard, delivery_client
from services.notifications.worker import DeliveryWorker


def worker_router(settings: DeliverySettings | None = None, resolve: Resolver | None = None) -> APIRouter:
    """A router whose lifespan runs the delivery worker; FastAPI nests it inside the runtime's lifespan,
    so the pool and registry are open when it starts and still open when it stops."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        config = settings or DeliverySettings()
        runtime = app.state.runtime
        metrics = DeliveryMetrics(runtime.metrics.registry)
        if not config.worker_enabled:
            yield
            return
        limits = httpx.Limits(max_connections=4 * config.channels_in_flight, max_keepalive_connections=32)
        guard = TargetGuard.of(config, runtime.settings.environment, resolve)
        async with delivery_client(guard, limits) as client:
            worker = DeliveryWorker(
                config,
                runtime.pool,
                metrics,
                client,
                runtime.settings.pg_schema,
                runtime.settings.service,
                clock=runtime.clock,
            )
            await worker.start()
            try:
                yield
            finally:
                await worker.stop()

    return APIRouter(lifespan=lifespan)


def definition(settings: DeliverySettings | None = None, resolve: Resolver | None = None) -> ServiceDefinition:
    """The service; `settings` override NG_NOTIFY_* (tests use short backoffs), `resolve` the system's DNS."""

    def dependencies(runtime: Settings) -> dict[str, object]:
        guard = TargetGuard.of(settings or DeliverySettings(), runtime.environment, resolve)
        return {"settings": runtime, "targets": guard}

    return ServiceDefinition(
        name="notifications",
        package_dir=Path(__file__).parent,
        commands=handlers.COMMANDS,
        handlers=handlers.HANDLERS,
        consumes=handlers.TOPICS,
        dependencies=dependencies,
        routers=[api.router, api.deliveries, api.public, worker_router(settings, resolve)],
    )


DEFINITION = definition()

"""Wiring of one service: the only place that opens connections (pool, broker, relay, consumer)."""

import asyncio
import importlib
import contextlib
import logging
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
from fastapi import APIRouter, FastAPI
from faststream.kafka import KafkaBroker
from faststream.kafka.prometheus import KafkaPrometheusMiddleware
from prometheus_client import CollectorRegistry

from neuguong.runtime.auth import TokenVerifier
from neuguong.runtime.consumer import EventConsumer, Handler
from neuguong.runtime.db import create_pool, migrate
from neuguong.runtime.errors import install_error_handlers
from neuguong.runtime.http import install_middlewares, operations_router
from neuguong.runtime.kafka import broker_security
from neuguong.runtime.logs import configure_logging
from neuguong.runtime.metrics import RuntimeMetrics
from neuguong.runtime.relay import OutboxRelay
from neuguong.runtime.settings import Settings
from neuguong.runtime.topics import ensure_topics
from schemas.topics import ALL_TOPICS, dead_letter_topic

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServiceDefinition:
    """What makes a service itself: its name, schema migrations, handler table and HTTP routes."""

    name: str
    package_dir: Path
    handlers: Mapping[str, Handler] = field(default_factory=dict)
    consumes: Sequence[str] = ()
    routers: Sequence[APIRouter] = ()


@dataclass
class Runtime:
    """Everything a request or handler of one service may need, opened once at start."""

    settings: Settings
    metrics: RuntimeMetrics
    verifier: TokenVerifier | None
    pool: asyncpg.Pool
    broker: KafkaBroker
    relay: OutboxRelay
    consumer: EventConsumer | None


def create_app(definition: ServiceDefinition, settings: Settings | None = None) -> FastAPI:
    """The service's ASGI app; connections open in its lifespan, never at import time."""
    settings = settings or Settings(service=definition.name)
    if settings.service != definition.name:
        raise ValueError(f"service: settings are for {settings.service!r}, not {definition.name!r}")
    registry = CollectorRegistry()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with run_service(definition, settings, registry) as runtime:
            app.state.runtime = runtime
            yield

    app = FastAPI(title=f"Nêu Gương — {definition.name}", lifespan=lifespan)
    app.state.registry = registry
    install_middlewares(app, settings)
    install_error_handlers(app)
    app.include_router(operations_router(registry))
    for router in definition.routers:
        app.include_router(router)
    return app


@contextlib.asynccontextmanager
async def run_service(
    definition: ServiceDefinition, settings: Settings, registry: CollectorRegistry
) -> AsyncIterator[Runtime]:
    """Open the pool, migrate, create topics, start broker, consumer and relay; close in reverse."""
    configure_logging(settings.service, settings.log_level)
    metrics = RuntimeMetrics(registry)
    verifier = None
    if settings.jwt_public_key_file is not None:
        verifier = TokenVerifier.from_file(settings.jwt_public_key_file, settings.jwt_issuer, settings.jwt_audience)
    pool = await create_pool(settings)
    try:
        await migrate(pool, definition.package_dir)
        await ensure_topics(settings, [*ALL_TOPICS, dead_letter_topic(settings.service)])
        broker = KafkaBroker(
            settings.kafka_servers,
            client_id=settings.service,
            enable_idempotence=True,
            acks="all",
            security=broker_security(settings),
            allow_auto_create_topics=False,
            middlewares=[KafkaPrometheusMiddleware(registry=registry, app_name=settings.service)],
        )
        consumer = None
        if definition.handlers:
            consumer = EventConsumer(settings, pool, metrics, definition.handlers, list(definition.consumes))
            consumer.subscribe(broker)
        await broker.start()
        relay = OutboxRelay(settings, pool, metrics)
        await relay.start()
        runtime = Runtime(settings, metrics, verifier, pool, broker, relay, consumer)
        lag_task = asyncio.create_task(_observe_lag(runtime), name="consumer-lag")
        try:
            log.info("service started", extra={"http_port": settings.http_port})
            yield runtime
        finally:
            lag_task.cancel()
            await relay.stop()
            await broker.stop()
    finally:
        await pool.close()


async def _observe_lag(runtime: Runtime) -> None:
    while True:
        await asyncio.sleep(runtime.settings.lag_interval_seconds)
        if runtime.consumer is not None:
            try:
                await runtime.consumer.observe_lag()
            except Exception:
                log.warning("could not read consumer lag", exc_info=True)


def load_definition(name: str) -> ServiceDefinition:
    """The definition of services/<name> (its app.py declares DEFINITION)."""
    module = importlib.import_module(f"services.{name}.app")
    return module.DEFINITION

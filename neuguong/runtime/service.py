"""Wiring of one service: the only place that opens connections (pool, broker, relay, consumer)."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import asyncpg
from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from fastapi_offline import FastAPIOffline
from faststream.kafka import KafkaBroker
from faststream.kafka.prometheus import KafkaPrometheusMiddleware
from prometheus_client import CollectorRegistry

from neuguong.runtime.auth import TokenVerifier
from neuguong.runtime.clock import Clock, SystemClock
from neuguong.runtime.commands import CommandBus, Grouped
from neuguong.runtime.commands import Handler as CommandHandler
from neuguong.runtime.consumer import BatchScope, EventConsumer, Handler
from neuguong.runtime.db import create_pool, migrate
from neuguong.runtime.edge import DOCS_STATIC
from neuguong.runtime.errors import install_error_handlers
from neuguong.runtime.grouping import CommandGroups
from neuguong.runtime.http import install_middlewares
from neuguong.runtime.kafka import broker_security
from neuguong.runtime.logs import configure_logging
from neuguong.runtime.metrics import RuntimeMetrics
from neuguong.runtime.operations import operations_router, readiness
from neuguong.runtime.relay import OutboxRelay
from neuguong.runtime.settings import Settings
from neuguong.runtime.topics import ensure_topics
from schemas.topics import ALL_TOPICS, dead_letter_topic

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServiceDefinition:
    """What makes a service itself: its name, schema migrations, its two tables (commands it takes,
    events it consumes) and HTTP routes. `dependencies` builds, once the service runs, what command
    handlers ask for by keyword (see runtime.commands)."""

    name: str
    package_dir: Path
    handlers: Mapping[str, Handler] = field(default_factory=dict)
    consumes: Sequence[str] = ()
    commands: Mapping[type, CommandHandler | Grouped] = field(default_factory=dict)
    dependencies: Callable[[Settings], Mapping[str, object]] = lambda settings: {"settings": settings}
    routers: Sequence[APIRouter] = ()
    batch_scope: BatchScope | None = None  # around each consumer batch's handler calls (runtime.consumer)


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
    clock: Clock
    commands: CommandBus
    groups: CommandGroups


def create_app(definition: ServiceDefinition, settings: Settings | None = None, clock: Clock | None = None) -> FastAPI:
    """The service's ASGI app; connections open in its lifespan, never at import time."""
    settings = settings or Settings(service=definition.name)
    if settings.service != definition.name:
        raise ValueError(f"service: settings are for {settings.service!r}, not {definition.name!r}")
    registry = CollectorRegistry()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with run_service(definition, settings, registry, clock or SystemClock()) as runtime:
            app.state.runtime = runtime
            yield

    app = FastAPIOffline(  # /docs and /redoc from the package's own copy of Swagger UI and ReDoc, no CDN
        static_url=DOCS_STATIC,
        title=f"Nêu Gương — {definition.name}",
        description=API_DESCRIPTION,
        lifespan=lifespan,
        generate_unique_id_function=_undocumented_operation,
    )
    app.state.registry = registry  # tests and benchmarks read the service's metrics from it
    install_middlewares(app, settings)
    install_error_handlers(app)
    app.include_router(operations_router(registry, definition.name))
    for router in definition.routers:
        app.include_router(router)
    return app


API_DESCRIPTION = """Commands and reads of one service of Nêu Gương.

- **Token**: a bearer JWT (Authorize, above) carrying `sub`, `role` and `unit`; none or a bad one is a 401,
  acting outside the token's role or unit subtree a 403 that writes nothing. The feeds and the public page
  are anonymous.
- **Commands** (POST, PATCH) need an `Idempotency-Key` header (8–200 visible ASCII characters): the same
  key with the same body answers the first answer again (`Idempotent-Replayed: true`) and writes nothing.
- **Errors** are RFC 9457 problem details (`application/problem+json`) with two extensions: `errors`, every
  field at fault and why (`[{field, reason}]`, summed up in `detail`), and `correlation_id` (also in the
  `X-Correlation-Id` header); a 409 may add `existing`, the entry the command clashes with.
"""


def _undocumented_operation(route: APIRoute) -> str:
    # Every route names its operation (`<service>_<verb>_<noun>`); one that does not shows in the document.
    return f"undocumented_{route.name}"


def subscribe_consumer(
    definition: ServiceDefinition,
    settings: Settings,
    broker: KafkaBroker,
    pool: asyncpg.Pool | None,
    metrics: RuntimeMetrics,
) -> EventConsumer | None:
    """The service's consumer with its typed subscribers on `broker`; None when it consumes nothing.

    ops.asyncapi calls it too, without a pool, on a broker that never connects: the document is these
    subscribers."""
    if not definition.handlers:
        return None
    consumer = EventConsumer(
        settings, pool, metrics, definition.handlers, definition.consumes, batch_scope=definition.batch_scope
    )
    consumer.subscribe(broker)
    return consumer


@contextlib.asynccontextmanager
async def run_service(
    definition: ServiceDefinition, settings: Settings, registry: CollectorRegistry, clock: Clock | None = None
) -> AsyncIterator[Runtime]:
    """Open the pool, migrate, create topics, start broker, consumer and relay; close in reverse."""
    configure_logging(settings.service, settings.log_level)
    metrics = RuntimeMetrics(registry)
    verifier = None
    if settings.jwt_public_key_file is not None:
        lifetime = timedelta(seconds=settings.jwt_max_lifetime_seconds)
        verifier = TokenVerifier.from_file(
            settings.jwt_public_key_file, settings.jwt_issuer, settings.jwt_audience, lifetime
        )
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
        await broker.start()
        consumer = subscribe_consumer(definition, settings, broker, pool, metrics)
        if consumer is not None:
            await consumer.start()
        relay = OutboxRelay(settings, pool, metrics)
        await relay.start()
        commands = CommandBus(definition.commands, definition.dependencies(settings))
        clock = clock or SystemClock()
        groups = CommandGroups(pool, commands, settings, clock, metrics)
        runtime = Runtime(settings, metrics, verifier, pool, broker, relay, consumer, clock, commands, groups)
        lag_task = asyncio.create_task(_observe(runtime), name="consumer-lag-and-readiness")
        try:
            log.info("service started", extra={"http_port": settings.http_port})
            yield runtime
        finally:
            await stop_within(cancelled(lag_task), "readiness and lag")
            await stop_within(relay.stop(), "relay")
            if consumer is not None:
                await stop_within(consumer.stop(), "consumer writes")
            await stop_within(broker.stop(), "broker")
    finally:
        await close_pool(pool)


STOP_STEP_SECONDS = 10.0


async def cancelled(task: asyncio.Task[None]) -> None:
    """Cancel `task` until it has ended. One cancel is not enough on Python 3.11: `asyncio.wait_for` returns the
    inner result when the cancellation lands as that finishes (gh-86296), and a loop around it runs on; stopping
    then waited for it forever with the event loop idle (a teardown that hung until its test timed out)."""
    while not task.done():
        task.cancel()
        await asyncio.wait({task}, timeout=0.5)


async def stop_within(step: Awaitable[None], what: str) -> None:
    """One step of stopping, given STOP_STEP_SECONDS: a Kafka client that never finishes its goodbye (a
    teardown under load once hung ten minutes in the relay's or the broker's stop) must not keep the service
    from stopping within its grace period. After the bound the step is cancelled, logged, and stopping goes on:
    nothing is lost, since offsets and outbox marks are committed only after the work they record."""
    try:
        await asyncio.wait_for(step, timeout=STOP_STEP_SECONDS)
    except TimeoutError:
        log.error("a step of stopping did not finish; cancelled", extra={"step": what, "seconds": STOP_STEP_SECONDS})


POOL_CLOSE_SECONDS = 10.0


async def close_pool(pool: asyncpg.Pool) -> None:
    """Close the pool, waiting for connections in use a bounded time: asyncpg's close waits for every
    connection to come back, so one task that never gives its connection back would keep the service from
    ever stopping. After the bound the rest are terminated (their transactions roll back) and it is logged."""
    try:
        await asyncio.wait_for(pool.close(), timeout=POOL_CLOSE_SECONDS)
    except TimeoutError:
        log.error("connections still in use when stopping; terminated", extra={"seconds": POOL_CLOSE_SECONDS})
        pool.terminate()


async def _observe(runtime: Runtime) -> None:
    while True:
        await asyncio.sleep(runtime.settings.lag_interval_seconds)
        try:
            await readiness(runtime)
        except Exception:
            log.warning("could not check readiness", exc_info=True)
        if runtime.consumer is not None:
            try:
                await runtime.consumer.observe_lag()
            except Exception:
                log.warning("could not read consumer lag", exc_info=True)

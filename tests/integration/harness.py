"""A test system on the real broker and database: fresh schemas and a topic prefix per test."""

import asyncio
import contextlib
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from fastapi import FastAPI

from neuguong.runtime.auth import Role, mint_token
from neuguong.runtime.clock import Clock
from neuguong.runtime.service import Runtime, ServiceDefinition, create_app
from neuguong.runtime.settings import Settings
from neuguong.runtime.topics import delete_prefixed_topics, topic_partitions
from ops.directory.demo import DemoDirectory
from ops.directory.importer import publish_directory
from schemas import uuid7
from services import NAMES as SERVICES
from services import definition as load_definition

T = TypeVar("T")


def env(name: str, default: str) -> str:
    return os.environ.get(name, default)


async def admin_connection() -> asyncpg.Connection:
    """The cluster's admin, on the test database (tests own it; the demo uses another)."""
    return await asyncpg.connect(
        host=env("NG_PG_HOST", "127.0.0.1"),
        port=int(env("NG_PG_PORT", "25432")),
        user=env("NG_PG_ADMIN_USER", "neuguong"),
        password=env("NG_PG_ADMIN_PASSWORD", "neuguong-dev"),
        database=env("NG_PG_DATABASE", "neuguong_test"),
    )


async def reset_schemas() -> None:
    """Empty every service schema, keeping each one owned by its own role."""
    conn = await admin_connection()
    try:
        for service in SERVICES:
            for schema in (service, f"{service}_rebuild", f"{service}_retired"):
                await conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
                await conn.execute(f"CREATE SCHEMA {schema} AUTHORIZATION ng_{service}")
    finally:
        await conn.close()


async def eventually(probe: Callable[[], Awaitable[T]], *, timeout: float = 30.0, interval: float = 0.1) -> T:
    """Poll `probe` until it returns a truthy value; fail with its last value after `timeout`."""
    deadline, value = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        value = await probe()
        if value:
            return value
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s (last value: {value!r})")


@dataclass
class RunningService:
    """A service running in this process, reached over HTTP through its ASGI app."""

    app: FastAPI
    client: httpx.AsyncClient

    @property
    def runtime(self) -> Runtime:
        return self.app.state.runtime


@dataclass
class Stack:
    """One test's slice of the real infrastructure."""

    prefix: str
    private_key: bytes
    public_key_file: Path
    base: dict[str, Any] = field(default_factory=dict)

    def settings(self, service: str = "", **overrides: Any) -> Settings:
        values = {
            "environment": "test",
            "service": service,
            "topic_prefix": self.prefix,
            "pg_database": env("NG_PG_DATABASE", "neuguong_test"),
            "jwt_public_key_file": self.public_key_file,
            "relay_poll_seconds": 0.2,
            "lag_interval_seconds": 0.5,
            "consumer_retry_backoff_seconds": 0.05,
            **self.base,
            **overrides,
        }
        return Settings(**values)

    def token(self, sub: str, role: Role, unit: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {mint_token(self.private_key, sub=sub, role=role, unit=unit)}"}

    @contextlib.asynccontextmanager
    async def service(
        self, name: str, definition: ServiceDefinition | None = None, clock: Clock | None = None, **overrides: Any
    ) -> AsyncIterator[RunningService]:
        app = create_app(definition or load_definition(name), self.settings(name, **overrides), clock)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url=f"http://{name}") as client:
                yield RunningService(app, client)

    async def import_directory(self, directory: DemoDirectory) -> None:
        await publish_directory(self.settings(), directory, source_name="test")

    async def publish_many(self, records: list[tuple[str, bytes, bytes]]) -> None:
        """Publish (topic, key, value) records with one idempotent producer, in order per key."""
        producer = AIOKafkaProducer(
            bootstrap_servers=self.settings().kafka_bootstrap, acks="all", enable_idempotence=True, linger_ms=10
        )
        await producer.start()
        try:
            for start in range(0, len(records), 2000):
                sends = [
                    await producer.send(self.prefix + topic, value, key=key)
                    for topic, key, value in records[start : start + 2000]
                ]
                await asyncio.gather(*sends)
        finally:
            await producer.stop()

    async def publish_raw(self, topic: str, value: bytes, key: bytes, headers: dict[str, str] | None = None) -> None:
        producer = AIOKafkaProducer(bootstrap_servers=self.settings().kafka_bootstrap, acks="all")
        await producer.start()
        try:
            await producer.send_and_wait(
                self.prefix + topic, value, key=key, headers=[(k, v.encode()) for k, v in (headers or {}).items()]
            )
        finally:
            await producer.stop()

    async def read_topic(self, topic: str, *, at_least: int = 0, timeout: float = 15.0) -> list[ConsumerRecord]:
        """Every record of a topic from the beginning; waits until there are `at_least` of them."""
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.settings().kafka_bootstrap, enable_auto_commit=False, auto_offset_reset="earliest"
        )  # see neuguong/rebuild.py
        await consumer.start()
        try:
            name = self.prefix + topic
            records: list[ConsumerRecord] = []
            deadline = time.monotonic() + timeout
            partitions = await _partitions(self.settings(), name, deadline)
            consumer.assign(partitions)
            await consumer.seek_to_beginning(*partitions)
            while time.monotonic() < deadline:
                ends = await consumer.end_offsets(partitions)
                for batch in (await consumer.getmany(timeout_ms=200)).values():
                    records += batch
                caught_up = all([await consumer.position(tp) >= ends[tp] for tp in partitions])
                if caught_up and len(records) >= at_least:
                    break
            return records
        finally:
            await consumer.stop()


async def _partitions(settings: Settings, topic: str, deadline: float) -> list[TopicPartition]:
    while time.monotonic() < deadline:
        partitions = await topic_partitions(settings, [topic])  # services create their topics at start
        if partitions:
            return partitions
        await asyncio.sleep(0.2)
    raise AssertionError(f"topic {topic} does not exist")


async def delete_topics(prefix: str) -> None:
    """Drop a test's topics so repeated runs do not pile partitions onto the broker."""
    await delete_prefixed_topics(Settings(), prefix)


def new_prefix() -> str:
    return f"t{uuid7().hex[-10:]}."

"""The middle test layer: a service's command handlers on real PostgreSQL, without HTTP or Kafka.

The service's schema is reset and migrated, its local directory is filled by calling the runtime's own
directory handlers, and each command runs through the service's command table in one transaction, as
the HTTP side runs it. The clock is whatever the test gives.
"""

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import asyncpg

from neuguong.runtime import directory
from neuguong.runtime.auth import Principal, Role
from neuguong.runtime.clock import Clock, FixedClock
from neuguong.runtime.commands import Answer, CommandBus
from neuguong.runtime.db import create_pool, migrate
from neuguong.runtime.input import Command
from neuguong.runtime.outbox import EventMeta
from neuguong.runtime.settings import Settings
from ops.directory.demo import DemoDirectory
from schemas import MemberRegistered, OrgUnitRegistered, decode, wrap
from services import definition
from tests.integration.harness import env, reset_schemas


def at(moment: str) -> FixedClock:
    """A clock standing at an ISO moment (with its offset: `2026-12-31T23:30:00+07:00`)."""
    return FixedClock(datetime.fromisoformat(moment).astimezone(UTC))


def principal(sub: str, role: Role, unit: str) -> Principal:
    """Who acts."""
    return Principal(sub=sub, role=role, unit=unit)


@dataclass
class CommandLayer:
    """One service's command handlers on its own freshly migrated schema."""

    service: str
    pool: asyncpg.Pool
    bus: CommandBus
    clock: Clock = field(default_factory=lambda: at("2026-06-15T09:00:00+07:00"))

    async def run(self, command: Command, actor: Principal, clock: Clock | None = None) -> Answer:
        """Run one command in one transaction (rolled back when it is refused) and return its answer."""
        meta = EventMeta(producer=self.service, actor=actor.sub, correlation_id="handler-test")
        async with self.pool.acquire() as conn, conn.transaction():
            return await self.bus.handle(conn, command, actor, clock or self.clock, meta)

    async def outbox(self) -> list[Any]:
        """Every staged event, in outbox order, as envelopes."""
        return [decode(row["body"]) for row in await self.pool.fetch("SELECT body FROM outbox ORDER BY id")]

    async def count(self, table: str) -> int:
        """Rows of one of the service's tables."""
        return await self.pool.fetchval(f"SELECT count(*) FROM {table}")

    async def load(self, source: DemoDirectory) -> None:
        """Fill the local directory through the runtime's own handlers (what the directory topics do)."""
        await load_directory(self.pool, source)


async def load_directory(pool: asyncpg.Pool, source: DemoDirectory) -> None:
    """Fill a service's local directory through the runtime's own handlers (what the directory topics do)."""
    async with pool.acquire() as conn, conn.transaction():
        for event in (*source.units, *source.members):
            envelope = wrap(
                event, producer="test", actor="test", unit_path=source.path_for(event), correlation_id="directory"
            )
            await directory.HANDLERS[event.event_type](conn, event, envelope)


LOST_CELL = "lc-x99-c01"  # its commune never reached the service: its path is not whole
STRAY = "lc-x99-c01-m01"  # a member of that cell


async def add_stray_member(pool: asyncpg.Pool) -> None:
    """A member whose cell the service knows, but not the cell's commune: a command naming them waits (503)."""
    async with pool.acquire() as conn, conn.transaction():
        for event in (
            OrgUnitRegistered(
                unit_id=LOST_CELL, name="Chi bộ thôn Xa", level="cell", parent_id="lc-x99", cell_kind="rural"
            ),
            MemberRegistered(member_id=STRAY, full_name="Lò Văn Xa", cell_id=LOST_CELL, admitted_on=date(2010, 1, 1)),
        ):
            envelope = wrap(event, producer="test", actor="test", unit_path=[], correlation_id="directory")
            await directory.HANDLERS[event.event_type](conn, event, envelope)


async def command_layer(service: str, source: DemoDirectory | None = None) -> AsyncIterator[CommandLayer]:
    """A CommandLayer for `service`, its schema reset, migrated and given `source` as its directory."""
    await reset_schemas()
    settings = Settings(service=service, environment="test", pg_database=env("NG_PG_DATABASE", "neuguong_test"))
    the_service = definition(service)
    pool = await create_pool(settings)
    try:
        await migrate(pool, Path(the_service.package_dir))
        layer = CommandLayer(service, pool, CommandBus(the_service.commands, the_service.dependencies(settings)))
        if source is not None:
            await layer.load(source)
        yield layer
    finally:
        await pool.close()

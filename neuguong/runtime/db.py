"""The asyncpg pool of a service and the SQL migrations applied at start."""

import json
import logging
from pathlib import Path
from typing import Any

import asyncpg

from neuguong.runtime import locks
from neuguong.runtime.settings import Settings

log = logging.getLogger(__name__)

RUNTIME_MIGRATIONS = Path(__file__).parent / "migrations"

CREATE_MIGRATIONS_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    name text PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now()
)"""
SELECT_APPLIED = "SELECT name FROM schema_migrations"
INSERT_APPLIED = "INSERT INTO schema_migrations (name) VALUES ($1)"
# One migrator at a time per schema, even with N replicas starting together.
LOCK_MIGRATIONS = f"SELECT pg_advisory_xact_lock({locks.MIGRATIONS}, hashtext(current_schema()))"


async def _init_connection(conn: asyncpg.Connection) -> None:
    for kind in ("json", "jsonb"):
        await conn.set_type_codec(kind, encoder=_dumps, decoder=json.loads, schema="pg_catalog")


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _login(settings: Settings) -> dict[str, Any]:
    return {
        "host": settings.pg_host,
        "port": settings.pg_port,
        "database": settings.pg_database,
        "user": settings.pg_user,
        "password": settings.pg_password,
    }


async def create_pool(settings: Settings, *, min_size: int = 1, schema: str | None = None) -> asyncpg.Pool:
    """A pool logged in as the service's own role, with its schema (or `schema`) as search_path."""
    return await asyncpg.create_pool(
        **_login(settings),
        min_size=min_size,
        max_size=settings.pg_pool_max,
        server_settings={"search_path": schema or settings.pg_schema, "application_name": settings.service},
        init=_init_connection,
        reset=_nothing_to_reset,
    )


async def _nothing_to_reset(conn: asyncpg.Connection) -> None:
    """A released connection goes back as it is: asyncpg's own reset query (advisory unlock, CLOSE ALL,
    UNLISTEN, RESET ALL) is one more round trip before every command's answer, and the pool's connections never
    hold what it resets (tests/unit/test_pool_sessions.py). asyncpg still rolls back a transaction left open."""


async def connect(settings: Settings, *, application_name: str, **session: str) -> asyncpg.Connection:
    """One connection outside the pool, as the service's role on its schema, with its own session settings."""
    return await asyncpg.connect(
        **_login(settings),
        server_settings={"search_path": settings.pg_schema, "application_name": application_name, **session},
    )


def migration_files(service_dir: Path | None) -> list[Path]:
    """The runtime's migrations first (outbox, inbox, idempotency), then the service's own."""
    files = sorted(RUNTIME_MIGRATIONS.glob("*.sql"))
    if service_dir is not None:
        files += sorted((service_dir / "migrations").glob("*.sql"))
    return files


async def migrate(pool: asyncpg.Pool, service_dir: Path | None) -> list[str]:
    """Apply the migrations not applied yet, each in its own transaction; return their names."""
    applied_now: list[str] = []
    async with pool.acquire() as conn:
        async with conn.transaction():  # processes starting together (serve --workers) create it once
            await conn.execute(LOCK_MIGRATIONS)
            await conn.execute(CREATE_MIGRATIONS_TABLE)
        for path in migration_files(service_dir):
            name = f"{path.parent.parent.name}/{path.name}"
            async with conn.transaction():
                await conn.execute(LOCK_MIGRATIONS)
                if name in {r["name"] for r in await conn.fetch(SELECT_APPLIED)}:
                    continue
                await conn.execute(path.read_text(encoding="utf-8"))
                await conn.execute(INSERT_APPLIED, name)
                applied_now.append(name)
    if applied_now:
        log.info("migrations applied", extra={"migrations": applied_now})
    return applied_now

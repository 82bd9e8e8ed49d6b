"""What the edge tests share: every service running on one prefix, and every row a service holds, to prove
that a refused request wrote nothing."""

import contextlib
import uuid
from collections.abc import AsyncIterator

from ops.directory.demo import DemoDirectory
from services import NAMES
from services.notifications.app import definition as notifications_definition
from services.notifications.settings import DeliverySettings
from tests.integration.flows import directory_loaded
from tests.integration.harness import RunningService, Stack, delete_topics, new_prefix, reset_schemas


@contextlib.asynccontextmanager
async def every_service(
    key_pair: tuple[bytes, object], directory: DemoDirectory
) -> AsyncIterator[tuple[Stack, dict[str, RunningService]]]:
    """Every service on one prefix (notifications without its delivery worker), with the directory loaded and
    applied everywhere; the prefix's topics are deleted afterwards."""
    await reset_schemas()
    private, public_file = key_pair
    stack = Stack(prefix=new_prefix(), private_key=private, public_key_file=public_file)
    async with contextlib.AsyncExitStack() as opened:
        services = {}
        for name in NAMES:
            definition = (
                notifications_definition(DeliverySettings(worker_enabled=False)) if name == "notifications" else None
            )
            services[name] = await opened.enter_async_context(stack.service(name, definition=definition))
        await stack.import_directory(directory)
        for name in ("commitments", "honors", "inspections", "notifications"):
            await directory_loaded(services[name], directory)
        yield stack, services
    await delete_topics(stack.prefix)


ALL_TABLES = """
SELECT table_name FROM information_schema.tables
WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name
"""


async def rows_held(service: RunningService) -> dict[str, int]:
    """Row counts of every table of the service's schema: its store, outbox, inbox and idempotency records."""
    async with service.runtime.pool.acquire() as conn:
        tables = [r["table_name"] for r in await conn.fetch(ALL_TABLES)]
        return {t: await conn.fetchval(f'SELECT count(*) FROM "{t}"') for t in tables}


def key() -> dict[str, str]:
    """A fresh Idempotency-Key header."""
    return {"Idempotency-Key": f"k-{uuid.uuid4()}"}


def named(reply, field: str, reason: str = "") -> bool:
    """True when a problem answer names `field` (with `reason` in its reason)."""
    body = reply.json()
    return any(e["field"] == field and reason in e["reason"] for e in body.get("errors", []))


def spellings(value: str) -> list[str]:
    """`value`, and the same with its digits in Arabic-Indic and in fullwidth forms."""
    return [
        value,
        value.translate({ord("0") + d: 0x0660 + d for d in range(10)}),
        value.translate({ord("0") + d: 0xFF10 + d for d in range(10)}),
    ]

"""The relay's layer of the handler tests: services/commitments' outbox on the real PostgreSQL, relayed to a
stand-in for the Kafka producer that acknowledges what it accepts in send order and refuses records over its
size limit, as a topic's max.message.bytes does."""

import asyncio
from typing import Any

import asyncpg
from aiokafka.errors import MessageSizeTooLargeError
from prometheus_client import CollectorRegistry

from neuguong.runtime import outbox
from neuguong.runtime.leadership import START_TERM
from neuguong.runtime.metrics import RuntimeMetrics
from neuguong.runtime.relay import OutboxRelay
from schemas import CommitmentFiled, decode
from tests.handlers.consumer_layer import SETTINGS

META = outbox.EventMeta(producer="commitments", actor="test", correlation_id="relay-test")


class Broker:
    """Stands in for the relay's idempotent producer; `published` holds (key, year) in the order accepted."""

    def __init__(self, limit: int = 10_000) -> None:
        self.limit = limit
        self.published: list[tuple[str, int]] = []

    async def send(self, topic: str, value: bytes, key: bytes, headers: list[tuple[str, bytes]]) -> asyncio.Future:
        accepted: asyncio.Future = asyncio.get_running_loop().create_future()
        if len(value) > self.limit:
            accepted.set_exception(MessageSizeTooLargeError())
        else:
            self.published.append((key.decode(), decode(value).payload["year"]))
            accepted.set_result(None)
        return accepted

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass


class RelayOnStandIn(OutboxRelay):
    """services/commitments' relay, its producer the stand-in (also when it would start a fresh one)."""

    def __init__(self, pool: asyncpg.Pool, broker: Broker, **settings: Any) -> None:
        super().__init__(SETTINGS.model_copy(update=settings), pool, RuntimeMetrics(CollectorRegistry()))
        self.producer = broker  # type: ignore[assignment]

    async def _renew_producer(self) -> Any:
        return self.producer

    async def lead(self) -> int:
        """Start a leadership term, as a relay that takes the lock does."""
        self.term = await self.pool.fetchval(START_TERM, "relay-test")
        return self.term

    def sample(self, name: str) -> float:
        return self.metrics.registry.get_sample_value(name, {"service": "commitments"}) or 0


def filed(member_id: str, year: int, limitation_bytes: int = 0) -> tuple[CommitmentFiled, list[str]]:
    """A commitment of `member_id` (the key) for `year`, its limitation `limitation_bytes` long."""
    limitations = ["Ngại va chạm " * (limitation_bytes // 16 + 1)] if limitation_bytes else []
    event = CommitmentFiled(
        commitment_id=f"k-{member_id}-{year}", member_id=member_id, cell_id="lc-c1", year=year, limitations=limitations
    )
    return event, ["lc", "lc-c1"]


async def stage(pool: asyncpg.Pool, *events: tuple[CommitmentFiled, list[str]]) -> list[int]:
    """Stage events in one transaction; their outbox ids."""
    async with pool.acquire() as conn, conn.transaction():
        envelopes = await outbox.record(conn, META, *events)
    return [await pool.fetchval("SELECT id FROM outbox WHERE event_id = $1", e.event_id) for e in envelopes]


async def states(pool: asyncpg.Pool) -> dict[int, str]:
    """Each outbox row's state, by id."""
    rows = await pool.fetch("SELECT id, published_at, parked_at, discarded_at FROM outbox ORDER BY id")
    return {
        r["id"]: "published"
        if r["published_at"]
        else "discarded"
        if r["discarded_at"]
        else "parked"
        if r["parked_at"]
        else "pending"
        for r in rows
    }

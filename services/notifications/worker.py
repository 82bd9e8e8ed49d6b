"""The delivery worker: claims due deliveries (SKIP LOCKED, so replicas share), sends, retries, pauses."""

import asyncio
import contextlib
import logging
from datetime import datetime

import asyncpg
import httpx

from neuguong.runtime import outbox
from neuguong.runtime.clock import Clock, SystemClock
from services.notifications import logic, sender, store
from services.notifications.metrics import DeliveryMetrics
from services.notifications.privacy import publication_body, retraction_body
from services.notifications.results import lease_lost, record_result
from services.notifications.settings import DeliverySettings

log = logging.getLogger(__name__)


class DeliveryWorker:
    """One per process; each channel's claimed deliveries are sent in order by a task of their own."""

    def __init__(
        self,
        settings: DeliverySettings,
        pool: asyncpg.Pool,
        metrics: DeliveryMetrics,
        client: httpx.AsyncClient,
        schema: str,
        producer: str,
        *,
        clock: Clock | None = None,
    ) -> None:
        self.settings, self.pool, self.metrics, self.client = settings, pool, metrics, client
        self.schema, self.producer, self.clock = schema, producer, clock or SystemClock()
        self.wake = asyncio.Event()
        self.busy: dict[str, asyncio.Task] = {}
        self._task: asyncio.Task | None = None
        self._listener: asyncpg.Connection | None = None

    async def start(self) -> None:
        """Listen for new deliveries and start the loop."""
        self._listener = await self.pool.acquire()
        await self._listener.add_listener(f"deliveries_{self.schema}", self._on_notify)
        self._task = asyncio.create_task(self._run(), name="delivery-worker")

    async def stop(self) -> None:
        """Stop claiming; cancel in-flight sends (their leases expire and another replica resumes them)."""
        tasks = [t for t in (self._task, *self.busy.values()) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._listener is not None:
            # Back to the pool only once it listens no more (the pool does not reset its connections).
            try:
                await self._listener.remove_listener(f"deliveries_{self.schema}", self._on_notify)  # UNLISTEN
            except Exception:
                self._listener.terminate()
            else:
                with contextlib.suppress(Exception):
                    await self.pool.release(self._listener)
            self._listener = None

    def _on_notify(self, *_: object) -> None:
        self.wake.set()

    async def _run(self) -> None:
        while True:
            try:
                claimed = await self.claim_and_dispatch()
                await self.observe()
            except Exception:
                log.exception("delivery worker failed; it goes on after a pause")
                claimed = 0
            if claimed == 0:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.settings.poll_seconds):  # wait_for can swallow a cancel (3.11)
                        await self.wake.wait()
                self.wake.clear()

    async def claim_and_dispatch(self) -> int:
        """Claim due deliveries of idle channels and start one task per channel; how many were claimed."""
        room = self.settings.channels_in_flight - len(self.busy)
        if room <= 0:
            await asyncio.wait(list(self.busy.values()), return_when=asyncio.FIRST_COMPLETED)
            return 1
        async with self.pool.acquire() as conn:
            rows = await store.claim_due(conn, self.settings.claim_batch, self.settings.lease_seconds, list(self.busy))
        by_channel: dict[str, list[asyncpg.Record]] = {}
        for row in rows:
            by_channel.setdefault(row["channel_id"], []).append(row)
        for channel_id, channel_rows in by_channel.items():
            task = asyncio.create_task(self._work_channel(channel_rows), name=f"deliveries:{channel_id}")
            self.busy[channel_id] = task
            task.add_done_callback(lambda _, c=channel_id: self._done(c))
        return len(rows)

    def _done(self, channel_id: str) -> None:
        self.busy.pop(channel_id, None)
        self.wake.set()

    async def _work_channel(self, rows: list[asyncpg.Record]) -> None:
        for index, row in enumerate(rows):
            try:
                paused_until = await self.deliver(row)
            except Exception:
                log.exception("delivery failed unexpectedly", extra={"delivery_id": str(row["delivery_id"])})
                paused_until = None
            if paused_until is not None:
                rest = [(r["delivery_id"], r["lease"]) for r in rows[index + 1 :]]
                if rest:
                    async with self.pool.acquire() as conn:
                        await store.release_untried(conn, rest, paused_until)
                return

    async def deliver(self, row: asyncpg.Record) -> datetime | None:
        """Attempt one claimed delivery and record the result; until when its channel is paused, if it is."""
        delivery_id, kind = str(row["delivery_id"]), row["kind"]
        async with self.pool.acquire() as conn:
            channel = await store.renew_lease(conn, row["delivery_id"], row["lease"], self.settings.lease_seconds)
            if channel is None:  # its lease ran out while earlier deliveries of the channel were sent
                lease_lost(self.metrics, row, "attempt")
                return None
            lease = channel["lease"]
            if kind == "publish" and row["revoked_at"] is None and not channel["enabled"]:
                # Switched off since the batch was claimed: held, as if never claimed.
                await store.release_untried(conn, [(row["delivery_id"], lease)], None)
                return None
        if kind == "publish" and row["revoked_at"] is not None:
            # Revoked while this publication was retrying: stop it, which releases the retraction.
            async with self.pool.acquire() as conn:
                if await store.settle(conn, row["delivery_id"], lease, "cancelled", None, "honor revoked"):
                    self.metrics.cancelled.inc()
                else:
                    lease_lost(self.metrics, row, "settle")
            return None
        if kind == "publish":
            async with self.pool.acquire() as conn:
                body = publication_body(delivery_id, await store.select_public_honor(conn, row["honor_id"]))
        else:
            body = retraction_body(delivery_id, row["honor_id"], row["revoked_at"])
        secrets = [channel["secret"]] + ([channel["previous_secret"]] if channel["previous_secret"] else [])
        outcome = await sender.attempt(
            self.client,
            channel["url"],
            secrets,
            delivery_id,
            kind,
            body,
            self.settings.request_timeout_seconds,
            self.settings.response_limit_bytes,
        )
        meta = outbox.EventMeta(
            producer=self.producer,
            actor=f"{self.producer}:delivery-worker",
            correlation_id=row["correlation_id"],
            causation_id=row["causation_id"],
        )
        async with self.pool.acquire() as conn, conn.transaction():
            return await record_result(conn, self.settings, self.metrics, meta, row, lease, outcome)

    async def observe(self) -> None:
        """Refresh the backlog and every channel's breaker gauge."""
        now = self.clock.now()
        async with self.pool.acquire() as conn:
            await store.forget_expired_secrets(conn)
            self.metrics.backlog.set(await store.count_backlog(conn))
            for channel in await store.select_breakers(conn):
                self.metrics.breaker_is(
                    channel["channel_id"],
                    logic.breaker_state(
                        channel["consecutive_failures"], self.settings.breaker_threshold, channel["paused_until"], now
                    ),
                )

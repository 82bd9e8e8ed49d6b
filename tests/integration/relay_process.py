"""A relay of one service alone in a process of its own, for the takeover tests (python -m ...relay_process).

Settings come from the NG_ environment (NG_SERVICE, NG_TOPIC_PREFIX, NG_RELAY_LEASE_SECONDS, ...). It prints
`leading <term>` each time it starts leading and `fenced` each time one of its marks is refused. With
NG_TEST_STOP_AFTER_PUBLISH=1 it stops itself (SIGSTOP) the first time the broker acknowledged a batch, before
marking it: the worst moment to be paused.
"""

import asyncio
import os
import signal

import asyncpg
from prometheus_client import CollectorRegistry

from neuguong.runtime.db import create_pool
from neuguong.runtime.metrics import RuntimeMetrics
from neuguong.runtime.relay import OutboxRelay
from neuguong.runtime.settings import Settings


class PausingRelay(OutboxRelay):
    """The service's relay, able to stop itself between the broker's acknowledgement and the mark."""

    stop_after_publish = os.environ.get("NG_TEST_STOP_AFTER_PUBLISH") == "1"

    async def after_publish(self, rows: list[asyncpg.Record]) -> None:
        if self.stop_after_publish:
            self.stop_after_publish = False
            print(f"stopping after publishing {len(rows)} rows", flush=True)
            os.kill(os.getpid(), signal.SIGSTOP)

    async def _mark(self, rows: list[asyncpg.Record]) -> None:
        # Once awake, the heartbeat may notice the lost session first and cancel the round; shielded, the mark
        # goes on, so the test sees the term itself refuse it.
        marking = asyncio.ensure_future(super()._mark(rows))
        marking.add_done_callback(lambda task: task.cancelled() or task.exception())  # seen: the metric says it
        await asyncio.shield(marking)


async def main() -> None:
    settings = Settings()
    pool = await create_pool(settings)
    metrics = RuntimeMetrics(CollectorRegistry())
    relay = PausingRelay(settings, pool, metrics)
    await relay.start()
    announced, fenced = 0, 0.0
    while True:
        if relay.is_leader and getattr(relay, "term", 1) != announced:
            announced = getattr(relay, "term", 1)
            print(f"leading {announced}", flush=True)
        refused = metrics.registry.get_sample_value("neuguong_relay_fenced_total", {"service": settings.service}) or 0
        if refused > fenced:
            fenced = refused
            print("fenced", flush=True)
        await asyncio.sleep(0.02)


if __name__ == "__main__":
    asyncio.run(main())

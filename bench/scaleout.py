"""Scale-out of the projections: one, two and three replicas in one consumer group on a topic of 6 partitions.

    python -m bench.scaleout --events 20000 --replicas 1,2,3

For each number of replicas, on topics of its own: that many `neuguong serve projections` processes start
on free ports (one consumer group, the partitions shared out among them); once every one answers /readyz
and the group has settled, `--events` commitment events (bench.replay's history: a filing, then monthly
self-reviews, keyed by member) are published, and the run is timed from the first publish until the group
has committed the last event. A replica commits a batch's offsets after its transaction, and the broker
answers the probe, so the database measured does no work for it (until 2026-12-03 a count(*) of the inbox
every 50 ms). Each replica's share comes from its own /metrics (events applied), and the inbox is checked to
hold every event. Printed: events/s in total and per replica, beside the one-replica run as the baseline.

The machine of the run sets the ceiling: on 2 cores, PostgreSQL, Kafka and the replicas share them, so the
total cannot grow the way it would with a core per replica; the even split of the partitions and the per-
replica rates are what carry over to more cores (bench/CAPACITY.md).
"""

import asyncio
import os
import re
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from bench.commands import RawClient, _keys, free_port, ready, serve, serve_env
from bench.common import (
    admin_connection,
    arguments,
    bench_slice,
    committed_records,
    comparison,
    publish_events,
    quiet,
    settings,
    vi_decimal,
    wait_for,
    write_results,
)
from bench.replay import history
from neuguong.numbers import vi_number
from neuguong.runtime.topics import ensure_topics
from schemas.topics import ALL_TOPICS, COMMITMENTS, dead_letter_topic

APPLIED = re.compile(rb'^neuguong_events_consumed_total\{[^}]*outcome="applied"[^}]*\} ([0-9.e+]+)$', re.M)
SETTLE_SECONDS = 4.0  # after the last replica is ready: its join moves the group's partitions once more (--settle)


async def applied_by(port: int) -> int:
    """Events a replica applied, from its /metrics."""
    async with RawClient(port, 1) as client:
        status, body = await client.request("GET", "/metrics")
    if status != 200:
        raise SystemExit(f"replica on {port}: /metrics answered {status}")
    return round(sum(float(value) for value in APPLIED.findall(body)))


async def _at_least(committed: Callable[[], Awaitable[int]], count: int) -> bool:
    return await committed() >= count


async def one_run(replicas: int, events: list, public_file: Path, settle: float) -> tuple[float, list[int]]:
    """Seconds from the first publish to the last applied event, and each replica's share."""
    async with bench_slice("projections") as prefix:
        config = settings("projections", prefix)
        await ensure_topics(config, [*ALL_TOPICS, dead_letter_topic(config.service)])
        env = serve_env(config, public_file)
        ports = [free_port() for _ in range(replicas)]
        servers = [await serve(port, env, name="projections") for port in ports]
        topic = config.topic(COMMITMENTS.name)
        try:
            await wait_for(lambda: ready(*ports), timeout=120, interval=0.3)
            await asyncio.sleep(settle)
            async with committed_records(config.kafka_bootstrap, config.consumer_group, topic) as committed:
                started = time.perf_counter()
                await publish_events(config.kafka_bootstrap, topic, events, "bench-scaleout")
                await wait_for(lambda: _at_least(committed, len(events)), timeout=600, interval=0.05)
                seconds = time.perf_counter() - started
            shares = [await applied_by(port) for port in ports]
            admin = await admin_connection()
            try:
                inbox = await admin.fetchval("SELECT count(*) FROM projections.inbox")
            finally:
                await admin.close()
        finally:
            for server in servers:
                server.terminate()
            for server in servers:
                await server.wait()
    if sum(shares) != len(events) or inbox != len(events):
        raise SystemExit(f"{replicas} replicas applied {shares} (inbox {inbox}), expected {len(events)} in all")
    return seconds, shares


async def main() -> None:
    args = arguments(__doc__.splitlines()[0], events=20000, replicas="1,2,3", settle=SETTLE_SECONDS)
    quiet()
    counts = [int(n) for n in args.replicas.split(",")]
    events = history(args.events)
    runs = {}
    async with _keys() as (_, public_file):
        for replicas in counts:
            runs[replicas] = await one_run(replicas, events, public_file, args.settle)

    print("\n== projections replicas in one consumer group (commitments.events, 6 partitions) ==")
    print(f"   {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores; events={vi_number(args.events)}")
    print(f"   {'replicas':>8}  {'seconds':>8}  {'events/s':>9}  {'vs 1':>6}  per replica (events applied, events/s)")
    base = args.events / runs[counts[0]][0]
    results = []
    for replicas, (seconds, shares) in runs.items():
        rate = args.events / seconds
        each = ", ".join(f"{vi_number(n)} ({vi_number(round(n / seconds))}/s)" for n in shares)
        print(
            f"   {replicas:>8}  {vi_decimal(seconds):>8}  {vi_number(round(rate)):>9}  "
            f"{vi_decimal(rate / base):>5}×  {each}"
        )
        results.append(
            comparison(
                f"projections, {replicas} replica(s): events/s in all",
                round(rate),
                "events/s",
                f"{counts[0]} replica(s), same run",
                round(base),
            )
        )
        results.append(
            comparison(
                f"projections, {replicas} replica(s): least share of one replica",
                min(shares) / args.events,
                "",
                "an even split",
                1 / replicas,
            )
        )
    write_results(args.json, results)


if __name__ == "__main__":
    asyncio.run(main())

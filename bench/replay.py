"""The replay: how fast `neuguong projections rebuild` rebuilds the read models from the topics.

    python -m bench.replay --events 165000

A history of `--events` commitment events is published to the run's own topics first: for each member a
CommitmentFiled and then monthly SelfReflectionRecorded (one filing in four events), members spread over
10 communes of 20 cells. Then, on the same records:

1. Baselines: a raw aiokafka consumer reading every record from the start and doing nothing, then decoding
   each into its Envelope (schemas.decode, what the rebuild does first).
2. The service live: `neuguong serve projections` in a process of its own, started on the published history
   and timed until its inbox holds every event: events/s from its start, and its peak RSS under the load.
3. The real command, `neuguong projections rebuild`, as operators run it (replay into a fresh schema,
   digests against the live one, which the service above wrote, then swap), in a process of its own: wall
   time, events/s, and its peak RSS. The live figures are checked afterwards: the province counts every
   filing and every self-review.

`--json PATH` writes the comparisons for `make bench`.
"""

import asyncio
import os
import sys
import time
from pathlib import Path

import asyncpg

from bench.commands import _keys, free_port, serve, serve_env
from bench.common import (
    DATABASE,
    Figure,
    arguments,
    bench_slice,
    commitment_events,
    committed_records,
    comparison,
    peak_rss_mib,
    per_second,
    publish_events,
    quiet,
    report,
    run_watching_peak,
    settings,
    vi_decimal,
    wait_for,
    write_results,
)
from bench.consumer import envelope_decode, nothing, read_all
from neuguong.numbers import vi_number
from neuguong.runtime.db import create_pool, migrate
from neuguong.runtime.settings import Settings
from neuguong.runtime.topics import ensure_topics
from schemas.commitments import ItemReview, SelfReflectionRecorded
from schemas.topics import ALL_TOPICS, COMMITMENTS, dead_letter_topic
from services.projections import store
from services.projections.app import DEFINITION

REVIEWS_PER_FILING = 3


def history(count: int) -> list:
    """(event, unit path) pairs: each member's filing, then its self-reviews of January to March."""
    filings = commitment_events(-(-count // (1 + REVIEWS_PER_FILING)))
    events: list = []
    for filing, path in filings:
        events.append((filing, path))
        for month in range(1, REVIEWS_PER_FILING + 1):
            review = SelfReflectionRecorded(
                commitment_id=filing.commitment_id,
                member_id=filing.member_id,
                cell_id=filing.cell_id,
                year=filing.year,
                month=f"{filing.year}-{month:02d}",
                items_reviewed=[ItemReview(item_id="p1", progress="Đã tham gia đầy đủ, đúng giờ")],
                note="Giữ gìn phẩm chất, lối sống",
            )
            events.append((review, path))
    return events[:count]


async def live_service(config: Settings, pool: asyncpg.Pool, count: int) -> tuple[float, float]:
    """`neuguong serve projections` applying the published history: seconds from its start until its consumer
    group has committed `count` events (each commit follows its batch's transaction; until 2026-12-03 a count(*)
    of the inbox every 0,2 s, up to 165.000 rows, beside the work measured), and its peak RSS (MiB) by then.
    The inbox is checked to hold them all afterwards."""
    async with (
        _keys() as (_private_key, public_file),
        committed_records(config.kafka_bootstrap, config.consumer_group, config.topic(COMMITMENTS.name)) as committed,
    ):
        server = await serve(free_port(), serve_env(config, public_file), name="projections")
        started = time.perf_counter()

        async def applied_all() -> bool:
            if server.returncode is not None:  # say so now, not after the timeout
                raise SystemExit(f"neuguong serve projections ended early (exit {server.returncode})")
            return await committed() >= count

        try:
            await wait_for(applied_all, timeout=600, interval=0.2)
            seconds, peak_mib = time.perf_counter() - started, peak_rss_mib(server.pid)
        finally:
            server.terminate()
            await server.wait()
    inbox = await pool.fetchval("SELECT count(*) FROM inbox")
    if inbox != count:
        raise SystemExit(f"neuguong serve projections: its group committed {count} events, its inbox holds {inbox}")
    return seconds, peak_mib


def rebuild_command(prefix: str) -> tuple[float, float, str]:
    """`neuguong projections rebuild` on the run's topics: seconds, peak RSS (MiB) and what it printed."""
    environment = {
        **os.environ,
        "NG_TOPIC_PREFIX": prefix,
        "NG_PG_DATABASE": DATABASE,
        "NG_ENVIRONMENT": "test",
        "NG_LOG_LEVEL": "WARNING",
    }
    command = [str(Path(sys.executable).with_name("neuguong")), "projections", "rebuild"]  # the venv's script
    done, seconds, peak_mib = run_watching_peak(command, environment)
    if done.returncode != 0:
        raise SystemExit(f"rebuild: exit {done.returncode}\n{done.stdout}\n{done.stderr[-2000:]}")
    return seconds, peak_mib, done.stdout


async def main() -> None:
    args = arguments(__doc__.splitlines()[0], events=165000, batch=500)
    quiet()
    events = history(args.events)
    filings = sum(1 for e, _ in events if not isinstance(e, SelfReflectionRecorded))
    async with bench_slice("projections") as prefix:
        config = settings("projections", prefix, consumer_batch_size=args.batch)
        bootstrap = config.kafka_bootstrap
        topic = prefix + COMMITMENTS.name
        await ensure_topics(config, [*ALL_TOPICS, dead_letter_topic(config.service)])
        body_bytes = await publish_events(bootstrap, topic, events, "bench-replay")
        raw_nothing = await read_all(bootstrap, topic, args.events, args.batch, nothing)
        raw_decode = await read_all(bootstrap, topic, args.events, args.batch, envelope_decode)

        pool = await create_pool(config)
        try:
            await migrate(pool, DEFINITION.package_dir)  # the live tables the rebuild swaps out
            live_seconds, live_mib = await live_service(config, pool, args.events)
            seconds, peak_mib, printed = await asyncio.to_thread(rebuild_command, prefix)
            async with pool.acquire() as conn:
                figures = await store.select_figures(conn, "lc", "2026")
        finally:
            await pool.close()
    if figures.get("commitments_filed") != filings or figures.get("self_reflections") != args.events - filings:
        raise SystemExit(f"rebuild: lc figures {figures}, expected {filings} filings of {args.events} events")

    rebuilt = Figure("neuguong projections rebuild (replay, digests, swap)", args.events, seconds)
    report(
        "projections rebuild from the topics",
        [
            Figure("raw aiokafka consumer, no work", args.events, raw_nothing),
            Figure("raw consumer + schemas.decode (pydantic)", args.events, raw_decode),
            Figure("neuguong serve projections, live, from its start", args.events, live_seconds),
            rebuilt,
        ],
        reference="raw aiokafka consumer, no work",
        params={"events": args.events, "filings": filings, "body bytes": body_bytes},
    )
    print(f"   rebuild: {vi_decimal(seconds, 1)} s, peak RSS {vi_decimal(peak_mib, 1)} MiB")
    print(f"   neuguong serve projections under the same load: peak RSS {vi_decimal(live_mib, 1)} MiB")
    print("   " + printed.strip().replace("\n", "\n   "))
    decode_rate = per_second(args.events, raw_decode)
    write_results(
        args.json,
        [
            comparison(
                f"rebuild of {vi_number(args.events)} events: events/s",
                rebuilt.rate,
                "events/s",
                "raw consumer + schemas.decode",
                decode_rate,
            ),
            comparison(
                f"rebuild of {vi_number(args.events)} events: seconds",
                round(seconds, 2),
                "s",
                "15 s (the target)",
                15.0,
                "< 15 s",
                higher_is_better=False,
            ),
            {"figure": "rebuild: peak RSS", "value": round(peak_mib, 1), "unit": "MiB", "baseline": "", "ratio": None},
            comparison(
                f"projections service, live, {vi_number(args.events)} events: events/s",
                per_second(args.events, live_seconds),
                "events/s",
                "raw consumer + schemas.decode",
                decode_rate,
            ),
            {
                "figure": "projections service: peak RSS",
                "value": round(live_mib, 1),
                "unit": "MiB",
                "baseline": "",
                "ratio": None,
            },
        ],
    )


if __name__ == "__main__":
    asyncio.run(main())

"""Latency at fixed rates: a command's 2xx to its effect in the read model, and the outbox lag.

    python -m bench.latency --rates 100,300,600 --seconds 3

Real `neuguong serve commitments` and `neuguong serve projections` processes (one worker each) run on
free ports with the run's topic prefix; the demo directory of `--communes` communes is loaded first.
After a warm-up (200 GET /healthz, then `--warm-up` seconds, 2 by default, of commands at 100/s: each pool
connection prepares its statements on first use), for each rate an open-loop client sends `POST /commitments`
at that fixed rate for `--seconds` (each request leaves at its scheduled time whether or not the earlier ones
were answered; a request that has to wait for a free connection counts its wait) and records when its 2xx
arrived. An event is visible in the read model once the projections' transaction that wrote its inbox row (and
its effect) committed. PostgreSQL keeps each transaction's commit time (`track_commit_timestamp`, on in
deploy/local), read after the rate's run; it is taken just before the commit's WAL flush, and the rows show
once the flush returns, so the run's mean WAL flush (`pg_stat_wal`, with `track_wal_io_timing`) is added to
each figure: an estimate, close while flushes do not queue. Nothing polls meanwhile: a poll every 2 ms, as
this benchmark did until 2026-12-03, cost about a tenth of the machine's CPU beside what it measured, and
rounded each figure up by half its interval.

Figures per rate (p50 and p99, ms):
- command: scheduled send to 2xx (open loop);
- read model: the 2xx to the commit of the event's inbox row, plus the mean WAL flush (one clock: the client
  and PostgreSQL run on the same machine; an event applied before the client read its 2xx counts below zero);
- WAL flush: the mean time of the server's WAL flushes while the rate ran (what was added above);
- outbox lag: the command's transaction (outbox.created_at, its start) to the relay's mark after the
  broker's ack (published_at), both on PostgreSQL's clock: an upper bound on commit → broker ack.
- CPU busy: the share of the machine's CPU (all cores, every process: the services, PostgreSQL, Kafka, this
  client) while the commands were sent. Near 100 % the rate is past what the machine carries, and the
  latencies are those of a queue. Below the table, the CPU each part spent per command sent (each service's
  process, PostgreSQL's backends, Kafka's broker, this client): where the time goes.
Baseline beside them: the p50/p99 of GET /healthz at the same rate (the HTTP stack alone). This process's
own garbage collector is off while it measures (a full collection of its heap took 70 ms here and counted as
the servers' latency); the servers' run as in production.
"""

import asyncio
import json
import os
import time
from pathlib import Path

from bench.commands import (
    RawClient,
    _keys,
    cpu_seconds,
    file_commitment,
    free_port,
    postgres_cpu,
    ready,
    serve,
    serve_env,
)
from bench.common import (
    admin_connection,
    arguments,
    bench_slice,
    comparison,
    directory_copied,
    measuring_without_collections,
    percentile,
    quiet,
    settings,
    vi_decimal,
    wait_for,
    write_results,
)
from neuguong.numbers import vi_number
from neuguong.runtime.auth import mint_token
from ops.directory.demo import build_demo_directory
from ops.directory.importer import publish_directory

# Seconds to wait before reading the flushes: a busy backend reports its statistics at most once a second; one
# that goes idle right after a report waits up to 10 s (PostgreSQL 15), so a flush at the very end of a rate can
# count in the next rate's mean instead. The mean moves little for that.
STATS_REPORTED = 1.1
TARGETS = {300: {"read model p99": "≤ 20 ms", "outbox lag p99": "≤ 5 ms", "command p99": "≤ 25 ms"}}


def cpu_jiffies() -> tuple[int, int]:
    """The machine's CPU time so far, all cores (Linux /proc/stat): (busy, total) in clock ticks."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle and iowait
    total = sum(fields[:8])  # guest time is already counted in user and nice
    return total - idle, total


async def cpu_by_process(servers: dict[str, asyncio.subprocess.Process], admin) -> dict[str, float]:
    """CPU seconds so far of each part of the running system: the services (by name), PostgreSQL's backends,
    Kafka's brokers and this client."""
    spent = {name: cpu_seconds(server.pid) for name, server in servers.items()}
    spent["PostgreSQL"] = await postgres_cpu(admin)
    spent["Kafka"] = sum(cpu_seconds(pid) for pid in kafka_pids())
    spent["client"] = time.process_time()
    return spent


def kafka_pids() -> list[int]:
    """The running Kafka brokers (a JVM whose command line names kafka.Kafka)."""
    pids = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if b"kafka.Kafka" in (proc / "cmdline").read_bytes():
                    pids.append(int(proc.name))
            except OSError:
                continue
    return pids


def busy_share(before: tuple[int, int], after: tuple[int, int]) -> float:
    """The share of the machine's CPU busy between two `cpu_jiffies` readings (every process: the services,
    PostgreSQL, Kafka, this client): at 1 the rate is past what the machine can carry and latencies queue."""
    return (after[0] - before[0]) / max(1, after[1] - before[1])


async def open_loop(rate: int, seconds: float, jobs: list, send) -> list[tuple[object, float, float]]:
    """Send `send(job)` at `rate` per second from now on; (job, scheduled, answered) for each, wall clock."""
    loop = asyncio.get_running_loop()
    start = loop.time() + 0.05
    wall = time.time() - loop.time()  # loop time -> wall clock (the database's clock is the wall clock)
    count = min(len(jobs), int(rate * seconds))
    results: list[tuple[object, float, float]] = []

    async def one(job, at: float) -> None:
        await asyncio.sleep(max(0.0, at - loop.time()))
        answer = await send(job)
        results.append((answer, at + wall, time.time()))

    await asyncio.gather(*(one(jobs[i], start + i / rate) for i in range(count)))
    return results


# When each event's inbox row was committed, on PostgreSQL's clock (the wall clock; seconds since the epoch).
COMMITTED = """
SELECT event_id::text AS event_id, extract(epoch FROM pg_xact_commit_timestamp(xmin))::float8 AS committed
FROM projections.inbox WHERE event_id = ANY($1::uuid[])
"""


async def commit_times(admin, event_ids: list[str]) -> dict[str, float]:
    """When each event's inbox row was committed, once every one of them is there (polled every 0,1 s)."""

    async def all_there() -> dict[str, float] | None:
        rows = await admin.fetch(COMMITTED, event_ids)
        return {row["event_id"]: row["committed"] for row in rows} if len(rows) == len(event_ids) else None

    try:
        return await wait_for(all_there, timeout=120, interval=0.1)
    except TimeoutError:
        seen = {row["event_id"] for row in await admin.fetch(COMMITTED, event_ids)}
        missing = [i for i in event_ids if i not in seen]
        raise SystemExit(
            f"{len(missing)} of {len(event_ids)} events never reached the projections' inbox (first {missing[:3]})"
        ) from None


async def commit_times_kept(admin) -> None:
    """Refuse to run on a server that keeps no commit times or WAL timings (started before deploy/local set them)."""
    for setting in ("track_commit_timestamp", "track_wal_io_timing"):
        if await admin.fetchval(f"SHOW {setting}") != "on":
            raise SystemExit(
                f"bench.latency: PostgreSQL runs with {setting} off; `make infra` (deploy/local/up.sh) restarts"
                " it with the settings this benchmark reads"
            )


WAL_FLUSHES = "SELECT wal_sync, wal_sync_time FROM pg_stat_wal"


async def wal_flushes(admin) -> tuple[int, float]:
    """The server's WAL flushes so far and their time in ms (of every backend that has reported them)."""
    row = await admin.fetchrow(WAL_FLUSHES)
    return row["wal_sync"], row["wal_sync_time"]


def p(values: list[float], q: int) -> float:
    return round(percentile(values, q), 2)


async def main() -> None:
    args = arguments(__doc__.splitlines()[0], rates="100,300,600", seconds=3.0, communes=3, warm_up=2.0)
    quiet()
    rates = [int(r) for r in args.rates.split(",")]
    async with bench_slice("commitments", "projections") as prefix, _keys() as (private_key, public_file):
        config = settings("commitments", prefix)
        env = serve_env(config, public_file)
        ports = {"commitments": free_port(), "projections": free_port()}
        servers = [await serve(port, env, name=name) for name, port in ports.items()]
        admin = await admin_connection()
        await commit_times_kept(admin)
        lines: list[str] = []
        shares: list[str] = []  # where each rate's CPU went
        results = []
        try:
            await wait_for(lambda: ready(*ports.values()), timeout=90, interval=0.3)
            directory = build_demo_directory(communes=args.communes)
            await publish_directory(config, directory, source_name="bench")
            for schema in ports:  # both services keep a local directory; a commitment needs its member there
                await wait_for(lambda schema=schema: directory_copied(admin, directory, schema), timeout=120)
            members = [m for m in directory.members if not m.left]
            tokens = {
                m.member_id: f"Bearer {mint_token(private_key, sub=m.member_id, role='member', unit=m.cell_id)}"
                for m in members
            }
            needed = int(sum(rates) * args.seconds + 100 * args.warm_up) + 1
            years = range(2026, 2026 - (needed // len(members) + 1), -1)
            jobs = [(m, year) for year in years for m in members]
            probe = RawClient(ports["commitments"], 128)
            async with probe:

                async def health(_: object) -> str:
                    status, _content = await probe.request("GET", "/healthz")
                    if status != 200:
                        raise SystemExit(f"GET /healthz: {status}")
                    return ""

                async def file(job) -> str:
                    member, year = job
                    key = f"lat-{member.member_id}-{year}"
                    content = await file_commitment(probe.request, member, year, tokens[member.member_id], key)
                    return json.loads(content)["event_id"]

                await open_loop(200, 1.0, list(range(200)), health)  # warm-up
                # The command path warmed up too: each pool connection prepares its statements on first use.
                warm = await open_loop(100, args.warm_up, jobs, file)
                jobs = jobs[len(warm) :]
                with measuring_without_collections():
                    for rate in rates:
                        healthz = await open_loop(rate, min(args.seconds, 2.0), list(range(10_000)), health)
                        before, spent = (
                            cpu_jiffies(),
                            await cpu_by_process(dict(zip(ports, servers, strict=True)), admin),
                        )
                        flushes = await wal_flushes(admin)
                        answered = await open_loop(rate, args.seconds, jobs, file)
                        busy = busy_share(before, cpu_jiffies())
                        spent = {
                            name: (seconds - spent[name]) * 1000 / max(1, len(answered))
                            for name, seconds in (
                                await cpu_by_process(dict(zip(ports, servers, strict=True)), admin)
                            ).items()
                        }
                        shares.append(
                            f"   {vi_number(rate):>5}/s: CPU per command (ms) "
                            + ", ".join(f"{name} {vi_decimal(ms)}" for name, ms in spent.items())
                        )
                        jobs = jobs[len(answered) :]
                        ids = [event_id for event_id, _, _ in answered]
                        committed = await commit_times(admin, ids)
                        await asyncio.sleep(STATS_REPORTED)
                        synced, sync_ms = (a - b for a, b in zip(await wal_flushes(admin), flushes, strict=True))
                        flush_ms = sync_ms / synced if synced else 0.0
                        lags = await admin.fetch(
                            """SELECT extract(epoch FROM published_at - created_at) * 1000 AS lag
                               FROM commitments.outbox WHERE event_id = ANY($1::uuid[])""",
                            ids,
                        )
                        command = [(done - sent) * 1000 for _, sent, done in answered]
                        visible = [(committed[e] - done) * 1000 + flush_ms for e, _, done in answered]
                        outbox_lag = [float(r["lag"]) for r in lags]
                        stack = [(done - sent) * 1000 for _, sent, done in healthz]
                        targets = TARGETS.get(rate, {})
                        lines.append(
                            f"   {vi_number(rate):>5}/s  {vi_number(len(answered)):>6}  "
                            + "  ".join(
                                f"{vi_decimal(p(v, 50)):>7} {vi_decimal(p(v, 99)):>7}"
                                for v in (command, visible, outbox_lag, stack)
                            )
                            + f"  {vi_decimal(flush_ms):>9}  {vi_decimal(busy * 100, 0):>6} %"
                        )
                        for name, values in (
                            ("command p99", command),
                            ("read model p99", visible),
                            ("outbox lag p99", outbox_lag),
                        ):
                            results.append(
                                comparison(
                                    f"{name} at {vi_number(rate)}/s (p50 {vi_decimal(p(values, 50))})",
                                    p(values, 99),
                                    "ms",
                                    f"GET /healthz p99 at {vi_number(rate)}/s",
                                    p(stack, 99),
                                    targets.get(name, ""),
                                    higher_is_better=False,
                                )
                            )
        finally:
            await admin.close()
            for server in servers:
                server.terminate()
                await server.wait()

    print()
    print("== latency at fixed rates (commitments → relay → Kafka → projections), open loop ==")
    print(
        f"   {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores; {vi_decimal(args.seconds, 1)} s per rate; "
        "read model = the inbox row's commit + the mean WAL flush; p50 and p99 in ms"
    )
    columns = ("command (2xx)", "2xx→read model", "outbox lag", "GET /healthz")
    print(f"   {'rate':>7}  {'sent':>6}  " + "  ".join(f"{c:>15}" for c in columns) + "  WAL flush  CPU busy")
    for line in lines:
        print(line)
    for line in shares:
        print(line)
    write_results(args.json, results)


if __name__ == "__main__":
    asyncio.run(main())

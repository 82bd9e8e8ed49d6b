"""What every benchmark shares: its own slice of the infrastructure, timing and printing figures.

Each run gets a fresh topic prefix (deleted at the end) and fresh schemas of the services it uses,
exactly like tests/integration/harness.py. Connection settings come from the usual NG_ variables
(NG_KAFKA_BOOTSTRAP, NG_PG_PORT, NG_PG_DATABASE, ...); the database defaults to neuguong_test.
"""

import argparse
import asyncio
import contextlib
import gc
import os
import platform
import statistics
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from neuguong.numbers import vi_number
from neuguong.runtime.settings import Settings
from neuguong.runtime.topics import delete_prefixed_topics
from schemas import uuid7
from schemas.topics import Topic


def env(name: str, default: str) -> str:
    return os.environ.get(name, default)


DATABASE = env("NG_PG_DATABASE", "neuguong_test")


def kafka(bootstrap: str) -> dict[str, Any]:
    """Connection options of a bare aiokafka client, secured the way the services' clients are."""
    from neuguong.runtime.kafka import client_options

    return {**client_options(Settings()), "bootstrap_servers": bootstrap}


def new_prefix() -> str:
    return f"bench{uuid7().hex[-8:]}."


def settings(service: str, prefix: str, **overrides: Any) -> Settings:
    """Settings of a benchmarked service: its own topic prefix, quiet logs, the bench database."""
    values = {
        "environment": "test",
        "service": service,
        "topic_prefix": prefix,
        "pg_database": DATABASE,
        "log_level": "WARNING",
        **overrides,
    }
    return Settings(**values)


async def admin_connection() -> asyncpg.Connection:
    return await asyncpg.connect(
        host=env("NG_PG_HOST", "127.0.0.1"),
        port=int(env("NG_PG_PORT", "25432")),
        user=env("NG_PG_ADMIN_USER", "neuguong"),
        password=env("NG_PG_ADMIN_PASSWORD", "neuguong-dev"),
        database=DATABASE,
    )


async def reset_schemas(*services: str) -> None:
    """Empty the schemas of `services`, each still owned by its own role."""
    conn = await admin_connection()
    try:
        for service in services:
            await conn.execute(f"DROP SCHEMA IF EXISTS {service} CASCADE")
            await conn.execute(f"CREATE SCHEMA {service} AUTHORIZATION ng_{service}")
    finally:
        await conn.close()


async def create_topics(bootstrap: str, names_partitions: Sequence[tuple[str, int]]) -> None:
    admin = AIOKafkaAdminClient(**kafka(bootstrap), client_id="bench-admin")
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted = [NewTopic(n, num_partitions=p, replication_factor=1) for n, p in names_partitions if n not in existing]
        if wanted:
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(wanted)
    finally:
        await admin.close()


@contextlib.asynccontextmanager
async def bench_slice(*services: str, keep_topics: bool = False) -> AsyncIterator[str]:
    """A fresh topic prefix and fresh schemas of `services`; the prefix's topics are dropped after."""
    prefix = new_prefix()
    await reset_schemas(*services)
    try:
        yield prefix
    finally:
        if not keep_topics:
            await delete_prefixed_topics(Settings(), prefix)


def physical(topic: Topic, prefix: str) -> tuple[str, int]:
    return prefix + topic.name, topic.partitions


async def directory_copied(db: Any, directory: Any, schema: str | None = None) -> bool:
    """True once a service's local directory holds every unit and every member of `directory`: a command needs
    its member's whole unit path (runtime.directory.require_path), and units come on a topic of their own."""
    prefix = f"{schema}." if schema else ""
    return bool(
        await db.fetchval(
            f"SELECT (SELECT count(*) FROM {prefix}directory_units) >= $1"
            f" AND (SELECT count(*) FROM {prefix}directory_members) >= $2",
            len(directory.units),
            len(directory.members),
        )
    )


async def wait_for(probe: Callable[[], Awaitable[Any]], *, timeout: float, interval: float = 0.05) -> Any:
    """Poll `probe` until truthy; raise after `timeout` seconds with its last value."""
    deadline, value = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        value = await probe()
        if value:
            return value
        await asyncio.sleep(interval)
    raise TimeoutError(f"not done within {timeout}s (last value: {value!r})")


@contextlib.asynccontextmanager
async def committed_records(bootstrap: str, group: str, topic: str) -> AsyncIterator[Callable[[], Awaitable[int]]]:
    """A probe of how many records of `topic` (a topic of the run's own, filled from offset 0) the consumer group
    `group` has committed. A service commits a batch's offsets once its transaction has committed, so this counts
    events applied. The broker answers it (one OffsetFetch): neither the database nor the service measured does
    any work for it, as they did for a count(*) of the inbox."""
    admin = AIOKafkaAdminClient(**kafka(bootstrap), client_id="bench-admin")
    await admin.start()
    try:

        async def committed() -> int:
            offsets = await admin.list_consumer_group_offsets(group)
            return sum(max(meta.offset, 0) for partition, meta in offsets.items() if partition.topic == topic)

        yield committed
    finally:
        await admin.close()


# --- numbers, written the Vietnamese way (142.597; 0,85) -----------------------------------------


@contextlib.contextmanager
def measuring_without_collections() -> Iterator[None]:
    """The measuring client's own cyclic garbage collector off while it times requests: a full collection of its
    heap took 70 ms here and would have counted as the servers' latency (their collectors are left as they run in
    production)."""
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.unfreeze()


def peak_rss_mib(pid: int) -> float:
    """A running process's peak resident set (VmHWM), in MiB; 0 once it has ended."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def run_watching_peak(command: list[str], env: dict[str, str]) -> tuple[subprocess.CompletedProcess[str], float, float]:
    """Run a command to its end: its outcome, its seconds, and its peak resident set in MiB (VmHWM, read while it
    runs). Not getrusage's ru_maxrss: Linux starts a child's from its parent's resident set at the fork and keeps
    the larger across exec, so a benchmark holding its data in memory would be counted as the child's."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=out, stderr=err, text=True)
        peak = 0.0
        while process.poll() is None:
            with contextlib.suppress(OSError):  # it ended between the poll and the read
                peak = max(peak, peak_rss_mib(process.pid))
            time.sleep(0.02)
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        return subprocess.CompletedProcess(command, process.returncode, out.read(), err.read()), seconds, peak


def vi_decimal(value: float, digits: int = 2) -> str:
    """A decimal number the Vietnamese way: thousands with '.', decimals after ','."""
    whole, _, frac = f"{abs(value):.{digits}f}".partition(".")
    text = vi_number(int(whole)) + ("," + frac if frac else "")
    return ("-" if value < 0 else "") + text


def per_second(count: int, seconds: float) -> int:
    return round(count / seconds) if seconds > 0 else 0


@dataclass
class Figure:
    """One measured line: how many things in how long (and latencies when there are some)."""

    name: str
    count: int
    seconds: float
    latencies_ms: list[float] | None = None
    note: str = ""

    @property
    def rate(self) -> int:
        return per_second(self.count, self.seconds)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def report(title: str, figures: list[Figure], *, reference: str, params: dict[str, Any], unit: str = "events") -> None:
    """Print the figures and each one's ratio to the `reference` figure (the raw baseline)."""
    base = next(f for f in figures if f.name == reference)
    print()
    print(f"== {title} ==")
    print(
        f"   {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        + ", ".join(
            f"{k}={vi_number(v) if isinstance(v, int) and not isinstance(v, bool) else v}" for k, v in params.items()
        )
    )
    width = max(len(f.name) for f in figures)
    has_latency = any(f.latencies_ms for f in figures)
    header = f"   {'':{width}}  {unit:>8}  {'seconds':>8}  {'per second':>10}  {'vs baseline':>11}"
    if has_latency:
        header += f"  {'p50 ms':>7}  {'p95 ms':>7}  {'p99 ms':>7}"
    print(header)
    for f in figures:
        ratio = f.rate / base.rate if base.rate else 0.0
        line = (
            f"   {f.name:{width}}  {vi_number(f.count):>8}  {vi_decimal(f.seconds):>8}  "
            f"{vi_number(f.rate):>10}  {vi_decimal(ratio) + '×':>11}"
        )
        if has_latency and f.latencies_ms:
            line += "  " + "  ".join(f"{vi_decimal(percentile(f.latencies_ms, q)):>7}" for q in (50, 95, 99))
        if f.note:
            line += f"   ({f.note})"
        print(line)
    print(f"   baseline = {reference}")


def arguments(description: str, **defaults: Any) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    defaults.setdefault("json", "")  # --json PATH: the results for `make bench` (a list of comparisons)
    for name, default in defaults.items():
        parser.add_argument(
            f"--{name.replace('_', '-')}", type=type(default), default=default, help=f"default {default}"
        )
    return parser.parse_args()


# --- events ---------------------------------------------------------------------------------------


def commitment_events(
    count: int, *, communes: int = 10, cells: int = 20, year: int = 2026
) -> list[tuple[Any, list[str]]]:
    """`count` CommitmentFiled events of distinct members, each with its unit path (province/commune/cell).

    The body is about the size of a real one: a couple of limitations and plan items in Vietnamese.
    """
    from schemas import CommitmentFiled, PlanItem

    events = []
    for i in range(count):
        commune = f"lc-x{i % communes:03d}"
        cell = f"{commune}-c{(i // communes) % cells:02d}"
        member = f"{cell}-m{i:06d}"
        event = CommitmentFiled(
            commitment_id=f"k-{member}-{year}",
            member_id=member,
            cell_id=cell,
            year=year,
            is_leader=i % 7 == 0,
            is_head=i % 29 == 0,
            limitations=["Ngại va chạm", "Chưa thường xuyên tự học, tự rèn luyện"],
            plan=[
                PlanItem(item_id="p1", title="Tham gia đầy đủ sinh hoạt chi bộ", deadline=f"{year}-12-31"),
                PlanItem(item_id="p2", title="Gương mẫu trong thực hiện nhiệm vụ được giao", deadline=f"{year}-06-30"),
            ],
        )
        events.append((event, ["lc", commune, cell]))
    return events


async def publish_events(bootstrap: str, topic: str, events: list, correlation_id: str) -> int:
    """Publish (commitment event, unit path) pairs in their envelopes as services/commitments would, keyed
    by member, with the relay's headers; the average body size."""
    from aiokafka import AIOKafkaProducer

    from neuguong.runtime.outbox import headers_of
    from schemas import encode, wrap

    producer = AIOKafkaProducer(**kafka(bootstrap), enable_idempotence=True, acks="all", linger_ms=20)
    await producer.start()
    size = 0
    try:
        sends = []
        for event, path in events:
            envelope = wrap(
                event, producer="commitments", actor=event.member_id, unit_path=path, correlation_id=correlation_id
            )
            body = encode(envelope)
            size += len(body)
            headers = [(k, v.encode()) for k, v in headers_of(envelope).items()]
            sends.append(await producer.send(topic, body, key=event.key().encode(), headers=headers))
        await asyncio.gather(*sends)
    finally:
        await producer.stop()
    return size // len(events)


async def topic_partitions(consumer: Any, topic: str, timeout: float = 10.0) -> list[Any]:
    """The partitions of a topic, once the client's metadata knows them."""
    from aiokafka import TopicPartition

    async def known() -> set[int] | None:
        # consumer.topics() fetches metadata without keeping it; read the fetched copy instead.
        cluster = await consumer._client.fetch_all_metadata()
        return cluster.partitions_for_topic(topic)

    return [TopicPartition(topic, p) for p in sorted(await wait_for(known, timeout=timeout, interval=0.2))]


async def topic_size(bootstrap: str, topic: str) -> int:
    """How many records a fresh topic holds (sum of its end offsets)."""
    from aiokafka import AIOKafkaConsumer

    consumer = AIOKafkaConsumer(**kafka(bootstrap), enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = await topic_partitions(consumer, topic)
        return sum((await consumer.end_offsets(partitions)).values())
    finally:
        await consumer.stop()


def quiet() -> None:
    """FastStream's per-subscriber INFO lines (on stdout) would drown the figures."""
    import logging

    # The broker sets its logger's level when it is created; a filter outlives that.
    logging.getLogger("faststream.access.kafka").addFilter(lambda record: record.levelno >= logging.WARNING)


# --- results for `make bench` (python -m bench) ----------------------------------------------------


def comparison(
    figure: str,
    value: float,
    unit: str,
    baseline: str,
    baseline_value: float,
    target: str = "",
    *,
    higher_is_better: bool = True,
) -> dict[str, Any]:
    """One line of a benchmark's results: a figure beside its baseline from the same run, and the ratio
    (figure / baseline when more is better, baseline / figure for times)."""
    if higher_is_better:
        ratio = value / baseline_value if baseline_value else 0.0
    else:
        ratio = baseline_value / value if value else 0.0
    return {
        "figure": figure,
        "value": value,
        "unit": unit,
        "baseline": baseline,
        "baseline_value": baseline_value,
        "ratio": round(ratio, 3),
        "target": target,
    }


def write_results(path: str, results: list[dict[str, Any]]) -> None:
    """Write the results as JSON when `--json PATH` was given."""
    if not path:
        return
    import json

    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

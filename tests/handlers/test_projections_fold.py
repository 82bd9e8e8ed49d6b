"""services/projections applies a batch folded (fold.py: figures summed in memory, one statement per table)
exactly as its handlers would one event at a time: a random history of every event type, with redeliveries,
late events, a reorganisation half-way and random batch sizes, goes through both, each into a schema of its
own, and every read-model table must come out the same."""

import json
import random
from collections.abc import Iterator

import pytest
from aiokafka import ConsumerRecord
from prometheus_client import CollectorRegistry

from neuguong.runtime.consumer import EventConsumer
from neuguong.runtime.db import create_pool, migrate
from neuguong.runtime.metrics import RuntimeMetrics
from neuguong.runtime.settings import Settings
from ops.directory.demo import build_demo_directory
from ops.rebuild import table_digest
from schemas import CommitmentFiled, Event, OrgUnitRegistered, encode, wrap
from schemas.commitments import SelfReflectionRecorded
from services.projections import fold
from services.projections.app import DEFINITION
from services.projections.store import READ_MODEL
from tests.integration import history
from tests.integration.harness import env, reset_schemas
from tests.scale import FOLD_DIRECTORY, PROVINCE

SETTINGS = Settings(service="projections", environment="test", pg_database=env("NG_PG_DATABASE", "neuguong_test"))
ONE_BY_ONE, FOLDED = "projections", "projections_rebuild"  # two schemas the projections role owns


def merger(directory, events: list[tuple[Event, list[str]]], rng: random.Random) -> list[tuple[Event, list[str]]]:
    """Two communes become one half-way through the history: the merged unit, the two dissolved, their cells
    moved under it, and every later event of those cells on the new path."""
    communes = [u for u in directory.units if u.level == "grassroots"]
    a, b = communes[0], communes[1]
    merged = OrgUnitRegistered(
        unit_id=f"{a.unit_id}-{b.unit_id}", parent_id=a.parent_id, level="grassroots", name=f"{a.name} mới"
    )
    moved = [
        u.model_copy(update={"parent_id": merged.unit_id})
        for u in directory.units
        if u.parent_id in (a.unit_id, b.unit_id)
    ]
    reorganisation = [
        merged,
        *(u.model_copy(update={"dissolved": True, "merged_into": merged.unit_id}) for u in (a, b)),
        *moved,
    ]
    at = rng.randrange(len(events) // 3, 2 * len(events) // 3)

    def repath(path: list[str]) -> list[str]:
        return [merged.unit_id if unit in (a.unit_id, b.unit_id) else unit for unit in path]

    paths = [
        [*directory.unit_path(a.parent_id), merged.unit_id],
        *(repath(directory.path_for(u)) for u in reorganisation[1:]),
    ]
    return [*events[:at], *zip(reorganisation, paths, strict=True), *((e, repath(p)) for e, p in events[at:])]


def random_history(directory, seed: int) -> list[ConsumerRecord]:
    """The directory, then a generated history with a merger in it; about one event in twenty delivered again
    further on, one in fifty only later (as a dead letter replayed); records numbered per topic as Kafka would."""
    rng = random.Random(seed)
    events = [(e, directory.path_for(e)) for e in [*directory.units, *directory.members]]
    events += merger(directory, history.generate(directory, seed=seed), rng)
    bodies = [
        (e.topic, encode(wrap(e, producer="history", actor="test", unit_path=p, correlation_id="fold")))
        for e, p in events
    ]
    for i in rng.sample(range(len(bodies)), len(bodies) // 20):  # redelivered: the same envelope again, later
        bodies.insert(rng.randrange(i + 1, len(bodies) + 1), bodies[i])
    for i in rng.sample(range(len(bodies)), len(bodies) // 50):  # late: dead-lettered, replayed behind later events
        bodies.insert(rng.randrange(i, len(bodies)), bodies.pop(i))
    offsets: dict[str, int] = {}
    records = []
    for topic, value in bodies:
        offsets[topic] = offsets.get(topic, -1) + 1
        records.append(record(SETTINGS.topic(topic), value, offsets[topic]))
    return records


def record(topic: str, value: bytes, offset: int) -> ConsumerRecord:
    return ConsumerRecord(
        topic=topic,
        partition=0,
        offset=offset,
        timestamp=1_780_000_000_000 + offset,
        timestamp_type=0,
        key=b"k",
        value=value,
        checksum=None,
        serialized_key_size=1,
        serialized_value_size=len(value),
        headers=[],
    )


def batches(
    records: list[ConsumerRecord], rng: random.Random, sizes: tuple[int, int] = (1, 500)
) -> Iterator[list[ConsumerRecord]]:
    """A random number of records within `sizes` at a time, each topic's in order: mostly the next ones of a
    topic taken in random turn (one subscriber per topic, side by side), sometimes the next ones of all
    topics together (as the rebuild reads them)."""
    left = list(records)
    while left:
        size = rng.randint(*sizes)
        if rng.random() < 0.25:
            batch = left[:size]
        else:
            topic = rng.choice(sorted({r.topic for r in left}))
            batch = [r for r in left if r.topic == topic][:size]
        taken = {id(r) for r in batch}
        left = [r for r in left if id(r) not in taken]
        yield batch


def no_fallback(record, read) -> None:
    """A batch that fails and is applied one event at a time would hide a fold that fails: none may."""
    raise AssertionError(f"a batch fell back to one by one (at offset {record.offset} of {record.topic})")


async def applied(
    records: list[ConsumerRecord], schema: str, plan: list[list[ConsumerRecord]], *, folded: bool
) -> dict[str, str]:
    """Every record settled in batches into `schema`, with or without the fold; each table's digest."""
    pool = await create_pool(SETTINGS, schema=schema)
    try:
        await migrate(pool, DEFINITION.package_dir)
        consumer = EventConsumer(
            SETTINGS,
            pool,
            RuntimeMetrics(CollectorRegistry()),
            DEFINITION.handlers,
            DEFINITION.consumes,
            dead_letters=False,
            batch_scope=fold.folded if folded else None,
        )
        consumer._apply_alone = no_fallback  # type: ignore[method-assign]
        for batch in plan:
            await consumer.settle(batch)
        async with pool.acquire() as conn:
            assert await conn.fetchval("SELECT count(*) FROM inbox") == len({r.value for r in records})
            return {t: await table_digest(conn, schema, t, c) for t, c in READ_MODEL.items()}
    finally:
        await pool.close()


async def differing_tables(
    records: list[ConsumerRecord], seed: int, sizes: tuple[int, int] = (1, 500), plan: list | None = None
) -> list[str]:
    """Tables that differ between the records applied one by one and folded, in the same batches: `plan`,
    or random ones of `sizes`."""
    await reset_schemas()
    plan = plan or list(batches(records, random.Random(seed), sizes))
    one_by_one = await applied(records, ONE_BY_ONE, plan, folded=False)
    folded = await applied(records, FOLDED, plan, folded=True)
    return [table for table in READ_MODEL if one_by_one[table] != folded[table]]


async def test_a_folded_history_leaves_every_table_as_the_handlers_one_by_one():
    records = random_history(build_demo_directory(**FOLD_DIRECTORY), seed=7)
    assert len(records) > (30_000 if PROVINCE else 2_500)
    assert {json.loads(r.value)["event_type"] for r in records} == set(DEFINITION.handlers)  # every type
    assert await differing_tables(records, seed=7) == []


async def test_a_figure_folded_wrongly_is_found(monkeypatch, small_directory):
    """The comparison has teeth: a fold that loses the sign of a taken-back figure (a re-rating, a revocation)
    leaves unit_figures different, and only it."""
    add = fold.Fold.add_to_figures

    def unsigned(self, unit_path, periods, figures, delta):
        add(self, unit_path, periods, figures, abs(delta))

    monkeypatch.setattr(fold.Fold, "add_to_figures", unsigned)
    assert await differing_tables(random_history(small_directory, seed=3), seed=3) == ["unit_figures"]


@pytest.mark.parametrize("seed", [1, 2])
async def test_small_histories_in_other_batches_fold_the_same(seed, small_directory):
    assert await differing_tables(random_history(small_directory, seed=seed), seed=seed) == []


@pytest.mark.parametrize("order", ["filing, review", "review, filing", "filing | other filing, review"])
async def test_a_self_review_takes_its_flags_from_the_filing_applied_before_it(small_directory, order):
    """Member acts are the one folded table a handler reads back: a self-review carries no leader flags and
    takes those of the member's filing of that year applied before it, the first one when there are two
    (a later one changes nothing: ON CONFLICT DO NOTHING), never one after it in the same batch."""
    events = history.generate(small_directory, seed=5)
    filing = next(e for e, _ in events if isinstance(e, CommitmentFiled) and (e.is_leader or e.is_head))
    review = next(e for e, _ in events if isinstance(e, SelfReflectionRecorded) and e.member_id == filing.member_id)
    other = filing.model_copy(
        update={"commitment_id": f"{filing.commitment_id}-b", "is_leader": False, "is_head": False}
    )
    pair = {
        "filing, review": [filing, review],
        "review, filing": [review, filing],
        "filing | other filing, review": [filing, other, review],
    }[order]
    path = small_directory.unit_path(filing.cell_id)
    records = [
        record(SETTINGS.topic(e.topic), encode(wrap(e, producer="t", actor="t", unit_path=path, correlation_id="f")), n)
        for n, e in enumerate(pair)
    ]
    # The first filing alone in a batch before the other two; two events in one batch.
    plan = [records[:1], records[1:]] if len(records) == 3 else [records]
    assert await differing_tables(records, seed=0, plan=plan) == []


def test_a_unit_path_naming_a_unit_twice_fails_the_fold_as_it_fails_the_upsert_one_by_one():
    """One by one, ADD_TO_FIGURES refuses to touch a row twice; folded, the same path must not quietly sum
    into one row: it fails the batch, which is then applied one event at a time."""
    with pytest.raises(ValueError, match="unit_path"):
        fold.Fold().add_to_figures(["lc", "lc-x01", "lc"], ["2026"], ["commitments_filed"], 1)

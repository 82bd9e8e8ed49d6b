"""Filings arriving together run as one group (runtime.grouping); the same requests sent one by one, each in a
transaction of its own (runtime.http.transact), are its specification. Every request must be answered the same
(status, body, replay, refusal) and the tables, the stored answers and the outbox must come out the same."""

import asyncio
import random

import pytest
from prometheus_client import CollectorRegistry

from neuguong.runtime import idempotency
from neuguong.runtime.auth import Forbidden
from neuguong.runtime.commands import Answer, CommandBus
from neuguong.runtime.errors import CommandRejected
from neuguong.runtime.grouping import CommandGroups
from neuguong.runtime.http import transact
from neuguong.runtime.metrics import RuntimeMetrics
from neuguong.runtime.outbox import EventMeta
from neuguong.runtime.settings import Settings
from schemas import decode
from services.commitments.commands import FileCommitment, RecordSelfReflection
from services.commitments.handlers import COMMANDS
from tests.handlers.layer import STRAY, add_stray_member, at, command_layer, principal

pytestmark = pytest.mark.handlers

MARCH = at("2026-03-02T09:00:00+07:00")
PROVINCE = principal("tinh-uy", "committee", "lc")
GENERATED = {"commitment_id", "event_id", "filed_at"}  # new in each run


async def fresh_layer(source):
    """A commitments schema with `source` as its directory, plus a member whose path is not whole."""
    async for layer in command_layer("commitments", source):
        await add_stray_member(layer.pool)
        yield layer


def filing(member_id, year=2026, note="Ngại va chạm"):
    return FileCommitment(
        member_id=member_id,
        year=year,
        limitations=[note],
        plan=[{"title": "Tham gia đầy đủ sinh hoạt chi bộ", "deadline": f"{year}-12-31"}],
    )


def requests(source, seed):
    """(principal, Idempotency-Key, command) as clients send them: members for themselves, the province for
    anyone, repeats of a member's year under new keys, a key sent again (the same body, or another), a member
    acting for another, unknown members, a member whose path is not whole, a future year."""
    rng = random.Random(seed)
    members = source.members
    sent = []
    for n in range(80):
        member = rng.choice(members[:12])  # few members: their years repeat
        own = principal(member.member_id, "member", member.cell_id)
        kind = rng.choices(range(8), [6, 5, 2, 2, 1, 1, 1, 1])[0]
        if kind == 0:
            sent.append((own, f"key-{n}", filing(member.member_id)))
        elif kind == 1:
            sent.append((PROVINCE, f"key-{n}", filing(member.member_id, rng.choice([2025, 2026]), f"Hạn chế {n}")))
        elif kind == 2 and sent:  # a retry: the same request, the same key
            sent.append(rng.choice(sent))
        elif kind == 3 and sent:  # a key used again for another request
            actor, key, _ = rng.choice(sent)
            sent.append((actor, key, filing(member.member_id, 2025, f"Khác {n}")))
        elif kind == 4:
            other = rng.choice([m for m in members if m.member_id != member.member_id])
            sent.append((own, f"key-{n}", filing(other.member_id)))
        elif kind == 5:
            sent.append((PROVINCE, f"key-{n}", filing(f"khong-co-{n}")))
        elif kind == 6:
            sent.append((PROVINCE, f"key-{n}", filing(STRAY)))
        else:
            sent.append((PROVINCE, f"key-{n}", filing(member.member_id, 2027)))
    return sent


def review(commitment_id, month, note="Đã tham gia đầy đủ", item="p1"):
    return RecordSelfReflection(
        commitment_id=commitment_id,
        month=month,
        items_reviewed=[{"item_id": item, "progress": "Đang làm"}],
        note=note,
    )


def reviews(source, seed, commitments):
    """Monthly self-reviews of the commitments filed (`commitments`: member -> commitment id), as clients send
    them: members for themselves, the province for anyone, a month reviewed twice, retries and reused keys, a
    member reviewing another's commitment, unknown commitments and plan items, months outside the year or to come."""
    rng = random.Random(seed)
    members = [m for m in source.members if m.member_id in commitments]
    sent = []
    for n in range(80):
        member = rng.choice(members)
        own = principal(member.member_id, "member", member.cell_id)
        ours = commitments[member.member_id]
        month = rng.choice(["2026-01", "2026-02", "2026-03"])
        kind = rng.choices(range(8), [6, 4, 2, 2, 1, 1, 1, 1])[0]
        if kind == 0:
            sent.append((own, f"key-{n}", review(ours, month)))
        elif kind == 1:
            sent.append((PROVINCE, f"key-{n}", review(ours, month, note=f"Ghi chú {n}")))
        elif kind == 2 and sent:
            sent.append(rng.choice(sent))
        elif kind == 3 and sent:
            actor, key, _ = rng.choice(sent)
            sent.append((actor, key, review(ours, "2026-02", note=f"Khác {n}")))
        elif kind == 4:
            other = rng.choice([m for m in members if m.member_id != member.member_id])
            sent.append((own, f"key-{n}", review(commitments[other.member_id], month)))
        elif kind == 5:
            sent.append((PROVINCE, f"key-{n}", review("cam-ket-khong-co", month)))
        elif kind == 6:
            sent.append((PROVINCE, f"key-{n}", review(ours, month, item="p9")))
        else:
            sent.append((PROVINCE, f"key-{n}", review(ours, rng.choice(["2025-12", "2026-09"]))))
    return sent


def settled(outcome):
    """A request's outcome without what each run generates anew."""
    if isinstance(outcome, CommandRejected):
        existing = outcome.details.get("existing")
        details = {k: v for k, v in (existing or {}).items() if k not in GENERATED}
        return type(outcome).__name__, outcome.field, outcome.reason, details
    if isinstance(outcome, Forbidden):
        return "Forbidden", str(outcome)
    if isinstance(outcome, Exception):
        return type(outcome).__name__, str(outcome)
    answer, replayed = outcome
    return answer.status, replayed, {k: v for k, v in answer.body.items() if k not in GENERATED}


async def written(layer):
    """The tables, the stored answers and the outbox, without what each run generates anew."""
    commitments = sorted(
        (r["member_id"], r["year"], r["cell_id"], r["content"], r["filed_by"], r["is_leader"], list(r["unit_path"]))
        for r in await layer.pool.fetch("SELECT * FROM commitments")
    )
    versions = await layer.pool.fetchval(
        "SELECT count(*) FROM commitment_versions v JOIN commitments c USING (commitment_id) WHERE v.version = 1"
    )
    reflections = sorted(
        (r["member_id"], r["month"], r["content"], r["recorded_by"])
        for r in await layer.pool.fetch(
            "SELECT c.member_id, r.* FROM self_reflections r JOIN commitments c USING (commitment_id)"
        )
    )
    answers = sorted(  # without the fingerprints, which hold the commitment ids of each run
        (
            r["actor"],
            r["key"],
            r["status_code"],
            str(sorted((k, v) for k, v in r["response"].items() if k not in GENERATED)),
        )
        for r in await layer.pool.fetch("SELECT * FROM idempotency")
    )
    events = [decode(r["body"]) for r in await layer.pool.fetch("SELECT body FROM outbox ORDER BY id")]
    staged = [
        (e.event_type, e.actor, e.unit_path, {k: v for k, v in e.payload.items() if k not in GENERATED}) for e in events
    ]
    return commitments, versions, reflections, answers, staged


def groups_of(layer, **settings):
    config = Settings(service="commitments", **settings)
    return CommandGroups(layer.pool, layer.bus, config, MARCH, RuntimeMetrics(CollectorRegistry()))


async def sent_together(groups, sent):
    """Every request at once; each one's outcome, in the order sent."""
    return await asyncio.gather(
        *(groups.run(actor, key, command) for actor, key, command in sent), return_exceptions=True
    )


async def both_ways(source, largest, make_requests, filed=()):
    """The requests sent one by one, each in its transaction, then at once in groups of at most `largest`, each
    way on a fresh schema where the members `filed` have filed for 2026 first: (outcomes alone, outcomes
    together, written alone, written together, groups run)."""
    ways = []
    for together in (False, True):
        async for layer in fresh_layer(source):
            commitments = {}
            for member in filed:
                answer = await layer.run(filing(member), PROVINCE)
                commitments[member] = answer.body["commitment_id"]
            sent = make_requests(commitments)
            groups = groups_of(layer, command_groups_in_flight=1, command_group_max=largest)
            if together:
                outcomes = await sent_together(groups, sent)
            else:
                outcomes = []
                for actor, key, command in sent:
                    try:
                        outcomes.append(
                            await transact(layer.pool, layer.bus, groups.settings, MARCH, actor, key, command)
                        )
                    except Exception as refusal:
                        outcomes.append(refusal)
            ways.append((outcomes, await written(layer), groups.metrics.registry))
    (alone, expected, _), (together, got, registry) = ways
    return alone, together, expected, got, registry


def groups_run(registry, command):
    return registry.get_sample_value(
        "neuguong_command_group_size_count", {"service": "commitments", "command": command}
    )


@pytest.mark.parametrize(("seed", "largest"), [(1, 7), (2, 100), (3, 3), (4, 20)])
async def test_a_group_of_filings_answers_each_as_it_would_be_answered_alone(small_directory, seed, largest):
    alone, together, expected, got, registry = await both_ways(
        small_directory, largest, lambda _: requests(small_directory, seed)
    )
    assert [settled(o) for o in together] == [settled(o) for o in alone]
    assert got == expected
    kinds = {settled(o)[0] for o in alone}
    assert {201, "Conflict", "Forbidden", "CommandRejected", "NotYetKnown"} <= kinds, "every outcome exercised"
    assert any(settled(o)[:2] == (201, True) for o in alone), "a replay exercised"
    assert groups_run(registry, "FileCommitment") < len(alone) / 2, "the requests should have run in groups"


@pytest.mark.parametrize(("seed", "largest"), [(1, 7), (2, 100), (3, 3)])
async def test_a_group_of_self_reviews_answers_each_as_it_would_be_answered_alone(small_directory, seed, largest):
    filed = [m.member_id for m in small_directory.members[:8]]
    alone, together, expected, got, registry = await both_ways(
        small_directory, largest, lambda commitments: reviews(small_directory, seed, commitments), filed
    )
    assert [settled(o) for o in together] == [settled(o) for o in alone]
    assert got == expected
    kinds = {settled(o)[0] for o in alone}
    assert {201, "Conflict", "Forbidden", "CommandRejected", "NotFound"} <= kinds, "every outcome exercised"
    assert any(settled(o)[:2] == (201, True) for o in alone), "a replay exercised"
    assert groups_run(registry, "RecordSelfReflection") < len(alone) / 2, "the requests should have run in groups"


async def test_a_group_that_fails_runs_its_requests_one_by_one(small_directory):
    """An event too large for the broker fails the whole group's transaction; its requests are then run alone:
    the large one is refused (413) and writes nothing, the others are filed."""
    members = [m.member_id for m in small_directory.members[:6]]
    sent = [(PROVINCE, f"key-{n}", filing(member)) for n, member in enumerate(members)]
    large = filing(members[3])
    sent[3] = (PROVINCE, "key-3", large.model_copy(update={"limitations": ["Chưa gương mẫu " * 100] * 5}))
    async for layer in fresh_layer(small_directory):
        groups = groups_of(layer, command_groups_in_flight=1, max_event_bytes=4000)
        together = await sent_together(groups, sent)
        filed = {r["member_id"] for r in await layer.pool.fetch("SELECT member_id FROM commitments")}
        staged = await layer.pool.fetchval("SELECT count(*) FROM outbox")
        stored = await layer.pool.fetchval("SELECT count(*) FROM idempotency")

    assert [getattr(o, "status", None) or o[0].status for o in together] == [201, 201, 201, 413, 201, 201]
    assert filed == set(members) - {members[3]}
    assert staged == stored == 5


@pytest.mark.parametrize("arriving", ["together", "one by one"])
async def test_a_lock_held_elsewhere_holds_up_only_the_requests_that_meet_it(small_directory, arriving):
    """An import's uncommitted commitment of a member and year: the filings of that member wait for it, as alone;
    the others do not, whether they share a group with them (past the group's lock timeout its requests run one
    transaction each) or come after them while those filings hold both slots."""
    members = [m.member_id for m in small_directory.members[:21]]
    held, others = members[0], members[1:]
    sent = [(PROVINCE, "key-held-1", filing(held)), (PROVINCE, "key-held-2", filing(held, note="Lần hai"))]
    sent += [(PROVINCE, f"key-{member}", filing(member)) for member in others]
    async for layer in fresh_layer(small_directory):
        groups = groups_of(layer)  # the defaults: two slots, a lock timeout of 100 ms
        async with layer.pool.acquire() as importing:
            transaction = importing.transaction()
            await transaction.start()
            await layer.bus.handle(importing, filing(held), PROVINCE, MARCH, EventMeta("commitments", "nhap", "x"))
            answers = []
            for n, (actor, key, command) in enumerate(sent):
                answers.append(asyncio.ensure_future(groups.run(actor, key, command)))
                if arriving == "one by one" and n < 2:
                    await asyncio.sleep(0.3)  # each of the held member's filings in a slot of its own, waiting
            done, _ = await asyncio.wait(answers[2:], timeout=30)
            waiting = [not answer.done() for answer in answers[:2]]
            await transaction.commit()
        outcomes = await asyncio.gather(*answers, return_exceptions=True)

    assert len(done) == len(others), "the other filings were answered while the import held its lock"
    assert waiting == [True, True], "the held member's filings waited for the import"
    assert [settled(o)[0] for o in outcomes] == ["Conflict", "Conflict"] + [201] * len(others)


async def test_a_group_s_lock_timeout_is_put_back_before_its_commit(small_directory):
    """The timeout must not reach the COMMIT, which may wait for PostgreSQL's NOTIFY lock behind other commits."""
    async for layer in fresh_layer(small_directory):
        async with layer.pool.acquire() as conn, conn.transaction():
            before = await conn.fetchval("SHOW lock_timeout")
            await idempotency.recall_all(conn, [("tinh-uy", "key-1", "f")], lock_timeout_ms=100)
            during = await conn.fetchval("SHOW lock_timeout")
            answer = Answer(201, {"ok": True})
            await idempotency.remember_all(conn, [(("tinh-uy", "key-1", "f"), answer)], restore_lock_timeout=True)
            after = await conn.fetchval("SHOW lock_timeout")
    assert (before, during, after) == ("0", "100ms", "0")


class Unreachable:
    """A pool whose database cannot be reached: each connection attempt fails after a moment."""

    attempts = 0

    def acquire(self):
        return self

    async def __aenter__(self):
        self.attempts += 1
        await asyncio.sleep(0.05)
        raise ConnectionRefusedError("connection refused")

    async def __aexit__(self, *exc):
        return False


async def test_an_outage_fails_every_request_of_a_group_at_once():
    settings = Settings(service="commitments")
    pool = Unreachable()
    groups = CommandGroups(pool, CommandBus(COMMANDS), settings, MARCH, RuntimeMetrics(CollectorRegistry()))
    sent = [(PROVINCE, f"key-{n}", filing(f"m{n}")) for n in range(30)]
    outcomes = await sent_together(groups, sent)
    assert all(isinstance(o, ConnectionRefusedError) for o in outcomes)
    assert pool.attempts <= settings.command_groups_in_flight, "one attempt a group, not one a request"

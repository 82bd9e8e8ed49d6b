"""The commitments import is set-based (one lookup, one insert for all rows); `file_commitment`, one command per
row, stays its specification: every row must come to what that command alone would answer, and the tables
must hold the same commitments."""

import random

import pytest

from neuguong.runtime.auth import Forbidden
from neuguong.runtime.errors import CommandRejected, Conflict
from neuguong.runtime.outbox import EventMeta
from services.commitments.commands import FileCommitment, FileCommitments
from tests.handlers.layer import STRAY, add_stray_member, at, command_layer, principal

pytestmark = pytest.mark.handlers

MARCH = at("2026-03-02T09:00:00+07:00")
PROVINCE = principal("tinh-uy", "committee", "lc")


@pytest.fixture
async def layer(small_directory):
    async for layer in command_layer("commitments", small_directory):
        await add_stray_member(layer.pool)
        yield layer


def row(line, member_id, year=2026, **more):
    return {
        "line": line,
        "member_id": member_id,
        "year": year,
        "limitations": [f"Hạn chế của dòng {line}"],
        "plan": [{"title": "Tham gia đầy đủ sinh hoạt chi bộ", "deadline": f"{year}-12-31"}],
        **more,
    }


def mixed_rows(members, seed):
    """A clerk's workbook: new members, members filed before, repeats, unknown and unsettled members, future
    years, earlier years, malformed rows, in a random order."""
    rng = random.Random(seed)
    ids = [m.member_id for m in members]
    picks = [
        lambda line: row(line, rng.choice(ids)),
        lambda line: row(line, rng.choice(ids), year=rng.choice([2024, 2025, 2026])),
        lambda line: row(line, rng.choice(ids), year=2027),  # the future
        lambda line: row(line, f"khong-co-{line}"),  # unknown here
        lambda line: row(line, STRAY),  # known, its path not yet whole
        lambda line: row(line, rng.choice(ids), limitations="không phải danh sách"),  # malformed
        lambda line: {"line": line, "year": 2026},  # no member
    ]
    weights = [8, 4, 1, 1, 1, 1, 1]
    return [rng.choices(picks, weights)[0](line) for line in range(2, 2 + 60)]


async def one_by_one(layer, items, actor):
    """Each valid row as its own FileCommitment in a savepoint, answered as a batch row would be; then the
    commitments the rows left, and everything rolled back."""
    meta = EventMeta(producer="commitments", actor=actor.sub, correlation_id="one-by-one")
    results = []
    async with layer.pool.acquire() as conn:
        transaction = conn.transaction()
        await transaction.start()
        try:
            for position, item in enumerate(items, start=1):
                try:
                    command = FileCommitment.model_validate({k: v for k, v in item.items() if k != "line"})
                except ValueError:
                    results.append((item["line"], "rejected", None, None, position))
                    continue
                try:
                    async with conn.transaction():
                        answer = await layer.bus.handle(conn, command, actor, MARCH, meta)
                except Conflict as error:
                    results.append((item["line"], "exists", None, error.details["existing"]["commitment_id"], None))
                except Forbidden:
                    return "forbidden", None
                except CommandRejected as error:
                    results.append((item["line"], "rejected", error.field, error.reason, None))
                else:
                    results.append((item["line"], "created", None, answer.body["commitment_id"], None))
            held = await table(conn)
        finally:
            await transaction.rollback()
    return results, held


async def table(conn):
    return sorted(
        (r["member_id"], r["year"], r["cell_id"], r["content"], r["is_leader"], r["is_head"], list(r["unit_path"]))
        for r in await conn.fetch("SELECT * FROM commitments")
    )


def as_compared(results):
    """A batch's results as `one_by_one` gives them (a malformed row by its position; ids of new rows apart)."""
    return [
        (r["line"], r["status"], None, None, r["item"])
        if "item" in r
        else (r["line"], r["status"], r.get("field"), r.get("reason") or r.get("commitment_id"), None)
        for r in results
    ]


def without_new_ids(results, created):
    return [(line, status, field, None if status == "created" or what in created else what, item)
            for line, status, field, what, item in results]  # fmt: skip


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_every_row_comes_to_what_the_single_command_answers(layer, small_directory, seed):
    members = small_directory.members
    for member in members[: len(members) // 3]:  # some filed before the import
        await layer.run(
            FileCommitment(member_id=member.member_id, year=2026, limitations=["Ngại va chạm"], plan=[]), PROVINCE
        )
    items = mixed_rows(members, seed)
    expected, held = await one_by_one(layer, items, PROVINCE)
    before = await layer.outbox()

    answer = await layer.run(FileCommitments(items=items), PROVINCE, MARCH)

    got = as_compared(answer.body["results"])
    created = {r["commitment_id"] for r in answer.body["results"] if r["status"] == "created"}
    created_expected = {what for _, status, _, what, _ in expected if status == "created"}
    assert without_new_ids(got, created) == without_new_ids(expected, created_expected)
    statuses = {status for _, status, *_ in got}
    assert statuses == {"created", "exists", "rejected"}, "the workbook should exercise every outcome"
    async with layer.pool.acquire() as conn:
        assert await table(conn) == held
        versions = await conn.fetchval(
            "SELECT count(*) FROM commitment_versions WHERE commitment_id = ANY($1)", created
        )
    assert versions == len(created)
    staged = (await layer.outbox())[len(before) :]
    assert [e.payload["commitment_id"] for e in staged] == [
        r["commitment_id"] for r in answer.body["results"] if r["status"] == "created"
    ]
    for event in staged:
        assert event.unit_path == small_directory.unit_path(event.payload["cell_id"])
    # A repeat of a row filed earlier in the same batch names the commitment that row created.
    first = {}
    for item, result in zip(items, answer.body["results"], strict=True):
        if result["status"] == "created":
            first[(item["member_id"], item["year"])] = result["commitment_id"]
        elif result["status"] == "exists" and (item["member_id"], item["year"]) in first:
            assert result["commitment_id"] == first[(item["member_id"], item["year"])]


async def test_a_row_out_of_reach_refuses_the_whole_batch_and_writes_nothing(layer, small_directory):
    commune = small_directory.unit_path(small_directory.members[0].cell_id)[1]
    ours = [m for m in small_directory.members if small_directory.unit_path(m.cell_id)[1] == commune]
    stranger = next(m for m in small_directory.members if small_directory.unit_path(m.cell_id)[1] != commune)
    items = [row(2, ours[0].member_id), row(3, "khong-co"), row(4, stranger.member_id), row(5, ours[1].member_id)]
    with pytest.raises(Forbidden, match="line 4"):
        await layer.run(FileCommitments(items=items), principal("dang-uy", "committee", commune), MARCH)
    assert await layer.count("commitments") == 0 and await layer.outbox() == []

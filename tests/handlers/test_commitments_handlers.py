"""services/commitments' command handlers on PostgreSQL alone: what each writes, what it stages, and the
date rules at their edges (year change and month ends in Asia/Ho_Chi_Minh), with the clock passed in."""

import pytest

from neuguong.runtime import directory
from neuguong.runtime.auth import Forbidden
from neuguong.runtime.errors import CommandRejected, Conflict
from services.commitments.commands import (
    FileCommitment,
    FileCommitments,
    IssueTopic,
    RecordSelfReflection,
    RecordSession,
)
from tests.handlers.layer import at, command_layer, principal

pytestmark = pytest.mark.handlers


@pytest.fixture
async def layer(small_directory):
    async for layer in command_layer("commitments", small_directory):
        yield layer


def member_of(directory, index=0):
    return directory.members[index]


async def file(layer, member, year, clock):
    command = FileCommitment(
        member_id=member.member_id,
        year=year,
        limitations=["Ngại va chạm"],
        plan=[{"title": "Tham gia đầy đủ sinh hoạt chi bộ", "deadline": f"{year}-12-31"}],
    )
    return await layer.run(command, principal(member.member_id, "member", member.cell_id), clock)


async def test_filing_writes_the_commitment_and_stages_its_event_with_the_unit_path(layer, small_directory):
    member = member_of(small_directory)
    answer = await file(layer, member, 2026, at("2026-03-02T08:00:00+07:00"))
    assert answer.status == 201 and answer.body["version"] == 1 and answer.body["plan"][0]["item_id"] == "p1"
    (event,) = await layer.outbox()
    assert event.event_type == "CommitmentFiled" and event.payload["commitment_id"] == answer.body["commitment_id"]
    assert event.unit_path == small_directory.unit_path(member.cell_id) and event.actor == member.member_id
    assert answer.body["event_id"] == str(event.event_id)
    assert await layer.count("commitments") == 1 and await layer.count("commitment_versions") == 1


async def test_next_year_opens_at_midnight_in_viet_nam_not_in_utc(layer, small_directory):
    member = member_of(small_directory)
    with pytest.raises(CommandRejected) as refused:
        await file(layer, member, 2027, at("2026-12-31T23:59:59+07:00"))  # 16:59 UTC
    assert refused.value.field == "year" and "future" in refused.value.reason
    assert await layer.count("commitments") == 0 and await layer.count("outbox") == 0
    answer = await file(layer, member, 2027, at("2027-01-01T00:00:00+07:00"))  # still 31 Dec in UTC
    assert answer.status == 201 and answer.body["year"] == 2027


async def test_a_second_commitment_for_the_year_is_a_conflict_that_writes_nothing(layer, small_directory):
    member = member_of(small_directory)
    first = await file(layer, member, 2026, at("2026-02-01T09:00:00+07:00"))
    with pytest.raises(Conflict) as conflict:
        await file(layer, member, 2026, at("2026-02-02T09:00:00+07:00"))
    assert conflict.value.details["existing"]["commitment_id"] == first.body["commitment_id"]
    assert await layer.count("commitments") == 1 and len(await layer.outbox()) == 1


async def test_a_month_can_be_reviewed_from_its_first_local_day(layer, small_directory):
    member = member_of(small_directory)
    filed = await file(layer, member, 2026, at("2026-01-05T09:00:00+07:00"))
    review = RecordSelfReflection(commitment_id=filed.body["commitment_id"], month="2026-12", note="Đã sửa")
    me = principal(member.member_id, "member", member.cell_id)
    with pytest.raises(CommandRejected) as refused:
        await layer.run(review, me, at("2026-11-30T23:59:00+07:00"))
    assert refused.value.field == "month" and "future" in refused.value.reason
    answer = await layer.run(review, me, at("2026-12-01T00:01:00+07:00"))  # 30 November, 17:01 UTC
    assert answer.status == 201 and answer.body["month"] == "2026-12"
    with pytest.raises(CommandRejected) as outside:
        await layer.run(review.model_copy(update={"month": "2027-01"}), me, at("2027-01-02T09:00:00+07:00"))
    assert outside.value.field == "month" and "2026" in outside.value.reason


async def test_a_session_held_early_on_the_first_of_a_month_belongs_to_that_month(layer, small_directory):
    member = member_of(small_directory)
    secretary = principal("bi-thu", "cell_secretary", member.cell_id)
    session = RecordSession(
        cell_id=member.cell_id,
        held_on="2026-06-01",
        month="2026-06",
        kind="regular",
        topic_title="Học tập phong cách dân chủ của Bác",
        present=[member.member_id],
    )
    with pytest.raises(CommandRejected) as early:
        await layer.run(session, secretary, at("2026-05-31T23:00:00+07:00"))
    assert early.value.field == "held_on"
    answer = await layer.run(session, secretary, at("2026-06-01T06:00:00+07:00"))  # 31 May, 23:00 UTC
    assert answer.status == 201 and answer.body["month"] == "2026-06"
    (event,) = await layer.outbox()
    assert event.event_type == "SessionHeld" and event.payload["month"] == "2026-06"


async def test_a_batch_files_each_row_alone_and_a_foreign_row_refuses_it_all(layer, small_directory):
    ours = [m for m in small_directory.members if m.cell_id == small_directory.members[0].cell_id]
    commune = small_directory.unit_path(ours[0].cell_id)[1]
    committee = principal("dang-uy", "committee", commune)
    rows = [
        {"line": 2, "member_id": ours[0].member_id, "year": 2026},
        {"line": 3, "member_id": ours[1].member_id, "year": 2030},
        {"line": 4, "member_id": "khong-co", "year": 2026},
    ]
    answer = await layer.run(FileCommitments(items=rows), committee, at("2026-03-01T09:00:00+07:00"))
    assert [(r["line"], r["status"]) for r in answer.body["results"]] == [
        (2, "created"),
        (3, "rejected"),
        (4, "rejected"),
    ]
    assert "event_id" not in answer.body and len(await layer.outbox()) == 1
    stranger = next(m for m in small_directory.members if small_directory.unit_path(m.cell_id)[1] != commune)
    rows = [
        {"line": 2, "member_id": ours[2].member_id, "year": 2026},
        {"line": 3, "member_id": stranger.member_id, "year": 2026},
    ]
    with pytest.raises(Forbidden, match="line 3"):
        await layer.run(FileCommitments(items=rows), committee, at("2026-03-01T09:00:00+07:00"))
    assert await layer.count("commitments") == 1 and len(await layer.outbox()) == 1


async def test_a_thematic_session_names_a_topic_of_its_year_issued_above_its_cell(layer, small_directory):
    member = member_of(small_directory)
    path = small_directory.unit_path(member.cell_id)
    other_commune = next(u.unit_id for u in small_directory.units if u.level == "grassroots" and u.unit_id != path[1])
    clock = at("2026-06-20T09:00:00+07:00")
    province = principal("tinh-uy", "committee", "lc")
    issued = await layer.run(
        IssueTopic(topic_id="cd-2026-01", year=2026, title="Chuyên đề nêu gương năm 2026", issuing_unit_id="lc"),
        province,
        clock,
    )
    assert issued.status == 201 and issued.body["issuing_unit_id"] == "lc"
    (event,) = await layer.outbox()
    assert event.event_type == "ThematicTopicIssued" and event.payload["year"] == 2026 and event.unit_path == ["lc"]
    for topic_id, year, unit in (("cd-2025-01", 2025, "lc"), ("cd-xa-khac", 2026, other_commune)):
        await layer.run(
            IssueTopic(topic_id=topic_id, year=year, title="Chuyên đề", issuing_unit_id=unit), province, clock
        )
    with pytest.raises(Conflict) as again:
        await layer.run(
            IssueTopic(topic_id="cd-2026-01", year=2026, title="Khác", issuing_unit_id="lc"), province, clock
        )
    assert (
        again.value.field == "topic_id" and again.value.details["existing"]["title"] == "Chuyên đề nêu gương năm 2026"
    )
    with pytest.raises(Forbidden):  # a commune's committee issues for its own subtree only
        await layer.run(
            IssueTopic(topic_id="cd-tinh", year=2026, title="Chuyên đề", issuing_unit_id="lc"),
            principal("dang-uy", "committee", path[1]),
            clock,
        )
    with pytest.raises(CommandRejected) as cell:
        await layer.run(
            IssueTopic(topic_id="cd-chi-bo", year=2026, title="Chuyên đề", issuing_unit_id=member.cell_id),
            province,
            clock,
        )
    assert cell.value.field == "issuing_unit_id"
    secretary = principal("bi-thu", "cell_secretary", member.cell_id)

    def session(**changes):
        fields = dict(
            cell_id=member.cell_id, held_on="2026-06-15", month="2026-06", kind="thematic", topic_title="Chuyên đề"
        )
        return RecordSession(**{**fields, **changes})

    written = await layer.count("sessions")
    for changes, reason in (
        ({"topic_id": "cd-khong-co"}, "not in the catalogue"),
        ({"topic_id": "cd-2025-01"}, "of 2025"),
        ({"topic_id": "cd-xa-khac"}, "not a committee above"),
        ({"topic_id": "cd-2026-01", "kind": "regular"}, "only a thematic session"),
    ):
        with pytest.raises(CommandRejected) as refused:
            await layer.run(session(**changes), secretary, clock)
        assert refused.value.status == 422 and refused.value.field == "topic_id" and reason in refused.value.reason
    assert await layer.count("sessions") == written
    held = await layer.run(session(topic_id="cd-2026-01"), secretary, clock)
    assert held.status == 201 and held.body["topic_id"] == "cd-2026-01"
    assert (await layer.outbox())[-1].payload["topic_id"] == "cd-2026-01"
    without = await layer.run(session(held_on="2026-06-16"), secretary, clock)  # the topic stays optional
    assert without.status == 201 and (await layer.outbox())[-1].payload["topic_id"] is None


async def test_a_member_comes_with_the_unit_path_of_their_cell_in_one_lookup(layer, small_directory):
    member = member_of(small_directory, 5)
    async with layer.pool.acquire() as conn:
        found, path = await directory.find_member_and_path(conn, member.member_id)
        assert (found.member_id, found.cell_id, found.left_party) == (member.member_id, member.cell_id, False)
        assert path == small_directory.path_for(member) == await directory.unit_path(conn, member.cell_id)
        assert await directory.find_member_and_path(conn, "dv-khong-co") is None
        # A member who left is still found (the callers refuse them), and a cell the directory does not know
        # yet (its event on another partition, still to come) gives an empty path, as the walk alone does.
        await conn.execute(
            "UPDATE directory_members SET left_party = true, cell_id = 'chi-bo-chua-co' WHERE member_id = $1",
            member.member_id,
        )
        found, path = await directory.find_member_and_path(conn, member.member_id)
        assert (found.left_party, found.cell_id, path) == (True, "chi-bo-chua-co", [])

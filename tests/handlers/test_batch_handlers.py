"""The paper books' batch commands on PostgreSQL alone: each row stands or falls alone in its savepoint,
a rerun answers `exists` and stages nothing, the gate's refusals come back with its reasons, and a row
the token may not act on refuses the whole request."""

from datetime import date

import pytest

from neuguong.runtime.auth import Forbidden
from schemas import wrap
from schemas.inspections import InspectionConcluded, InspectionOpened, Target
from services.commitments.commands import RecordSessions
from services.honors.commands import RecordHonors, RevokeHonor
from services.honors.handlers import HANDLERS as HONOR_HANDLERS
from tests.handlers.layer import at, command_layer, principal

pytestmark = pytest.mark.handlers

JUNE = at("2026-06-15T09:00:00+07:00")


@pytest.fixture
async def commitments(small_directory):
    async for layer in command_layer("commitments", small_directory):
        yield layer


@pytest.fixture
async def honors(small_directory):
    async for layer in command_layer("honors", small_directory):
        yield layer


def cell_of(directory, index=0):
    cell = directory.members[index].cell_id
    return cell, [m.member_id for m in directory.members if m.cell_id == cell]


def statuses(answer):
    return [(r["line"], r["status"]) for r in answer.body["results"]]


def session(line, cell, held_on, kind="regular", **more):
    return {"line": line, "cell_id": cell, "held_on": held_on, "month": held_on[:7], "kind": kind,
            "topic_title": "Học tập tấm gương đạo đức Hồ Chí Minh", **more}  # fmt: skip


async def test_a_session_book_goes_in_once_and_a_rerun_answers_exists(commitments, small_directory):
    cell, members = cell_of(small_directory)
    other_cell, others = cell_of(small_directory, 4)
    secretary = principal("bi-thu", "cell_secretary", cell)
    rows = [
        session(2, cell, "2026-03-05", present=members[:2], absent=members[2:3]),
        session(3, cell, "2026-03-20", "thematic", praised=[{"member_id": members[0], "reason": "Gương mẫu"}]),
        session(4, cell, "2026-03-28"),  # a second regular session in March: the first stands
        session(5, cell, "2026-04-03", present=[others[0]]),  # a stranger listed as present
        session(6, cell, "2026-07-01"),  # in the future
    ]
    first = await commitments.run(RecordSessions(items=rows), secretary, JUNE)
    assert statuses(first) == [(2, "created"), (3, "created"), (4, "exists"), (5, "rejected"), (6, "rejected")]
    assert first.body["results"][3]["field"] == "present" and others[0] in first.body["results"][3]["reason"]
    assert first.body["results"][2]["session_id"] == first.body["results"][0]["session_id"]
    staged = await commitments.outbox()
    assert [e.event_type for e in staged] == ["SessionHeld", "SessionHeld"]

    again = await commitments.run(RecordSessions(items=rows), secretary, JUNE)
    assert statuses(again) == [(2, "exists"), (3, "exists"), (4, "exists"), (5, "rejected"), (6, "rejected")]
    assert again.body["results"][1]["session_id"] == first.body["results"][1]["session_id"]
    assert await commitments.count("sessions") == 2 and len(await commitments.outbox()) == 2

    foreign = [session(2, cell, "2026-05-05"), session(3, other_cell, "2026-05-05")]
    with pytest.raises(Forbidden, match="line 3"):
        await commitments.run(RecordSessions(items=foreign), secretary, JUNE)
    assert await commitments.count("sessions") == 2 and len(await commitments.outbox()) == 2


def honor(line, member_id, period="2026-05", **more):
    return {"line": line, "subject": {"kind": "member", "id": member_id}, "period": period,
            "deed": "Vận động bà con hiến đất làm đường", "proposed_by": "Chi ủy", "approved_by": "Chi bộ",
            **more}  # fmt: skip


async def violation(layer, member_id, path):
    target = Target(kind="member", id=member_id)
    common = dict(target=target, inspection_id="kt-1", kind="inspection", period="2025")
    for event in (
        InspectionOpened(**common, topic_title="Kiểm tra", committee_unit_id=path[1], opened_on=date(2026, 5, 4)),
        InspectionConcluded(**common, conclusion="violation", summary="Vi phạm", concluded_on=date(2026, 6, 1)),
    ):
        envelope = wrap(event, producer="inspections", actor="ubkt", unit_path=path, correlation_id="finding")
        async with layer.pool.acquire() as conn, conn.transaction():
            await HONOR_HANDLERS[event.event_type](conn, event, envelope)


async def test_an_honor_roll_goes_in_once_with_the_gates_refusals_named(honors, small_directory):
    cell, members = cell_of(small_directory)
    path = small_directory.unit_path(cell)
    await violation(honors, members[1], path)
    secretary = principal("bi-thu", "cell_secretary", cell)
    rows = [honor(2, members[0]), honor(3, members[1]), honor(4, members[2], "2026-H1"), honor(5, members[3])]
    first = await honors.run(RecordHonors(items=rows), secretary, JUNE)
    assert statuses(first) == [(2, "created"), (3, "rejected"), (4, "rejected"), (5, "created")]
    refused = first.body["results"][1]
    assert refused["field"] == "subject" and [r["code"] for r in refused["reasons"]] == ["violation"]
    assert first.body["results"][2]["field"] == "period"
    assert [e.event_type for e in await honors.outbox()] == ["HonorRecorded", "HonorRecorded"]

    operator = principal("van-hanh", "operator", "lc")
    revoked = first.body["results"][0]["honor_id"]
    await honors.run(RevokeHonor(honor_id=revoked, reason="Ghi nhầm"), operator, JUNE)
    again = await honors.run(RecordHonors(items=rows), secretary, JUNE)
    assert statuses(again) == [(2, "exists"), (3, "rejected"), (4, "rejected"), (5, "exists")]
    assert again.body["results"][0] == {"line": 2, "status": "exists", "honor_id": revoked, "revoked": True}
    assert await honors.count("honors") == 2 and len(await honors.outbox()) == 3  # two honors, one revocation

    other_cell = cell_of(small_directory, 4)[0]
    foreign = [honor(2, members[2]), honor(3, members[2], recording_unit_id=other_cell)]
    with pytest.raises(Forbidden, match="line 3"):
        await honors.run(RecordHonors(items=foreign), secretary, JUNE)
    assert await honors.count("honors") == 2

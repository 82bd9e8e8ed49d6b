"""services/inspections' command handlers on PostgreSQL alone: what each writes and stages, refusals that
write nothing, and the default dates (today in Asia/Ho_Chi_Minh, from the clock passed in) at their edges."""

import pytest

from neuguong.runtime import directory
from neuguong.runtime.auth import Forbidden
from neuguong.runtime.errors import CommandRejected, Conflict, NotFound, NotYetKnown
from schemas import wrap
from services.inspections.commands import ConcludeInspection, ImposeDiscipline, OpenInspection
from tests.handlers.layer import at, command_layer, principal

pytestmark = pytest.mark.handlers

JUNE = at("2026-06-15T09:00:00+07:00")


@pytest.fixture
async def layer(small_directory):
    async for layer in command_layer("inspections", small_directory):
        yield layer


@pytest.fixture
def people(small_directory):
    """A member, their commune, a member of another commune, and the inspectors who act on them."""
    member = small_directory.members[0]
    commune = small_directory.unit_path(member.cell_id)[1]
    stranger = next(m for m in small_directory.members if small_directory.unit_path(m.cell_id)[1] != commune)
    return {
        "member": member,
        "commune": commune,
        "stranger": stranger,
        "commune_inspector": principal("ubkt-xa", "inspector", commune),
        "province_inspector": principal("ubkt-tinh", "inspector", "lc"),
    }


def opening(target_id, kind="member", **changes):
    return OpenInspection.model_validate(
        {
            "kind": "inspection",
            "target": {"kind": kind, "id": target_id},
            "period": "2026-Q2",
            "topic_title": "Kiểm tra việc thực hiện cam kết nêu gương",
            **changes,
        }
    )


def conclusion(inspection_id, **changes):
    return ConcludeInspection.model_validate(
        {
            "inspection_id": inspection_id,
            "conclusion": "violation",
            "summary": "Vi phạm quy định về những điều đảng viên không được làm",
            **changes,
        }
    )


def discipline(target_id, **changes):
    return ImposeDiscipline.model_validate(
        {
            "target": {"kind": "member", "id": target_id},
            "measure": "warning",
            "reason": "Vi phạm quy định nêu gương",
            **changes,
        }
    )


async def written(layer):
    """How many inspections, disciplines and staged events there are."""
    return await layer.count("inspections"), await layer.count("disciplines"), await layer.count("outbox")


async def test_opening_writes_the_inspection_and_stages_its_event_with_the_target_path(layer, small_directory, people):
    member = people["member"]
    answer = await layer.run(opening(member.member_id), people["commune_inspector"], JUNE)
    assert answer.status == 201 and answer.body["status"] == "open"
    assert answer.body["committee_unit_id"] == people["commune"] and answer.body["opened_on"] == "2026-06-15"
    (event,) = await layer.outbox()
    assert event.event_type == "InspectionOpened" and answer.body["event_id"] == str(event.event_id)
    assert event.unit_path == small_directory.unit_path(member.cell_id) and event.actor == "ubkt-xa"
    assert event.payload["inspection_id"] == answer.body["inspection_id"]
    assert event.payload["target"] == {"kind": "member", "id": member.member_id}
    row = await layer.pool.fetchrow("SELECT * FROM inspections")
    assert row["opened_on"].isoformat() == "2026-06-15" and row["opened_by"] == "ubkt-xa"
    assert list(row["unit_path"]) == event.unit_path and str(row["period_start"]) == "2026-04-01"


@pytest.mark.parametrize(
    "period, eve, first_day",
    [
        ("2026-07", "2026-06-30T23:30:00+07:00", "2026-07-01T00:30:00+07:00"),
        ("2026-Q3", "2026-06-30T23:30:00+07:00", "2026-07-01T00:30:00+07:00"),
        ("2026-H2", "2026-06-30T23:30:00+07:00", "2026-07-01T00:30:00+07:00"),
        ("2027", "2026-12-31T23:30:00+07:00", "2027-01-01T00:30:00+07:00"),
    ],
)
async def test_a_period_opens_for_inspection_at_midnight_in_viet_nam(layer, people, period, eve, first_day):
    target = people["member"].member_id
    with pytest.raises(CommandRejected) as refused:
        await layer.run(opening(target, period=period), people["commune_inspector"], at(eve))
    assert refused.value.field == "period" and "has not begun" in refused.value.reason
    assert await written(layer) == (0, 0, 0)
    answer = await layer.run(opening(target, period=period), people["commune_inspector"], at(first_day))
    assert answer.body["opened_on"] == first_day[:10]  # the UTC date is still the day before


async def test_an_opening_dated_tomorrow_in_viet_nam_is_refused(layer, people):
    command = opening(people["member"].member_id, opened_on="2026-07-01")
    with pytest.raises(CommandRejected) as refused:
        await layer.run(command, people["commune_inspector"], at("2026-06-30T23:59:00+07:00"))
    assert refused.value.field == "opened_on" and "future" in refused.value.reason
    assert await written(layer) == (0, 0, 0)


async def test_refused_openings_write_nothing(layer, small_directory, people):
    member, inspector = people["member"], people["commune_inspector"]
    cases = [
        (opening(people["stranger"].member_id), inspector, Forbidden, "unit"),
        (opening(member.member_id), principal("bi-thu", "cell_secretary", member.cell_id), Forbidden, "role"),
        (opening(member.member_id), principal(member.member_id, "member", member.cell_id), Forbidden, "role"),
        (opening(member.member_id, committee_unit_id="lc"), inspector, CommandRejected, "committee_unit_id"),
        (opening("lc-x99999-c01-m001"), inspector, CommandRejected, "target.id"),
    ]
    for command, actor, error, field in cases:
        with pytest.raises(error) as refused:
            await layer.run(command, actor, JUNE)
        assert str(refused.value).startswith(f"{field}:"), refused.value
    assert await written(layer) == (0, 0, 0)


async def inspections(layer):
    return [dict(row) for row in await layer.pool.fetch("SELECT * FROM inspections ORDER BY inspection_id")]


async def opened(layer, people, clock=JUNE, inspector="commune_inspector", **changes):
    answer = await layer.run(opening(people["member"].member_id, **changes), people[inspector], clock)
    return answer.body["inspection_id"]


async def test_concluding_writes_the_conclusion_and_stages_its_event(layer, small_directory, people):
    inspection_id = await opened(layer, people)
    answer = await layer.run(
        conclusion(inspection_id, recommendations=["Kiểm điểm trước chi bộ"]),
        people["commune_inspector"],
        at("2026-06-20T10:00:00+07:00"),
    )
    assert answer.status == 201 and answer.body["status"] == "concluded"
    assert answer.body["conclusion"] == "violation" and answer.body["concluded_on"] == "2026-06-20"
    _, event = await layer.outbox()
    assert event.event_type == "InspectionConcluded" and answer.body["event_id"] == str(event.event_id)
    assert event.unit_path == small_directory.unit_path(people["member"].cell_id)
    assert event.payload["recommendations"] == ["Kiểm điểm trước chi bộ"] and event.payload["kind"] == "inspection"
    row = await layer.pool.fetchrow("SELECT conclusion, concluded_on, concluded_by FROM inspections")
    assert (row["conclusion"], str(row["concluded_on"]), row["concluded_by"]) == ("violation", "2026-06-20", "ubkt-xa")


async def test_a_conclusion_late_on_new_years_eve_is_dated_that_day(layer, people):
    december = at("2026-12-01T09:00:00+07:00")
    late, early = await opened(layer, people, december), await opened(layer, people, december)
    eve = at("2026-12-31T23:30:00+07:00")
    with pytest.raises(CommandRejected) as refused:
        await layer.run(conclusion(late, concluded_on="2027-01-01"), people["commune_inspector"], eve)
    assert refused.value.field == "concluded_on" and "future" in refused.value.reason
    answer = await layer.run(conclusion(late), people["commune_inspector"], eve)
    assert answer.body["concluded_on"] == "2026-12-31"
    answer = await layer.run(conclusion(early), people["commune_inspector"], at("2027-01-01T00:30:00+07:00"))
    assert answer.body["concluded_on"] == "2027-01-01"  # 31 December, 17:30 in UTC
    events = [e for e in await layer.outbox() if e.event_type == "InspectionConcluded"]
    assert [e.payload["concluded_on"] for e in events] == ["2026-12-31", "2027-01-01"]


async def test_refused_conclusions_write_nothing(layer, small_directory, people):
    by_province = await opened(layer, people, inspector="province_inspector")
    concluded = await opened(layer, people)
    await layer.run(conclusion(concluded, conclusion="compliant"), people["commune_inspector"], JUNE)
    before = await written(layer), await inspections(layer)
    with pytest.raises(Forbidden, match="only lc or a committee above it"):
        await layer.run(conclusion(by_province), people["commune_inspector"], JUNE)
    with pytest.raises(Conflict) as again:
        await layer.run(conclusion(concluded), people["commune_inspector"], JUNE)
    assert again.value.details["existing"]["conclusion"] == "compliant"
    with pytest.raises(NotFound):
        await layer.run(conclusion("kt-khong-co"), people["commune_inspector"], JUNE)
    with pytest.raises(CommandRejected) as early:
        await layer.run(conclusion(by_province, concluded_on="2026-06-14"), people["province_inspector"], JUNE)
    assert early.value.field == "concluded_on" and "before the inspection was opened" in early.value.reason
    assert (await written(layer), await inspections(layer)) == before


async def test_a_discipline_on_a_violation_writes_and_stages_its_event(layer, small_directory, people):
    member = people["member"]
    inspection_id = await opened(layer, people)
    await layer.run(conclusion(inspection_id), people["commune_inspector"], JUNE)
    answer = await layer.run(
        discipline(member.member_id, inspection_id=inspection_id),
        people["commune_inspector"],
        at("2026-06-16T08:00:00+07:00"),
    )
    assert answer.status == 201 and answer.body["decided_on"] == "2026-06-16"
    assert answer.body["decided_by_unit"] == people["commune"] and answer.body["inspection_id"] == inspection_id
    *_, event = await layer.outbox()
    assert event.event_type == "DisciplineImposed" and answer.body["event_id"] == str(event.event_id)
    assert event.unit_path == small_directory.unit_path(member.cell_id)
    assert event.payload["measure"] == "warning" and event.payload["decided_on"] == "2026-06-16"
    assert await layer.count("disciplines") == 1


async def test_a_discipline_decided_on_the_first_of_a_month_in_viet_nam(layer, people):
    target = people["member"].member_id
    with pytest.raises(CommandRejected) as refused:
        await layer.run(
            discipline(target, decided_on="2026-07-01"), people["commune_inspector"], at("2026-06-30T23:59:00+07:00")
        )
    assert refused.value.field == "decided_on" and "future" in refused.value.reason
    assert await written(layer) == (0, 0, 0)
    answer = await layer.run(discipline(target), people["commune_inspector"], at("2026-07-01T00:01:00+07:00"))
    assert answer.body["decided_on"] == "2026-07-01"  # 30 June, 17:01 in UTC


async def test_refused_disciplines_write_nothing(layer, small_directory, people):
    member, inspector = people["member"], people["commune_inspector"]
    compliant = await opened(layer, people)
    await layer.run(conclusion(compliant, conclusion="compliant"), inspector, JUNE)
    violation = await opened(layer, people)
    await layer.run(conclusion(violation), inspector, JUNE)
    before = await written(layer)
    cases = [
        (discipline(people["stranger"].member_id), Forbidden, "unit"),
        (
            discipline(member.cell_id, target={"kind": "unit", "id": member.cell_id}, measure="expulsion"),
            CommandRejected,
            "measure",
        ),
        (discipline(member.member_id, inspection_id=compliant), CommandRejected, "inspection_id"),
        (discipline(member.member_id, inspection_id=violation, decided_on="2026-06-14"), CommandRejected, "decided_on"),
        (discipline(member.member_id, decided_by_unit="lc"), CommandRejected, "committee_unit_id"),
    ]
    for command, error, field in cases:
        with pytest.raises(error) as refused:
            await layer.run(command, inspector, JUNE)
        assert str(refused.value).startswith(f"{field}:"), refused.value
    assert await written(layer) == before


async def test_a_committee_above_waits_for_the_directory_instead_of_being_refused(layer, small_directory, people):
    """The commune moved under a district this service has not heard of yet: the province's inspectors get a 503
    to try again (a 403 it does not owe until then); a body of the commune's level or below its 403 at once;
    the commune's own inspectors conclude."""
    first, second = await opened(layer, people), await opened(layer, people)
    commune = next(u for u in small_directory.units if u.unit_id == people["commune"])
    moved = commune.model_copy(update={"parent_id": "lc-huyen-moi"})
    async with layer.pool.acquire() as conn, conn.transaction():
        envelope = wrap(moved, producer="test", actor="test", unit_path=[], correlation_id="directory")
        await directory.HANDLERS[moved.event_type](conn, moved, envelope)
    before = await written(layer)
    with pytest.raises(NotYetKnown) as waiting:
        await layer.run(conclusion(first), people["province_inspector"], JUNE)
    assert waiting.value.field == "inspection_id" and await written(layer) == before
    neighbours = principal("ubkt-xa-khac", "inspector", small_directory.unit_path(people["stranger"].cell_id)[1])
    own_cell = principal("ubkt-chi-bo", "inspector", people["member"].cell_id)
    for never in (neighbours, own_cell):
        with pytest.raises(Forbidden, match="or a committee above it"):
            await layer.run(conclusion(first), never, JUNE)
    assert await written(layer) == before
    answer = await layer.run(conclusion(second), people["commune_inspector"], JUNE)
    assert answer.body["conclusion"] == "violation"

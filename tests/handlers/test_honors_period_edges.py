"""services/honors' date rules at their edges, with the clock passed in: a period opens at midnight in
Việt Nam (UTC+7), not in UTC, for the month, half-year and year rolls (rule 5); and a district-level roll
takes no period that begins on or after 2025-07-01, when the district level ceased."""

from datetime import date

import pytest

from neuguong.runtime.errors import CommandRejected
from ops.directory.demo import DemoDirectory
from schemas import MemberRegistered, OrgUnitRegistered
from services.honors import store
from services.honors.commands import ApproveNomination, NominateHonor, RecordHonor
from tests.handlers.layer import at, command_layer, principal

pytestmark = pytest.mark.handlers

CONTENT = {"deed": "Giúp đỡ 12 hộ nghèo thoát nghèo bền vững", "proposed_by": "Đảng ủy xã"}


def record(subject_id, period, kind="member"):
    return RecordHonor(subject={"kind": kind, "id": subject_id}, period=period, approved_by="Ban Thường vụ", **CONTENT)


def nominate(subject_id, period):
    return NominateHonor(subject={"kind": "member", "id": subject_id}, period=period, **CONTENT)


@pytest.fixture
async def layer(small_directory):
    async for layer in command_layer("honors", small_directory):
        yield layer


@pytest.mark.parametrize(
    "level, period, eve, first_moment",
    [
        ("cell", "2026-12", "2026-11-30T23:59:59+07:00", "2026-12-01T00:00:00+07:00"),
        ("grassroots", "2026-H2", "2026-06-30T23:59:59+07:00", "2026-07-01T00:00:00+07:00"),
        ("province", "2027", "2026-12-31T23:59:59+07:00", "2027-01-01T00:00:00+07:00"),
    ],
)
async def test_a_period_opens_at_midnight_in_viet_nam(layer, small_directory, level, period, eve, first_moment):
    member = small_directory.members[0]
    unit = {"cell": member.cell_id, "grassroots": small_directory.unit_path(member.cell_id)[1], "province": "lc"}
    who = principal("ghi-danh", "cell_secretary" if level == "cell" else "committee", unit[level])
    with pytest.raises(CommandRejected) as early:
        await layer.run(record(member.member_id, period), who, at(eve))
    assert (early.value.field, early.value.reason) == ("period", f"{period} has not begun yet")
    assert await layer.count("honors") == 0 and await layer.count("outbox") == 0
    answer = await layer.run(record(member.member_id, period), who, at(first_moment))  # still the eve in UTC
    assert answer.status == 201 and answer.body["level"] == level and answer.body["period"] == period


@pytest.mark.parametrize(
    "level, period, allowed",
    [
        ("cell", "2026", ["month"]),
        ("grassroots", "2026-12", ["half-year", "year"]),
        ("grassroots", "2026-Q4", ["half-year", "year"]),
        ("province", "2026-H2", ["year"]),
    ],
)
async def test_a_period_the_roll_does_not_keep_names_the_kinds_it_does(layer, small_directory, level, period, allowed):
    member = small_directory.members[0]
    unit = {"cell": member.cell_id, "grassroots": small_directory.unit_path(member.cell_id)[1], "province": "lc"}
    who = principal("ghi-danh", "cell_secretary" if level == "cell" else "committee", unit[level])
    with pytest.raises(CommandRejected) as refused:
        await layer.run(record(member.member_id, period), who, at("2026-12-31T09:00:00+07:00"))
    assert refused.value.field == "period" and refused.value.details["allowed_period_kinds"] == allowed
    assert await layer.count("honors") == 0 and await layer.count("outbox") == 0


async def test_a_subjects_honors_come_latest_ending_first_and_of_those_the_longer_first(layer, small_directory):
    member = small_directory.members[0]
    path = small_directory.unit_path(member.cell_id)
    new_year_eve = at("2026-12-31T20:00:00+07:00")
    for who, period in [
        ("cell_secretary", "2026-11"),
        ("cell_secretary", "2026-12"),
        ("committee", "2026-H2"),
        ("committee", "2026"),
    ]:
        unit = member.cell_id if who == "cell_secretary" else path[1]
        await layer.run(record(member.member_id, period), principal("ghi-danh", who, unit), new_year_eve)
    async with layer.pool.acquire() as conn:
        rows = await store.select_subject_honors(conn, member.member_id)
    assert [r["period"] for r in rows] == ["2026", "2026-H2", "2026-12", "2026-11"]


@pytest.fixture
async def before_the_reform():
    """A province as it stood before 2025-07-01: a district committee between the province and a commune."""
    units = (
        OrgUnitRegistered(unit_id="lc", name="Đảng bộ tỉnh Lào Cai", level="province"),
        OrgUnitRegistered(unit_id="lc-bt", name="Đảng bộ huyện Bảo Thắng", level="district", parent_id="lc"),
        OrgUnitRegistered(unit_id="lc-bt-pn", name="Đảng bộ xã Phong Niên", level="grassroots", parent_id="lc-bt"),
        OrgUnitRegistered(
            unit_id="lc-bt-pn-c01", name="Chi bộ thôn Cốc Sâm", level="cell", parent_id="lc-bt-pn", cell_kind="rural"
        ),
    )
    members = (
        MemberRegistered(
            member_id="dv-0001", full_name="Nguyễn Thị Hoà", cell_id="lc-bt-pn-c01", admitted_on=date(2010, 5, 19)
        ),
    )
    async for layer in command_layer("honors", DemoDirectory(units=units, members=members)):
        yield layer


DISTRICT = principal("huyen-uy", "committee", "lc-bt")
COMMUNE = principal("dang-uy-xa", "committee", "lc-bt-pn")
AFTER = at("2025-09-15T09:00:00+07:00")


async def test_a_district_roll_takes_no_period_beginning_on_or_after_2025_07_01(before_the_reform):
    layer = before_the_reform
    for period in ("2025-H2", "2026"):
        with pytest.raises(CommandRejected) as refused:
            await layer.run(record("dv-0001", period), DISTRICT, at("2026-09-15T09:00:00+07:00"))
        assert refused.value.field == "period" and "2025-07-01" in refused.value.reason
        assert "district level ceased" in refused.value.reason
    assert await layer.count("honors") == 0 and await layer.count("outbox") == 0
    for period in ("2025-H1", "2025"):  # began before the edge: still the district's own to record
        answer = await layer.run(record("dv-0001", period), DISTRICT, AFTER)
        assert answer.body["level"] == "district" and answer.body["period"] == period
    collective = await layer.run(record("lc-bt-pn", "2025-H1", "unit"), DISTRICT, AFTER)
    assert collective.body["level"] == "district"


async def test_a_nomination_to_a_district_takes_the_same_edge(before_the_reform):
    layer = before_the_reform
    with pytest.raises(CommandRejected) as refused:
        await layer.run(nominate("dv-0001", "2025-H2"), COMMUNE, AFTER)
    assert refused.value.field == "period" and "2025-07-01" in refused.value.reason
    assert await layer.count("nominations") == 0 and await layer.count("outbox") == 0
    nominated = await layer.run(nominate("dv-0001", "2025-H1"), COMMUNE, AFTER)
    assert nominated.body["recording_unit_id"] == "lc-bt" and nominated.body["level"] == "district"
    # A nomination left pending across the edge (written here by hand: the command now refuses it)
    # is not approved onto the district roll either.
    late = await layer.run(nominate("dv-0001", "2025"), COMMUNE, AFTER)
    await layer.pool.execute(
        "UPDATE nominations SET period = '2025-H2' WHERE nomination_id = $1", late.body["nomination_id"]
    )
    with pytest.raises(CommandRejected) as approval:
        await layer.run(
            ApproveNomination(nomination_id=late.body["nomination_id"], approved_by="Huyện ủy"), DISTRICT, AFTER
        )
    assert approval.value.field == "period" and "2025-07-01" in approval.value.reason
    approved = await layer.run(
        ApproveNomination(nomination_id=nominated.body["nomination_id"], approved_by="Ban Thường vụ Huyện ủy"),
        DISTRICT,
        AFTER,
    )
    assert approved.body["level"] == "district" and approved.body["period"] == "2025-H1"
    assert await layer.count("honors") == 1

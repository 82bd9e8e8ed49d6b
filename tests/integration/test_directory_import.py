"""Acceptance of issue 11: a province's directory from its own XLSX files, then a second version with a
move, a rename, a departure and a merge; every service's local directory and the projections' current
structure follow, a rerun publishes nothing, and a workbook with bad rows lists exactly them and sends nothing."""

import contextlib
import unicodedata
from datetime import date

import pytest
from aiokafka import AIOKafkaConsumer

from neuguong.runtime.kafka import client_options
from neuguong.runtime.topics import topic_partitions
from ops.directory.demo import build_demo_directory
from ops.directory.update import update_directory
from schemas.topics import DIRECTORY_MEMBERS, DIRECTORY_UNITS
from services import NAMES as SERVICES
from tests.integration.harness import eventually
from tests.workbooks import write_members, write_units

TODAY = date(2026, 6, 15)


@pytest.fixture(scope="module")
def province():
    """2 communes, 10 cells, 300 members."""
    tree = build_demo_directory(communes=2, cells_per_commune=(5, 5), members_per_cell=(30, 30))
    assert (len(tree.units), len(tree.members)) == (13, 300)
    return tree


@pytest.fixture
async def services(system):
    async with contextlib.AsyncExitStack() as stack:
        yield {name: await stack.enter_async_context(system.service(name)) for name in SERVICES}


def second_version(tree):
    """Commune B merged into commune A (its cells moved under A), a cell renamed, a member moved to another
    cell, a member transferred out."""
    a, b = [u for u in tree.units if u.level == "grassroots"]
    a_cells = [u for u in tree.units if u.parent_id == a.unit_id]
    since = {"effective_on": date(2026, 6, 1)}
    units = [
        tree.units[0],
        a,
        b.model_copy(update={"merged_into": a.unit_id, "dissolved": True, **since}),
        a_cells[0],
        a_cells[1],
        a_cells[2].model_copy(update={"name": "Chi bộ tổ dân phố số 2 mới", **since}),
        *a_cells[3:],
        *[u.model_copy(update={"parent_id": a.unit_id, **since}) for u in tree.units if u.parent_id == b.unit_id],
    ]
    mover, leaver = [m for m in tree.members if m.cell_id == a_cells[1].unit_id and not m.is_head][:2]
    members = {m.member_id: m for m in tree.members}
    members[mover.member_id] = mover.model_copy(update={"cell_id": a_cells[3].unit_id})
    members[leaver.member_id] = leaver.model_copy(
        update={"left": True, "left_reason": "transferred", "left_on": date(2026, 6, 10)}
    )
    return a, b, a_cells[2], units, list(members.values()), mover, leaver


async def records(system) -> int:
    """Records ever written to the directory topics (end offsets; 0 when the topics do not exist)."""
    settings = system.settings()
    partitions = await topic_partitions(
        settings, [settings.topic(t.name) for t in (DIRECTORY_UNITS, DIRECTORY_MEMBERS)]
    )
    if not partitions:
        return 0
    consumer = AIOKafkaConsumer(**client_options(settings))
    await consumer.start()
    try:
        return sum((await consumer.end_offsets(partitions)).values())
    finally:
        await consumer.stop()


async def directory_holds(service, units: int, members: int, query: str = "true") -> bool:
    row = await service.runtime.pool.fetchrow(
        f"SELECT (SELECT count(*) FROM directory_units), (SELECT count(*) FROM directory_members), ({query})"
    )
    return tuple(row) == (units, members, True)


async def without_commitment(system, projections, unit_id):
    reply = await projections.client.get(
        f"/units/{unit_id}/compliance/members-without-commitment",
        params={"year": 2026, "limit": 1000},
        headers=system.token("tinh-uy", "committee", "lc"),
    )
    assert reply.status_code == 200, reply.text
    return {item["member_id"] for item in reply.json()["items"]}


async def test_a_province_loads_its_directory_then_a_second_version_of_it(system, services, province, tmp_path):
    settings = system.settings()
    units, members = tmp_path / "to-chuc-dang.xlsx", tmp_path / "dang-vien.xlsx"
    write_units(units, province.units)
    write_members(members, province.members)
    first = await update_directory(settings, units, members, today=TODAY)
    assert first.errors == [] and first.published == 313
    for service in services.values():
        await eventually(lambda s=service: directory_holds(s, 13, 300), timeout=60)
    rerun = await update_directory(settings, units, members, today=TODAY)
    assert rerun.errors == [] and rerun.published == 0 and rerun.changes.events == []

    a, b, renamed, units_v2, members_v2, mover, leaver = second_version(province)
    moved_to = next(m.cell_id for m in members_v2 if m.member_id == mover.member_id)
    projections = services["projections"]
    before = await without_commitment(system, projections, a.unit_id) | await without_commitment(
        system, projections, b.unit_id
    )
    write_units(units, units_v2)
    write_members(members, members_v2)
    sent_before = await records(system)
    preview = await update_directory(settings, units, members, today=TODAY, dry_run=True)
    counts = {category: len(lines) for category, lines in preview.changes.lines.items() if lines}
    assert counts == {"renamed": 1, "moved": 6, "left": 1, "reorganised": 1}  # 5 cells and a member moved
    assert preview.published == 0 and await records(system) == sent_before

    second = await update_directory(settings, units, members, today=TODAY)
    assert second.errors == [] and second.published == 9  # 7 units, 2 members
    b_cells = [u.unit_id for u in province.units if u.parent_id == b.unit_id]
    followed = (
        f"(SELECT dissolved AND merged_into = '{a.unit_id}' FROM directory_units WHERE unit_id = '{b.unit_id}')"
        f" AND (SELECT bool_and(parent_id = '{a.unit_id}') FROM directory_units WHERE unit_id = ANY(ARRAY{b_cells}))"
        f" AND (SELECT name = 'Chi bộ tổ dân phố số 2 mới' FROM directory_units WHERE unit_id = '{renamed.unit_id}')"
        f" AND (SELECT cell_id FROM directory_members WHERE member_id = '{mover.member_id}')"
        f" = '{moved_to}'"
        f" AND (SELECT left_party FROM directory_members WHERE member_id = '{leaver.member_id}')"
    )
    for service in services.values():
        await eventually(lambda s=service: directory_holds(s, 13, 300, followed), timeout=60)

    now = await projections.client.get(
        f"/units/{a.unit_id}/figures",
        params={"period": "2026", "structure": "current"},
        headers=system.token("tinh-uy", "committee", "lc"),
    )
    assert set(now.json()["merged_units"]) == {a.unit_id, b.unit_id}
    children = {c["unit_id"]: c["name"] for c in now.json()["children"]}
    assert set(children) == {u.unit_id for u in units_v2 if u.level == "cell"}
    assert children[renamed.unit_id] == "Chi bộ tổ dân phố số 2 mới"
    assert await without_commitment(system, projections, a.unit_id) == before - {leaver.member_id}
    assert await without_commitment(system, projections, b.unit_id) == set()

    again = await update_directory(settings, units, members, today=TODAY)
    assert again.published == 0 and await records(system) == sent_before + 9


async def test_the_bad_row_workbook_lists_exactly_its_bad_rows_and_sends_nothing(system, province, tmp_path):
    settings = system.settings()
    units, members = tmp_path / "to-chuc-dang.xlsx", tmp_path / "dang-vien.csv"
    cell = province.units[2].unit_id
    write_units(
        units,
        province.units,
        [
            ["lc-x9-c01", "Chi bộ thôn Mới", "Chi bộ", "lc-x9", "Nông thôn"],  # row 15: unknown parent
            ["lc-x-c99", "Chi bộ thôn Hạ", "Chi bộ", province.units[1].unit_id],  # row 16: a cell without a kind
        ],
    )
    write_members(
        members,
        province.members,
        [
            ["m-xa", "Lò Văn Xa", province.units[1].unit_id, "01/01/2000"],  # row 302: a member in a commune
            [province.members[5].member_id, "Người Trùng Mã", cell, "01/01/2000"],  # row 303: a duplicate code
            ["m-nfd", unicodedata.normalize("NFD", "Vàng Thị Mỷ"), cell, "01/01/2000"],  # row 304: decomposed
            ["m-moi", "Hầu A Mới", cell, "20/06/2026"],  # row 305: admitted in the future
        ],
    )
    update = await update_directory(settings, units, members, today=TODAY)
    assert [(e.file, e.row, e.column) for e in update.errors] == [
        ("to-chuc-dang.xlsx", 15, "Tổ chức cấp trên"),
        ("to-chuc-dang.xlsx", 16, "Loại chi bộ"),
        ("dang-vien.csv", 302, "Chi bộ"),
        ("dang-vien.csv", 303, "Mã đảng viên"),
        ("dang-vien.csv", 304, "Họ và tên"),
        ("dang-vien.csv", 305, "Ngày vào Đảng"),
    ]
    assert update.published == 0
    assert await records(system) == 0

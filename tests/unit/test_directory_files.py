"""The province's own directory files: every bad row found with its row number and reason, the difference
against the directory as it stands, merges and dissolutions, and reruns that change nothing."""

import unicodedata
from datetime import date

import pytest

from ops.directory.current import Directory
from ops.directory.demo import build_demo_directory
from ops.directory.files import read_members, read_units
from ops.directory.report import update_lines
from ops.directory.update import plan_update
from schemas import MemberRegistered, OrgUnitRegistered
from tests.workbooks import MEMBER_HEADER, UNIT_HEADER, member_row, unit_row, write, write_members, write_units

TODAY = date(2026, 6, 15)


@pytest.fixture(scope="module")
def tree():
    return build_demo_directory(communes=2, cells_per_commune=(3, 3), members_per_cell=(4, 4))


def plan(tmp_path, units, members=None, current=None, *, complete=False, nfc=False):
    unit_sheet = read_units(units, TODAY, nfc=nfc)
    member_sheet = read_members(members, TODAY, nfc=nfc) if members else None
    update, _ = plan_update(unit_sheet, member_sheet, current or Directory(), complete=complete)
    return update


def as_current(tree) -> Directory:
    return Directory({u.unit_id: u for u in tree.units}, {m.member_id: m for m in tree.members})


def applied(current: Directory, update) -> Directory:
    """The directory once the update's events were published and read back."""
    units = {**current.units, **{u.unit_id: u for u in update.changes.units}}
    return Directory(units, {**current.members, **{m.member_id: m for m in update.changes.members}})


def where(update) -> list[tuple[str, int, str]]:
    return [(e.file, e.row, e.column) for e in update.errors]


def test_a_first_import_is_all_new_with_parents_before_children(tmp_path, tree):
    update = plan(
        tmp_path,
        write_units(tmp_path / "units.xlsx", tree.units),
        write_members(tmp_path / "members.csv", tree.members),
    )
    assert update.errors == []
    assert len(update.changes.lines["new"]) == len(tree.units) + len(tree.members)
    levels = [u.level for u in update.changes.units]
    assert levels == sorted(levels, key=["province", "grassroots", "cell"].index)
    imported = {m.member_id: m for m in update.changes.members}
    assert all(imported[m.member_id] == m for m in tree.members)  # status, leaders, heads, dates read back
    units = {u.unit_id: u for u in update.changes.units}
    assert all(units[u.unit_id] == u.model_copy(update={"admin_codes": []}) for u in tree.units)


def test_a_rerun_changes_nothing_and_absent_columns_keep_what_was_known(tmp_path, tree):
    units = write_units(tmp_path / "units.xlsx", tree.units)  # no admin-code columns: the demo's codes stay
    members = write_members(tmp_path / "members.xlsx", tree.members)
    update = plan(tmp_path, units, members, as_current(tree))
    assert update.errors == [] and update.changes.events == [] and update.absent == []


BAD_UNITS = [  # (row, column, reason fragment); the good rows come first, so these start after them
    (["lc-x9-c01", "Chi bộ thôn Mới", "Chi bộ", "lc-x9", "Nông thôn", None], "Tổ chức cấp trên", "không có tổ chức"),
    (["lc-vong-a", "Đảng bộ A", "Cơ sở", "lc-vong-b", None, None], "Tổ chức cấp trên", "vòng lặp"),
    (["lc-vong-b", "Đảng bộ B", "Cơ sở", "lc-vong-a", None, None], "Tổ chức cấp trên", "vòng lặp"),
    (["lc-x-c99", "Chi bộ không loại", "Chi bộ", "lc", None, None], "Loại chi bộ", "phải ghi loại chi bộ"),
    (["lc", "Đảng bộ tỉnh trùng", "Tỉnh", None, None, None], "Mã tổ chức", "mã trùng với dòng 2"),
    (
        ["lc-x-tuonglai", "Đảng bộ xã Tương Lai", "Cơ sở", "lc", None, None, None, "01/01/2027"],
        "Ngày hiệu lực",
        "tương lai",
    ),
    (["lc-x-nfd", unicodedata.normalize("NFD", "Đảng bộ xã Bản Lầu"), "Cơ sở", "lc"], "Tên", "Unicode tổ hợp"),
    (["lc-x-sai-cap", "Đảng bộ xã", "Xã", "lc"], "Cấp", "không phải một trong"),
]
BAD_MEMBERS = [
    (["m-xa", "Lò Văn Xa", "{commune}", "01/01/2000"], "Chi bộ", "không phải chi bộ"),
    (["m-lac", "Lò Văn Lạc", "lc-khong-co", "01/01/2000"], "Chi bộ", "không có chi bộ"),
    (["{first}", "Người Trùng Mã", "{cell}", "01/01/2000"], "Mã đảng viên", "mã trùng với dòng 2"),
    (["m-moi", "Hầu A Mới", "{cell}", "01/07/2026"], "Ngày vào Đảng", "tương lai"),
    (["m-nfd", unicodedata.normalize("NFD", "Vàng Thị Mỷ"), "{cell}", "01/01/2000"], "Họ và tên", "Unicode tổ hợp"),
    (["m-roi", "Sùng A Rời", "{cell}", "01/01/2000", "", "", "", "01/03/2026"], "Ngày rời", "chỉ ghi khi"),
    (["m-nam", "Giàng A Năm", "{cell}", "ngày 5"], "Ngày vào Đảng", "không phải ngày"),
]


def test_the_bad_row_workbooks_list_exactly_their_bad_rows(tmp_path, tree):
    commune, cell = tree.units[1].unit_id, tree.units[2].unit_id
    fill = {"commune": commune, "cell": cell, "first": tree.members[0].member_id}
    units = write_units(tmp_path / "units.xlsx", tree.units, [row for row, _, _ in BAD_UNITS])
    members_rows = [[str(v).format(**fill) if isinstance(v, str) else v for v in row] for row, _, _ in BAD_MEMBERS]
    members = write_members(tmp_path / "members.xlsx", tree.members, members_rows)
    update = plan(tmp_path, units, members)
    first_bad_unit, first_bad_member = len(tree.units) + 2, len(tree.members) + 2
    expected = [("units.xlsx", first_bad_unit + i, column) for i, (_, column, _) in enumerate(BAD_UNITS)]
    expected += [("members.xlsx", first_bad_member + i, column) for i, (_, column, _) in enumerate(BAD_MEMBERS)]
    assert where(update) == expected
    for error, (_, _, reason) in zip(update.errors, BAD_UNITS + BAD_MEMBERS, strict=True):
        assert reason in error.reason, str(error)


def test_decomposed_text_is_taken_when_asked_for_nfc(tmp_path, tree):
    name = unicodedata.normalize("NFD", "Đảng bộ xã Bản Lầu")
    units = write_units(tmp_path / "units.xlsx", tree.units[:1], [["lc-x-nfd", name, "Cơ sở", "lc"]])
    update = plan(tmp_path, units, nfc=True)
    assert update.errors == []
    assert update.changes.units[-1].name == unicodedata.normalize("NFC", name)


def merged(tree):
    """Both communes merged into a new one, their cells moved under it (as in the 2025 reorganisation)."""
    communes = [u for u in tree.units if u.level == "grassroots"]
    new = OrgUnitRegistered(unit_id="lc-x-moi", name="Đảng bộ xã Hợp Nhất", level="grassroots", parent_id="lc")
    after = [tree.units[0], new]
    after += [c.model_copy(update={"merged_into": new.unit_id, "effective_on": date(2025, 7, 1)}) for c in communes]
    after += [u.model_copy(update={"parent_id": new.unit_id}) for u in tree.units if u.level == "cell"]
    return new, communes, after


def test_a_merge_in_the_file_becomes_the_reorganisation_the_projections_read(tmp_path, tree):
    new, communes, after = merged(tree)
    current = as_current(tree)
    update = plan(tmp_path, write_units(tmp_path / "units.xlsx", after), None, current)
    assert update.errors == []
    ended = {u.unit_id: u for u in update.changes.units if u.dissolved}
    assert set(ended) == {c.unit_id for c in communes}
    assert all(u.merged_into == new.unit_id and u.effective_on == date(2025, 7, 1) for u in ended.values())
    assert {k: len(v) for k, v in update.changes.lines.items() if v} == {"new": 1, "moved": 6, "reorganised": 2}
    assert update.changes.units[0] == new  # the new commune before the units that point at it
    assert (
        plan(tmp_path, write_units(tmp_path / "again.xlsx", after), None, applied(current, update)).changes.events == []
    )


def test_a_unit_that_ends_with_units_or_members_left_under_it_is_a_bad_row(tmp_path, tree):
    *_, after = merged(tree)
    cells_stay = [u for u in after if u.level != "cell"]  # the file merges the communes but moves no cell
    units = write_units(tmp_path / "units.xlsx", cells_stay)
    update = plan(tmp_path, units, None, as_current(tree))
    assert [(e.row, e.column) for e in update.errors] == [(4, "Sáp nhập vào"), (5, "Sáp nhập vào")]
    assert "còn 3 tổ chức, đảng viên chưa chuyển đi" in update.errors[0].reason

    cell = tree.units[2]
    gone = write(tmp_path / "dissolve.xlsx", [*UNIT_HEADER, "Giải thể"], [[*unit_row(cell)[:6], None, None, "có"]])
    update = plan(tmp_path, gone, None, as_current(tree))
    assert [(e.row, e.column) for e in update.errors] == [(2, "Giải thể")]
    assert "còn 4 tổ chức, đảng viên" in update.errors[0].reason


def test_members_absent_from_the_file_are_marked_gone_only_with_complete(tmp_path, tree):
    units = write_units(tmp_path / "units.xlsx", tree.units)
    absent, *kept = tree.members
    members = write_members(tmp_path / "members.xlsx", kept)
    update = plan(tmp_path, units, members, as_current(tree))
    assert update.changes.events == [] and [m.member_id for m in update.absent] == [absent.member_id]

    update = plan(tmp_path, units, members, as_current(tree), complete=True)
    assert update.changes.members == [absent.model_copy(update={"left": True})] and update.absent == []


def test_moves_renames_and_departures_are_told_apart(tmp_path, tree):
    first, second, third = tree.members[:3]
    other_cell = tree.units[3].unit_id
    changed: list[MemberRegistered] = [
        first.model_copy(update={"cell_id": other_cell, "is_leader": False, "is_head": False}),
        second.model_copy(update={"full_name": "Nguyễn Thị Đổi Tên"}),
        third.model_copy(update={"left": True, "left_reason": "deceased", "left_on": date(2026, 3, 2)}),
    ]
    members = write(tmp_path / "members.xlsx", MEMBER_HEADER, map(member_row, changed))
    update = plan(tmp_path, write_units(tmp_path / "units.xlsx", tree.units), members, as_current(tree))
    lines = {k: v for k, v in update.changes.lines.items() if v}
    assert lines["moved"] == [f"{first.member_id} {first.full_name}: chi bộ {first.cell_id} → {other_cell}"]
    assert lines["renamed"] == [f"{second.member_id}: '{second.full_name}' → 'Nguyễn Thị Đổi Tên'"]
    assert lines["left"] == [f"{third.member_id} {third.full_name}: từ trần ngày 02/03/2026"]
    assert update.changes.members == changed


def test_a_dry_run_prints_each_kind_of_change_and_sends_nothing(tmp_path, tree):
    *_, after = merged(tree)
    update = plan(tmp_path, write_units(tmp_path / "units.xlsx", after), None, as_current(tree))
    lines = update_lines(update, dry_run=True)
    assert lines[0] == "khác với danh bạ hiện tại:"
    assert "  mới: 1" in lines and "  chuyển: 6" in lines and "  tổ chức lại: 2" in lines
    assert f"    {after[2].unit_id} {after[2].name}: sáp nhập vào lc-x-moi (hiệu lực 01/07/2025)" in lines
    assert lines[-1] == "--dry-run: không gửi gì (9 sự kiện sẽ được gửi)"

    bad = write_units(tmp_path / "bad.xlsx", tree.units, [["lc-x9-c01", "Chi bộ", "Chi bộ", "lc-x9", "Nông thôn"]])
    lines = update_lines(plan(tmp_path, bad, None, as_current(tree)), dry_run=False)
    assert lines[:2] == [
        "1 dòng sai:",
        "  bad.xlsx dòng 11, cột Tổ chức cấp trên: không có tổ chức 'lc-x9' trong tệp hay trong danh bạ",
    ]
    assert lines[-1] == "không gửi gì: sửa các dòng sai rồi chạy lại"

"""Workbooks as a province's member records export them, written from directory events for tests."""

import csv
import zipfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from openpyxl import Workbook

from schemas import MemberRegistered, OrgUnitRegistered

UNIT_HEADER = [
    "Mã tổ chức",
    "Tên",
    "Cấp",
    "Tổ chức cấp trên",
    "Loại chi bộ",
    "Xã/phường",
    "Sáp nhập vào",
    "Ngày hiệu lực",
]
MEMBER_HEADER = [
    "Mã đảng viên",
    "Họ và tên",
    "Chi bộ",
    "Ngày vào Đảng",
    "Chức vụ lãnh đạo",
    "Người đứng đầu",
    "Trạng thái",
    "Ngày rời",
]
LEVELS = {"province": "Tỉnh", "district": "Huyện", "grassroots": "Cơ sở", "cell": "Chi bộ"}
CELL_KINDS = {"rural": "Nông thôn", "agency": "Cơ quan, đơn vị, doanh nghiệp, lực lượng vũ trang", None: None}
STATUSES = {"active": "", "exempted": "Miễn sinh hoạt", "suspended": "Đình chỉ sinh hoạt"}
LEFT = {"transferred": "Chuyển đi", "deceased": "Từ trần", "left_party": "Ra khỏi Đảng"}


def unit_row(unit: OrgUnitRegistered) -> list:
    """A unit as a row of the units file."""
    return [
        unit.unit_id,
        unit.name,
        LEVELS[unit.level],
        unit.parent_id,
        CELL_KINDS[unit.cell_kind],
        unit.commune,
        unit.merged_into,
        unit.effective_on,
    ]


def member_row(member: MemberRegistered) -> list:
    """A member as a row of the members file (a head's title, a leader's 'có')."""
    leader = "Bí thư chi bộ" if member.is_head else "có" if member.is_leader else ""
    status = LEFT[member.left_reason] if member.left and member.left_reason else STATUSES[member.status]
    return [
        member.member_id,
        member.full_name,
        member.cell_id,
        member.admitted_on,
        leader,
        "x" if member.is_head else "",
        status,
        member.left_on,
    ]


def write(path: Path, header: Sequence[str], rows: Iterable[Sequence]) -> Path:
    """An XLSX or CSV file (by its suffix) with a header and rows; returns its path."""
    if path.suffix == ".csv":
        with path.open("w", newline="", encoding="utf-8-sig") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows([["" if v is None else v for v in row] for row in rows])
        return path
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    workbook.save(path)
    return path


def rewrite_sheet(path: Path, change: Callable[[bytes], bytes]) -> Path:
    """The XLSX at `path` with its sheet's XML changed by `change` (a size it misstates, a row it breaks)."""
    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    sheet = next(name for name in parts if name.startswith("xl/worksheets/sheet"))
    parts[sheet] = change(parts[sheet])
    with zipfile.ZipFile(path, "w") as target:
        for name, data in parts.items():
            target.writestr(name, data)
    return path


def write_units(path: Path, units: Iterable[OrgUnitRegistered], extra: Iterable[Sequence] = ()) -> Path:
    """The units file of `units`, then `extra` rows as they are."""
    return write(path, UNIT_HEADER, [*map(unit_row, units), *extra])


def write_members(path: Path, members: Iterable[MemberRegistered], extra: Iterable[Sequence] = ()) -> Path:
    """The members file of `members`, then `extra` rows as they are."""
    return write(path, MEMBER_HEADER, [*map(member_row, members), *extra])

"""The province's own directory files: units and members as its member records keep them, read row by
row into the fields of OrgUnitRegistered and MemberRegistered (only the columns the file has)."""

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from neuguong.workbooks import cells
from neuguong.workbooks.columns import Layout
from ops.directory.layouts import (
    CELL_KINDS,
    LEVELS,
    MEMBER_LAYOUT,
    STATUSES,
    UNIT_KINDS,
    UNIT_LAYOUT,
)
from ops.importer.sheets import read_header, read_rows

IDENTIFIER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")


@dataclass(frozen=True)
class RowError:
    """A bad row: the file, its row number as the spreadsheet shows it, the column and the reason."""

    file: str
    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        where = f", cột {self.column}" if self.column else ""
        return f"{self.file} dòng {self.row}{where}: {self.reason}"


@dataclass(frozen=True)
class Row:
    """One good row: its number, the id it is about and the fields its cells give."""

    row: int
    id: str
    values: dict[str, Any]


@dataclass
class Sheet:
    """A directory file read whole: its good rows, its bad ones, and the fields its header names."""

    file: str
    layout: Layout
    present: set[str]
    rows: list[Row] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    def error(self, row: int, name: str, reason: str) -> None:
        """Record a bad row (`name` is a field; the clerk sees its column's header)."""
        self.errors.append(RowError(self.file, row, self.layout.label(name) if name else "", reason))


def read_units(path: Path, today: date, *, nfc: bool = False) -> Sheet:
    """Every row of a units file, each cell checked on its own."""
    return _read(path, UNIT_LAYOUT, "unit_id", _unit_readers(today), nfc)


def read_members(path: Path, today: date, *, nfc: bool = False) -> Sheet:
    """Every row of a members file, each cell checked on its own."""
    return _read(path, MEMBER_LAYOUT, "member_id", _member_readers(today), nfc)


def _read(path: Path, layout: Layout, key: str, readers: dict, nfc: bool) -> Sheet:
    header = read_header(path)
    sheet = Sheet(path.name, layout, layout.present(header))
    for column in layout.missing(header):
        sheet.error(1, "", f"thiếu cột '{column.label}' trong dòng tiêu đề")
    if sheet.errors:
        return sheet
    for number, raw in read_rows(path, normalise=nfc):
        fields = layout.fields(raw)
        values, bad = {}, False
        for name in sorted(sheet.present, key=lambda n: list(readers).index(n)):
            try:
                values[name] = readers[name](cells.composed(fields.get(name, "")))
            except ValueError as error:
                sheet.error(number, name, str(error))
                bad = True
        if not bad:
            sheet.rows.append(Row(number, values[key], values))
    return sheet


def _identifier(text: str) -> str:
    if not IDENTIFIER.match(text):
        raise cells.CellError(f"'{text}' không đúng dạng mã: chữ không dấu, số và . _ : - (không có khoảng trắng)")
    return text


def _required(read):
    def checked(text: str) -> Any:
        if not text:
            raise cells.CellError("bắt buộc, đang để trống")
        return read(text)

    return checked


def _optional(read):
    return lambda text: read(text) if text else None


def _admin_code(text: str) -> str:
    if not re.fullmatch(r"\d{1,6}", text):
        raise cells.CellError(f"'{text}' không phải mã đơn vị hành chính (1 đến 6 chữ số)")
    return text


def _unit_readers(today: date) -> dict:
    return {
        "unit_id": _required(_identifier),
        "name": _required(str),
        "level": _required(lambda t: cells.choice(t, LEVELS, "tỉnh, huyện, cơ sở, chi bộ")),
        "parent_id": _optional(_identifier),
        "cell_kind": _optional(lambda t: cells.choice(t, CELL_KINDS, "nông thôn, cơ quan")),
        "kind": _optional(lambda t: cells.choice(t, UNIT_KINDS, "địa bàn, cơ quan, doanh nghiệp, lực lượng vũ trang")),
        "commune": _optional(str),
        "admin_2025": _optional(_admin_code),
        "admin_pre2025": _optional(_admin_code),
        "effective_on": _optional(lambda t: cells.past_day(t, today)),
        "merged_into": _optional(_identifier),
        "dissolved": cells.yes_no,
    }


def _member_readers(today: date) -> dict:
    return {
        "member_id": _required(_identifier),
        "full_name": _required(str),
        "cell_id": _required(_identifier),
        "admitted_on": _required(lambda t: cells.past_day(t, today)),
        "is_leader": lambda t: cells.word(t) not in cells.NO,  # a title (Bí thư chi bộ) or 'có'
        "is_head": cells.yes_no,
        "status": lambda t: cells.choice(t or "đang sinh hoạt", STATUSES, ", ".join(STATUS_WORDS)),
        "left_on": _optional(lambda t: cells.past_day(t, today)),
    }


STATUS_WORDS = ("đang sinh hoạt", "miễn sinh hoạt", "đình chỉ sinh hoạt", "chuyển đi", "từ trần", "ra khỏi Đảng")

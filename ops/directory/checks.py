"""The directory a file would make, checked whole before anything is published.

A row says what its columns say; a column the file lacks keeps what the directory knew. Each unit and
member is checked against the structure the file and the current directory make together: parents that
exist and rank above, no cycles, cells with a kind, members in cells, merges into a unit of the same
level, and nothing left under a unit that ends.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from ops.directory.current import Directory
from ops.directory.files import Row, RowError, Sheet
from ops.directory.layouts import LEVEL_VI
from schemas import MemberRegistered, OrgUnitRegistered

RANK = {"province": 0, "district": 1, "grassroots": 2, "cell": 3}


@dataclass
class Resolved:
    """The units and members the files describe (good rows only) and the structure they make."""

    units: dict[str, tuple[Row, OrgUnitRegistered]] = field(default_factory=dict)
    members: dict[str, tuple[Row, MemberRegistered]] = field(default_factory=dict)
    view: dict[str, OrgUnitRegistered] = field(default_factory=dict)  # current units with the file's over them
    errors: list[RowError] = field(default_factory=list)


def resolve_units(sheet: Sheet, current: Directory) -> Resolved:
    """Each unit row over the unit the directory knows; then every structural check."""
    resolved = Resolved()
    for row in _once(sheet):
        values = _unit_values(row, current.units.get(row.id))
        try:
            resolved.units[row.id] = row, OrgUnitRegistered.model_validate(values)
        except ValidationError as error:
            _shape_errors(sheet, row, values, error)
    resolved.view = {**current.units, **{uid: unit for uid, (_, unit) in resolved.units.items()}}
    for row, unit in list(resolved.units.values()):
        for name, reason in unit_refusals(unit, resolved.view):
            sheet.error(row.row, name, reason)
            resolved.units.pop(row.id, None)
    return resolved


def resolve_members(sheet: Sheet, current: Directory, resolved: Resolved) -> None:
    """Each member row over the member the directory knows, in a cell of the structure."""
    for row in _once(sheet):
        values = _member_values(row, current.members.get(row.id))
        if "error" in values:
            sheet.error(row.row, *values["error"])
            continue
        try:
            member = MemberRegistered.model_validate(values)
        except ValidationError as error:
            sheet.error(row.row, "", str(error.errors()[0]["msg"]))
            continue
        refusal = member_refusal(member, resolved.view)
        if refusal:
            sheet.error(row.row, "cell_id", refusal)
            continue
        resolved.members[row.id] = row, member


def unit_refusals(unit: OrgUnitRegistered, view: dict[str, OrgUnitRegistered]) -> list[tuple[str, str]]:
    """What is wrong with a unit in the structure `view` ([] when nothing): (field, reason)."""
    refusals = []
    cycle = _cycle(unit.unit_id, view)
    parent = view.get(unit.parent_id or "")
    if cycle:
        refusals.append(("parent_id", f"vòng lặp tổ chức cấp trên: {' → '.join(cycle)}"))
    elif unit.parent_id is not None and parent is None:
        refusals.append(("parent_id", f"không có tổ chức '{unit.parent_id}' trong tệp hay trong danh bạ"))
    elif parent is not None and RANK[parent.level] >= RANK[unit.level]:
        refusals.append(
            (
                "parent_id",
                f"'{parent.unit_id}' là cấp {LEVEL_VI[parent.level]}, không ở trên cấp {LEVEL_VI[unit.level]}",
            )
        )
    elif parent is not None and parent.dissolved and not unit.dissolved:
        refusals.append(("parent_id", f"'{parent.unit_id}' {_ended(parent)}"))
    if unit.kind is not None and unit.level == "cell":
        refusals.append(("kind", "loại đảng bộ không ghi với chi bộ (chi bộ ghi loại chi bộ)"))
    if unit.merged_into is not None:
        target = view.get(unit.merged_into)
        if target is None:
            refusals.append(("merged_into", f"không có tổ chức '{unit.merged_into}' trong tệp hay trong danh bạ"))
        elif target.unit_id == unit.unit_id:
            refusals.append(("merged_into", "một tổ chức không sáp nhập vào chính nó"))
        elif target.level != unit.level:
            refusals.append(("merged_into", f"'{target.unit_id}' là cấp {LEVEL_VI[target.level]}, khác cấp"))
        elif target.dissolved:
            refusals.append(("merged_into", f"'{target.unit_id}' {_ended(target)}"))
    return refusals


def member_refusal(member: MemberRegistered, view: dict[str, OrgUnitRegistered]) -> str | None:
    """Why a member cannot be in their cell of `view` (None when they can)."""
    cell = view.get(member.cell_id)
    if cell is None:
        return f"không có chi bộ '{member.cell_id}' trong tệp hay trong danh bạ"
    if cell.level != "cell":
        return f"'{cell.unit_id}' là cấp {LEVEL_VI[cell.level]}, không phải chi bộ: đảng viên sinh hoạt ở chi bộ"
    if cell.dissolved and not member.left:
        return f"chi bộ '{cell.unit_id}' {_ended(cell)}"
    return None


def leftovers(ending: Iterable[OrgUnitRegistered], units: Iterable[OrgUnitRegistered], members: Iterable[Any]) -> dict:
    """Units that end and what still stands under them: {unit_id: [ids of units and active members]}."""
    ending_ids = {unit.unit_id for unit in ending}
    left: dict[str, list[str]] = {}
    for unit in units:
        if unit.parent_id in ending_ids and not unit.dissolved:
            left.setdefault(unit.parent_id, []).append(unit.unit_id)
    for member in members:
        if member.cell_id in ending_ids and not member.left:
            left.setdefault(member.cell_id, []).append(member.member_id)
    return left


def _ended(unit: OrgUnitRegistered) -> str:
    return f"đã sáp nhập vào '{unit.merged_into}'" if unit.merged_into else "đã giải thể"


def _cycle(unit_id: str, view: dict[str, OrgUnitRegistered]) -> list[str]:
    path, seen = [unit_id], {unit_id}
    while (parent := view.get(path[-1])) is not None and parent.parent_id is not None:
        path.append(parent.parent_id)
        if parent.parent_id == unit_id:
            return path
        if parent.parent_id in seen:
            return []  # a cycle above this unit: reported on the rows that make it
        seen.add(parent.parent_id)
    return []


def _once(sheet: Sheet) -> Iterable[Row]:
    first: dict[str, int] = {}
    for row in sheet.rows:
        seen = first.setdefault(row.id, row.row)
        if seen != row.row:
            sheet.error(row.row, sheet.layout.columns[0].field, f"mã trùng với dòng {seen}")
        else:
            yield row


def _unit_values(row: Row, known: OrgUnitRegistered | None) -> dict[str, Any]:
    values = known.model_dump() if known else {}
    values |= {k: v for k, v in row.values.items() if k in OrgUnitRegistered.model_fields}
    codes = {code["scheme"]: code["code"] for code in values.get("admin_codes", [])}
    for name, scheme in (("admin_2025", "2025"), ("admin_pre2025", "pre2025")):
        if name in row.values:
            codes[scheme] = row.values[name]
    values["admin_codes"] = [{"code": c, "scheme": s} for s, c in codes.items() if c]
    values["dissolved"] = bool(values.get("dissolved")) or values.get("merged_into") is not None
    return values


def _shape_errors(sheet: Sheet, row: Row, values: dict, error: ValidationError) -> None:
    """The unit's own shape (OrgUnitRegistered's rule), said the way a clerk reads it."""
    level, province = values.get("level"), values.get("level") == "province"
    if province == (values.get("parent_id") is not None):
        reason = "tỉnh không có tổ chức cấp trên" if province else "bắt buộc với mọi cấp trừ tỉnh"
        sheet.error(row.row, "parent_id", reason)
    elif (level == "cell") != (values.get("cell_kind") is not None):
        reason = (
            "chi bộ phải ghi loại chi bộ: nông thôn hoặc cơ quan" if level == "cell" else "chỉ chi bộ ghi loại chi bộ"
        )
        sheet.error(row.row, "cell_kind", reason)
    else:
        sheet.error(row.row, "", str(error.errors()[0]["msg"]))


def _member_values(row: Row, known: MemberRegistered | None) -> dict[str, Any]:
    values = known.model_dump() if known else {}
    given = row.values
    values |= {k: v for k, v in given.items() if k in ("member_id", "full_name", "cell_id", "admitted_on")}
    values |= {k: given[k] for k in ("is_leader", "is_head") if k in given}
    values["is_leader"] = bool(values.get("is_leader")) or bool(values.get("is_head"))
    if "status" in given:
        left, _, reason = given["status"].partition(":")
        if left == "left":
            values.update(left=True, left_reason=reason)
        else:
            values.update(status=given["status"], left=False, left_reason=None, left_on=None)
    if given.get("left_on") is not None:
        if not values.get("left"):
            return {"error": ("left_on", "ngày rời chỉ ghi khi trạng thái là chuyển đi, từ trần hoặc ra khỏi Đảng")}
        if given["left_on"] < values["admitted_on"]:
            return {"error": ("left_on", "ngày rời trước ngày vào Đảng")}
        values["left_on"] = given["left_on"]
    return values

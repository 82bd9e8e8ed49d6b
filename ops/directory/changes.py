"""The difference between the directory and what the files say: what is new, renamed, moved, left and
reorganised, and the events that make it so (nothing for what is already so: a rerun publishes nothing)."""

from collections.abc import Iterable
from dataclasses import dataclass, field

from ops.directory.layouts import LEFT_VI, LEVEL_VI
from schemas import MemberRegistered, OrgUnitRegistered

CATEGORIES = {
    "new": "mới",
    "renamed": "đổi tên",
    "moved": "chuyển",
    "left": "rời",
    "reorganised": "tổ chức lại",
    "changed": "thay đổi khác",
}
UNIT_FIELDS_VI = {
    "level": "cấp",
    "cell_kind": "loại chi bộ",
    "commune": "xã/phường",
    "admin_codes": "mã ĐVHC",
    "kind": "loại đảng bộ",
    "effective_on": "ngày hiệu lực",
}
MEMBER_FIELDS_VI = {
    "admitted_on": "ngày vào Đảng",
    "status": "trạng thái",
    "is_leader": "chức vụ lãnh đạo",
    "is_head": "người đứng đầu",
    "left": "trở lại sinh hoạt",
    "left_reason": "lý do rời",
    "left_on": "ngày rời",
}


@dataclass
class Changes:
    """Lines per category (for a person), and the events to publish, parents before children."""

    lines: dict[str, list[str]] = field(default_factory=lambda: {c: [] for c in CATEGORIES})
    units: list[OrgUnitRegistered] = field(default_factory=list)
    members: list[MemberRegistered] = field(default_factory=list)

    @property
    def events(self) -> list[OrgUnitRegistered | MemberRegistered]:
        """Units first (so a service sees a new parent before its children), then members."""
        return [*self.units, *self.members]


def unit_changes(changes: Changes, old: dict[str, OrgUnitRegistered], new: Iterable[OrgUnitRegistered]) -> None:
    """Add what `new` changes in the units `old` knew."""
    for unit in new:
        before = old.get(unit.unit_id)
        if before == unit:
            continue
        changes.units.append(unit)
        label = f"{unit.unit_id} {unit.name}"
        if before is None:
            parent = f", thuộc {unit.parent_id}" if unit.parent_id else ""
            changes.lines["new"].append(f"{label} ({LEVEL_VI[unit.level]}{parent})")
            continue
        since = f" (hiệu lực {unit.effective_on:%d/%m/%Y})" if unit.effective_on else ""
        named = []
        if before.name != unit.name:
            named.append(("renamed", f"{unit.unit_id}: '{before.name}' → '{unit.name}'{since}"))
        if before.parent_id != unit.parent_id:
            named.append(("moved", f"{label}: {before.parent_id} → {unit.parent_id}{since}"))
        if (before.dissolved, before.merged_into) != (unit.dissolved, unit.merged_into):
            named.append(("reorganised", f"{label}: {_state(unit)}{since}"))
        for category, line in named:
            changes.lines[category].append(line)
        # The date a named change took effect is part of that change, not another one.
        _others(changes, label, before, unit, UNIT_FIELDS_VI, skip=("effective_on",) if named else ())


def member_changes(
    changes: Changes,
    old: dict[str, MemberRegistered],
    new: Iterable[MemberRegistered],
    gone: Iterable[MemberRegistered],
) -> None:
    """Add what `new` changes in the members `old` knew, and the members `gone` (marked as left)."""
    for member in new:
        before = old.get(member.member_id)
        if before == member:
            continue
        changes.members.append(member)
        label = f"{member.member_id} {member.full_name}"
        if before is None:
            changes.lines["new"].append(f"{label} (chi bộ {member.cell_id})")
            continue
        if before.full_name != member.full_name:
            changes.lines["renamed"].append(f"{member.member_id}: '{before.full_name}' → '{member.full_name}'")
        if before.cell_id != member.cell_id:
            changes.lines["moved"].append(f"{label}: chi bộ {before.cell_id} → {member.cell_id}")
        if member.left and not before.left:
            changes.lines["left"].append(f"{label}: {_leaving(member)}")
        _others(
            changes,
            label,
            before,
            member,
            MEMBER_FIELDS_VI,
            skip=("left", "left_reason", "left_on") if member.left else (),
        )
    for member in gone:
        changes.members.append(member)
        changes.lines["left"].append(f"{member.member_id} {member.full_name}: không có trong tệp (--complete)")


def _state(unit: OrgUnitRegistered) -> str:
    if unit.merged_into:
        return f"sáp nhập vào {unit.merged_into}"
    return "giải thể" if unit.dissolved else "hoạt động trở lại"


def _leaving(member: MemberRegistered) -> str:
    when = f" ngày {member.left_on:%d/%m/%Y}" if member.left_on else ""
    return f"{LEFT_VI[member.left_reason]}{when}"


def _others(changes: Changes, label: str, before, after, names: dict[str, str], *, skip: tuple = ()) -> None:
    changed = [
        text for name, text in names.items() if name not in skip and getattr(before, name) != getattr(after, name)
    ]
    if changed:
        changes.lines["changed"].append(f"{label}: {', '.join(changed)}")


def unit_path(view: dict[str, OrgUnitRegistered], unit_id: str) -> list[str]:
    """Ids from the root down to `unit_id` in `view` (checked: no cycles, parents known)."""
    path = [unit_id]
    while (unit := view.get(path[-1])) is not None and unit.parent_id is not None and len(path) <= len(view):
        path.append(unit.parent_id)
    return path[::-1]


def parents_first(units: list[OrgUnitRegistered], view: dict[str, OrgUnitRegistered]) -> list[OrgUnitRegistered]:
    """Units ordered by depth in `view`: a parent before its children."""
    return sorted(units, key=lambda unit: len(unit_path(view, unit.unit_id)))

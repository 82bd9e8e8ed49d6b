"""`neuguong directory import UNITS [MEMBERS]`: the province's own files, checked whole against the
directory as it stands, then only their differences published (`--dry-run` shows them and stops)."""

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from neuguong.runtime.settings import Settings
from ops.directory.changes import Changes, member_changes, parents_first, unit_changes, unit_path
from ops.directory.checks import Resolved, leftovers, resolve_members, resolve_units
from ops.directory.current import Directory, read_directory
from ops.directory.files import RowError, Sheet, read_members, read_units
from ops.directory.importer import publish_events
from schemas import MemberRegistered, OrgUnitRegistered


@dataclass
class DirectoryUpdate:
    """What an import found: its bad rows, the changes, the members the files leave out, what it sent."""

    errors: list[RowError] = field(default_factory=list)
    changes: Changes = field(default_factory=Changes)
    absent: list[MemberRegistered] = field(default_factory=list)
    published: int = 0


async def update_directory(
    settings: Settings,
    units_file: Path,
    members_file: Path | None,
    *,
    today: date,
    dry_run: bool = False,
    complete: bool = False,
    nfc: bool = False,
) -> DirectoryUpdate:
    """Check the files whole; when no row is bad and it is not a dry run, publish what changes."""
    units = read_units(units_file, today, nfc=nfc)
    members = read_members(members_file, today, nfc=nfc) if members_file else None
    update, view = plan_update(units, members, await read_directory(settings), complete=complete)
    if update.errors or dry_run or not update.changes.events:
        return update
    paths = [unit_path(view, u.unit_id) for u in update.changes.units]
    paths += [unit_path(view, m.cell_id) for m in update.changes.members]
    update.published = await publish_events(
        settings, list(zip(update.changes.events, paths, strict=True)), source_name=units_file.name
    )
    return update


def plan_update(
    units: Sheet, members: Sheet | None, current: Directory, *, complete: bool = False
) -> tuple[DirectoryUpdate, dict[str, OrgUnitRegistered]]:
    """The bad rows and the changes the files make to `current`, and the structure they make."""
    resolved = resolve_units(units, current)
    update = DirectoryUpdate()
    gone: list[MemberRegistered] = []
    if members is not None:
        resolve_members(members, current, resolved)
        candidates = _absent(units, members, current)
        gone = [m.model_copy(update={"left": True}) for m in candidates] if complete else []
        update.absent = [] if complete else candidates
    _check_what_ends(units, members, current, resolved, gone)
    update.errors = sorted(units.errors, key=_order) + sorted(members.errors if members else [], key=_order)
    unit_changes(update.changes, current.units, [unit for _, unit in resolved.units.values()])
    member_changes(update.changes, current.members, [m for _, m in resolved.members.values()], gone)
    update.changes.units = parents_first(update.changes.units, resolved.view)
    return update, resolved.view


def _absent(units: Sheet, members: Sheet, current: Directory) -> list[MemberRegistered]:
    """Members of a cell the units file lists whom the members file does not."""
    cells = {row.id for row in units.rows}
    listed = {row.id for row in members.rows}
    return [m for m in current.members.values() if not m.left and m.cell_id in cells and m.member_id not in listed]


def _check_what_ends(
    units: Sheet, members: Sheet | None, current: Directory, resolved: Resolved, gone: list[MemberRegistered]
) -> None:
    """A unit that ends (dissolved, merged) leaves nothing under it that the files do not move."""
    in_files = {row.id for row in units.rows} | ({row.id for row in members.rows} if members else set())
    people = {**current.members, **{m.member_id: m for m in gone}}
    people |= {mid: member for mid, (_, member) in resolved.members.items()}
    ending = [unit for _, unit in resolved.units.values() if unit.dissolved]
    for unit_id, ids in leftovers(ending, resolved.view.values(), people.values()).items():
        outside = sorted(i for i in ids if i not in in_files)
        if outside:
            shown = ", ".join(outside[:5]) + (f" và {len(outside) - 5} nữa" if len(outside) > 5 else "")
            row, unit = resolved.units[unit_id]
            column = "merged_into" if unit.merged_into else "dissolved"
            units.error(row.row, column, f"còn {len(outside)} tổ chức, đảng viên chưa chuyển đi: {shown}")


def _order(error: RowError) -> tuple:
    return error.row, error.column

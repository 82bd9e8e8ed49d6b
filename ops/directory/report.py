"""What `neuguong directory import` prints: the bad rows, the difference, and what was sent."""

import sys
from typing import TextIO

from neuguong.numbers import vi_number
from ops.directory.changes import CATEGORIES
from ops.directory.update import DirectoryUpdate

SHOWN = 50  # lines per category; the count says how many there are


def print_update(update: DirectoryUpdate, *, dry_run: bool, out: TextIO = sys.stdout) -> None:
    """The bad rows first (they stop the import), then the changes, then the outcome."""
    for line in update_lines(update, dry_run=dry_run):
        print(line, file=out)


def update_lines(update: DirectoryUpdate, *, dry_run: bool) -> list[str]:
    """The report as lines."""
    lines = []
    if update.errors:
        lines.append(f"{vi_number(len(update.errors))} dòng sai:")
        lines += [f"  {error}" for error in update.errors]
    changes = update.changes
    counted = {c: len(ls) for c, ls in changes.lines.items() if ls}
    if counted:
        lines.append("khác với danh bạ hiện tại:")
    for category, count in counted.items():
        lines.append(f"  {CATEGORIES[category]}: {vi_number(count)}")
        shown = changes.lines[category][:SHOWN]
        lines += [f"    {line}" for line in shown]
        if count > len(shown):
            lines.append(f"    … và {vi_number(count - len(shown))} nữa")
    if update.absent:
        lines.append(
            f"{vi_number(len(update.absent))} đảng viên có trong danh bạ nhưng không có trong tệp: giữ nguyên "
            "(dùng --complete để đánh dấu là đã rời)"
        )
    lines.append(_outcome(update, dry_run))
    return lines


def _outcome(update: DirectoryUpdate, dry_run: bool) -> str:
    events = len(update.changes.events)
    if update.errors:
        return "không gửi gì: sửa các dòng sai rồi chạy lại"
    if dry_run:
        return f"--dry-run: không gửi gì ({vi_number(events)} sự kiện sẽ được gửi)"
    if not events:
        return "danh bạ đã đúng như tệp: không gửi gì"
    return (
        f"đã gửi {vi_number(update.published)} sự kiện "
        f"({vi_number(len(update.changes.units))} tổ chức, {vi_number(len(update.changes.members))} đảng viên)"
    )

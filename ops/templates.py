"""`neuguong templates DIR`: a blank workbook for every importer, each header with a comment (in
Vietnamese) that says what goes in its column; code columns are formatted as text so leading zeros stay."""

from collections.abc import Iterator
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from ops.directory.layouts import MEMBER_LAYOUT, UNIT_LAYOUT
from ops.importer import commitments, honors, sessions
from ops.importer.columns import Column, Layout

LAYOUTS = (UNIT_LAYOUT, MEMBER_LAYOUT, commitments.LAYOUT, sessions.LAYOUT, honors.LAYOUT)
AUTHOR = "Nêu Gương"
TEXT_COLUMNS = ("_id", "admin_", "present", "absent")  # codes: "03130" must not become 3130
REQUIRED = PatternFill("solid", fgColor="FFF2CC")


def write_templates(folder: Path) -> Iterator[tuple[Path, bool]]:
    """Write each template into `folder` (created if missing); an existing file is kept. Yields
    (path, written)."""
    folder.mkdir(parents=True, exist_ok=True)
    for layout in LAYOUTS:
        path = folder / f"{layout.name}.xlsx"
        if path.exists():
            yield path, False
            continue
        template(layout).save(path)
        yield path, True


def template(layout: Layout) -> Workbook:
    """The blank workbook of one importer: the header row, commented, frozen; required headers shaded."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = layout.title[:31]
    for number, column in enumerate(layout.columns, start=1):
        cell = sheet.cell(row=1, column=number, value=column.label)
        cell.font = Font(bold=True)
        cell.comment = _comment(column)
        if column.required:
            cell.fill = REQUIRED
        letter = get_column_letter(number)
        sheet.column_dimensions[letter].width = max(14, min(40, len(column.label) + 4))
        if any(marker in column.field for marker in TEXT_COLUMNS):
            sheet.column_dimensions[letter].number_format = "@"
    sheet.freeze_panes = "A2"
    return workbook


def _comment(column: Column) -> Comment:
    text = column.note if column.required or "bắt buộc" in column.note else f"{column.note} (không bắt buộc)"
    comment = Comment(text, AUTHOR)
    comment.width, comment.height = 300, 120
    return comment

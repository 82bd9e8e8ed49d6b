"""A blank workbook for an importer: each header with a comment (in Vietnamese) that says what goes in its
column; code columns are formatted as text so leading zeros stay. `neuguong templates` writes them to a folder,
the console's upload page serves them."""

from io import BytesIO

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from neuguong.workbooks.columns import Column, Layout

AUTHOR = "Nêu Gương"
TEXT_COLUMNS = ("_id", "admin_", "present", "absent")  # codes: "03130" must not become 3130
REQUIRED = PatternFill("solid", fgColor="FFF2CC")


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


def template_bytes(layout: Layout) -> bytes:
    """The blank workbook of one importer as the bytes of an .xlsx file."""
    buffer = BytesIO()
    template(layout).save(buffer)
    return buffer.getvalue()


def _comment(column: Column) -> Comment:
    text = column.note if column.required or "bắt buộc" in column.note else f"{column.note} (không bắt buộc)"
    comment = Comment(text, AUTHOR)
    comment.width, comment.height = 300, 120
    return comment

"""The XLSX report: one sheet per level of the subtree, a row per unit, a column per figure."""

import io
from collections.abc import Iterable, Mapping

from openpyxl import Workbook
from openpyxl.styles import Font

from services.projections.narrative import FIGURE_LABELS, period_label

SHEET_NAMES = {"province": "Tỉnh", "district": "Huyện", "grassroots": "Cơ sở", "cell": "Chi bộ"}
LEVEL_ORDER = ("province", "district", "grassroots", "cell")


def report_workbook(unit_name: str, period: str, units: Iterable[Mapping], figures: Mapping[str, Mapping[str, int]]
                    ) -> bytes:
    """The workbook as bytes; `units` are dicts with unit_id, name, level; `figures` by unit id."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    by_level: dict[str, list[Mapping]] = {}
    for unit in units:
        by_level.setdefault(unit["level"], []).append(unit)
    for level in (lvl for lvl in LEVEL_ORDER if lvl in by_level):
        sheet = workbook.create_sheet(SHEET_NAMES[level])
        sheet.append([f"{unit_name} — {period_label(period)}"])
        sheet["A1"].font = Font(bold=True)
        sheet.append(["Mã đơn vị", "Tên đơn vị", *FIGURE_LABELS.values()])
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for unit in by_level[level]:
            values = figures.get(unit["unit_id"], {})
            sheet.append([unit["unit_id"], unit["name"], *(values.get(name, 0) for name in FIGURE_LABELS)])
        sheet.column_dimensions["B"].width = 40
        for row in sheet.iter_rows(min_row=3, min_col=3):
            for cell in row:
                cell.number_format = "#,##0"  # shown with the reader's separators (142.597 in a vi-VN Excel)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

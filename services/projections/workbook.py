"""The XLSX report: every figure of the narrative (Tổng hợp), the narrative itself, what does not add up,
each child unit's figures with a native bar chart of them, and one sheet per level of the subtree."""

import io
from collections.abc import Iterable, Mapping

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

from neuguong.cadence import level_existed
from neuguong.labels import FIGURE_LABELS, period_label
from neuguong.numbers import vi_percent
from neuguong.periods import span_periods
from services.projections.narrative import figure_labels, span_label

SHEET_NAMES = {"province": "Tỉnh", "district": "Huyện", "grassroots": "Cơ sở", "cell": "Chi bộ"}
BLOC_SHEET = "Trực thuộc Tỉnh ủy"
"""The sheet of the units filed at the former district level, for a span after the 2025 reform."""
LEVEL_ORDER = ("province", "district", "grassroots", "cell")
CHARTED = ("commitments_filed", "members_filed", "honors", "inspections_opened", "supervisions_opened")
"""The figures the chart of child units shows."""
SHARE_LABELS = {
    "filed": "Tỷ lệ đăng ký cam kết",
    "filed_leaders": "Tỷ lệ đăng ký — lãnh đạo, quản lý",
    "filed_heads": "Tỷ lệ đăng ký — người đứng đầu",
    "self_reviewed": "Tỷ lệ tự soi, tự sửa",
    "self_reviewed_leaders": "Tỷ lệ tự soi, tự sửa — lãnh đạo, quản lý",
    "self_reviewed_heads": "Tỷ lệ tự soi, tự sửa — người đứng đầu",
    "reported": "Tỷ lệ báo cáo kết quả",
    "reported_leaders": "Tỷ lệ báo cáo — lãnh đạo, quản lý",
    "reported_heads": "Tỷ lệ báo cáo — người đứng đầu",
    "rated": "Tỷ lệ được đánh giá",
    "rated_leaders": "Tỷ lệ được đánh giá — lãnh đạo, quản lý",
    "rated_heads": "Tỷ lệ được đánh giá — người đứng đầu",
    "cells_every_regular": "Tỷ lệ chi bộ sinh hoạt thường kỳ đủ các tháng",
    "attendance": "Tỷ lệ đảng viên dự sinh hoạt",
}
WHOLE = "#,##0"  # shown with the reader's separators (142.597 in a vi-VN Excel)


def _bold_row(sheet: Worksheet, row: int) -> None:
    for cell in sheet[row]:
        cell.font = Font(bold=True)


def _summary(workbook: Workbook, view: Mapping) -> None:
    sheet = workbook.create_sheet("Tổng hợp")
    latest, previous = view["latest"], view["previous"]
    sheet.append([f"{view['name']} — {span_label(view['period'])}"])
    sheet.append(
        [
            "Chỉ tiêu",
            "Mã",
            span_label(view["period"]),
            period_label(latest["period"]),
            period_label(previous["period"]),
            "Thay đổi",
            "Tỷ lệ thay đổi",
        ]
    )
    _bold_row(sheet, 1), _bold_row(sheet, 2)
    for name, label in figure_labels(view["period"], view["figures"]).items():
        now, then = latest["figures"].get(name, 0), previous["figures"].get(name, 0)
        sheet.append(
            [
                label,
                name,
                view["figures"].get(name, 0),
                now,
                then,
                now - then,
                vi_percent(abs(now - then), then) if then else "",
            ]
        )
    for name, label in SHARE_LABELS.items():
        sheet.append(
            [
                label,
                f"share_{name}",
                view["shares"][name]["text"],
                latest["shares"][name]["text"],
                previous["shares"][name]["text"],
            ]
        )
    for row in sheet.iter_rows(min_row=3, min_col=3, max_col=6):
        for cell in row:
            cell.number_format = WHOLE
    sheet.column_dimensions["A"].width = 48


def _narrative(workbook: Workbook, text: str) -> None:
    sheet = workbook.create_sheet("Báo cáo")
    for paragraph in text.split("\n\n"):
        sheet.append([paragraph])
        sheet.cell(sheet.max_row, 1).alignment = Alignment(wrap_text=True, vertical="top")
    sheet.column_dimensions["A"].width = 120


def _reconciliation(workbook: Workbook, findings: list[dict]) -> None:
    sheet = workbook.create_sheet("Đối chiếu")
    sheet.append(["Loại", "Chỉ tiêu / ghi danh", "Số liệu", "Đối chiếu với"])
    _bold_row(sheet, 1)
    for item in findings:
        if item["kind"] == "honored_then_found":
            sheet.append(
                [item["kind"], item["honor_id"], item["period"], f"{item['subject_kind']} {item['subject_id']}"]
            )
        else:
            sheet.append(
                [item["kind"], FIGURE_LABELS.get(item["figure"], item["figure"]), item["value"], item["parts"]]
            )


def _topics(workbook: Workbook, view: Mapping) -> None:
    sheet = workbook.create_sheet("Chuyên đề")
    sheet.append(["Mã chuyên đề", "Năm", "Tên chuyên đề", "Đơn vị ban hành", "Số chi bộ thực hiện"])
    _bold_row(sheet, 1)
    for topic in view["topics"]:
        sheet.append([topic["topic_id"], topic["year"], topic["title"], topic["issuing_unit_id"], topic["cells"]])
    sheet.column_dimensions["C"].width = 60


def _children(workbook: Workbook, view: Mapping) -> None:
    sheet = workbook.create_sheet("Đơn vị trực thuộc")
    labels = figure_labels(view["period"], view["figures"])
    sheet.append(["Mã đơn vị", "Tên đơn vị", *labels.values()])
    _bold_row(sheet, 1)
    for child in view["children"]:
        sheet.append([child["unit_id"], child["name"], *(child["figures"].get(n, 0) for n in labels)])
    if not view["children"]:
        return
    chart = BarChart()
    chart.type, chart.title = "col", f"Số liệu theo đơn vị trực thuộc — {span_label(view['period'])}"
    chart.y_axis.title, chart.x_axis.title = "Số lượng", "Đơn vị"
    columns = list(labels)
    last_row = len(view["children"]) + 1
    for name in CHARTED:
        column = columns.index(name) + 3
        chart.add_data(Reference(sheet, min_col=column, min_row=1, max_row=last_row), titles_from_data=True)
    chart.set_categories(Reference(sheet, min_col=2, min_row=2, max_row=last_row))
    chart.width, chart.height = 30, 12
    sheet.add_chart(chart, f"A{last_row + 3}")


def report_workbook(
    view: Mapping, text: str, units: Iterable[Mapping], figures: Mapping[str, Mapping[str, int]]
) -> bytes:
    """The workbook as bytes: `view` as figures_of shapes it, `text` its narrative, `units` the subtree (dicts
    with unit_id, name, level) and `figures` each unit's counters over the span, by unit id."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    _summary(workbook, view)
    _narrative(workbook, text)
    _reconciliation(workbook, view["reconciliation"])
    _topics(workbook, view)
    _children(workbook, view)
    by_level: dict[str, list[Mapping]] = {}
    for unit in units:
        by_level.setdefault(unit["level"], []).append(unit)
    labels = figure_labels(view["period"], view["figures"])
    after_reform = not level_existed("district", span_periods(view["period"])[0])
    for level in (lvl for lvl in LEVEL_ORDER if lvl in by_level):
        sheet = workbook.create_sheet(BLOC_SHEET if level == "district" and after_reform else SHEET_NAMES[level])
        sheet.append([f"{view['name']} — {span_label(view['period'])}"])
        sheet.append(["Mã đơn vị", "Tên đơn vị", *labels.values()])
        _bold_row(sheet, 1), _bold_row(sheet, 2)
        for unit in by_level[level]:
            values = figures.get(unit["unit_id"], {})
            sheet.append([unit["unit_id"], unit["name"], *(values.get(name, 0) for name in labels)])
        sheet.column_dimensions["B"].width = 40
        for row in sheet.iter_rows(min_row=3, min_col=3):
            for cell in row:
                cell.number_format = WHOLE
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

"""The commitments workbook (cam kết nêu gương): its columns and how a row becomes the body of a filing. The
body's own rules (identifiers, lengths, the year) are the service's: `neuguong import` checks them with its
command model, the console by the service's answer."""

import re
from datetime import date

from neuguong.workbooks.columns import Column, Layout

__all__ = ["DUPLICATE", "LAYOUT", "TARGET_AREAS", "commitment_body", "commitment_key"]

TARGET_AREAS = ("political_ideology", "ethics_lifestyle", "working_style", "discipline", "task_results")
# Column headers, as the provinces' forms word them (the API's field names are read too).
LAYOUT = Layout(
    "cam-ket",
    "Cam kết nêu gương",
    [
        Column("member_id", "Mã đảng viên", "Mã đảng viên như trong danh bạ (bắt buộc).", ("member id",), True),
        Column("year", "Năm", "Năm của bản cam kết, ví dụ 2026 (bắt buộc; không phải năm sau).", (), True),
        Column(
            "limitations",
            "Hạn chế, khuyết điểm cần khắc phục",
            "Mỗi hạn chế một dòng trong ô (Alt+Enter để xuống dòng).",
            ("hạn chế cần khắc phục",),
        ),
        Column(
            "plan",
            "Kế hoạch thực hiện",
            "Mỗi việc một dòng, viết 'nội dung | hạn', ví dụ 'Tham gia đủ sinh hoạt chi bộ | 31/12/2026'.",
            ("kế hoạch",),
        ),
        Column(
            "political_ideology", "Về tư tưởng chính trị", "Chỉ tiêu về tư tưởng chính trị.", ("tư tưởng chính trị",)
        ),
        Column(
            "ethics_lifestyle",
            "Về phẩm chất đạo đức, lối sống",
            "Chỉ tiêu về phẩm chất đạo đức, lối sống.",
            ("đạo đức, lối sống",),
        ),
        Column(
            "working_style",
            "Về tác phong, lề lối làm việc",
            "Chỉ tiêu về tác phong, lề lối làm việc.",
            ("tác phong, lề lối làm việc",),
        ),
        Column(
            "discipline",
            "Về ý thức tổ chức kỷ luật",
            "Chỉ tiêu về ý thức tổ chức kỷ luật.",
            ("ý thức tổ chức kỷ luật",),
        ),
        Column(
            "task_results",
            "Về kết quả thực hiện nhiệm vụ",
            "Chỉ tiêu về kết quả thực hiện nhiệm vụ.",
            ("kết quả thực hiện nhiệm vụ",),
        ),
    ],
)


def commitment_body(row: dict[str, str]) -> dict:
    """A row (cells by field) as the body of a filing, before the service's rules (raises ValueError naming
    the field, its reason in Vietnamese: a plan item without its deadline, a deadline that is not a date)."""
    return {
        "member_id": row.get("member_id") or None,
        "year": row.get("year") or None,
        "limitations": _lines(row.get("limitations", "")),
        "plan": [_plan_item(n, text) for n, text in enumerate(_lines(row.get("plan", "")), start=1)],
        "targets": {area: row[area] for area in TARGET_AREAS if row.get(area)},
    }


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _plan_item(number: int, text: str) -> dict:
    title, sep, deadline = text.rpartition("|")
    if not sep or not title.strip():
        raise ValueError(
            f"plan.{number}: mỗi việc viết 'nội dung | hạn', ví dụ 'Tham gia đủ sinh hoạt chi bộ | 31/12/2026'; "
            f"ô đang là {text!r}"
        )
    return {"title": title.strip(), "deadline": _date(deadline.strip(), f"plan.{number}").isoformat()}


# yyyy-mm-dd or dd/mm/yyyy, as strptime's %Y-%m-%d and %d/%m/%Y took them, ASCII digits only: matched once
# instead of two strptime calls (the first failing for every dd/mm/yyyy), 15 % of an import's reading.
DEADLINE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})|(\d{1,2})/(\d{1,2})/(\d{4})", re.ASCII)


def _date(text: str, where: str) -> date:
    match = DEADLINE.fullmatch(text)
    if match is not None:
        year, month, day, day_first, month_second, year_last = match.groups()
        try:
            return date(int(year or year_last), int(month or month_second), int(day or day_first))
        except ValueError:
            pass  # 31/02/2026
    raise ValueError(f"{where}: hạn {text!r} không phải một ngày (ngày/tháng/năm)")


def commitment_key(item: dict) -> tuple:
    """One commitment per member and year."""
    return item["member_id"], str(item["year"])


DUPLICATE = ("member_id", "trùng đảng viên và năm với dòng {line}")
"""(field, reason with {line}) of a row that repeats an earlier row's member and year."""

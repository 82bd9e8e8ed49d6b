"""`neuguong import commitments FILE`: validate every row, file the valid ones over HTTP, report the rest."""

from datetime import date, datetime
from pathlib import Path

import httpx
from pydantic import ValidationError

from ops.importer.batch import Book, ImportReport, import_book
from ops.importer.columns import Column, Layout
from services.commitments.commands import FileCommitment

__all__ = ["LAYOUT", "ImportReport", "import_commitments", "parse_row"]

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


def parse_row(row: dict[str, str]) -> dict:
    """A row (cells by field) as a FileCommitment body (raises ValueError naming the field)."""
    body: dict = {
        "member_id": row.get("member_id") or None,
        "year": row.get("year") or None,
        "limitations": _lines(row.get("limitations", "")),
        "plan": [_plan_item(n, text) for n, text in enumerate(_lines(row.get("plan", "")), start=1)],
        "targets": {area: row[area] for area in TARGET_AREAS if row.get(area)},
    }
    try:
        return FileCommitment.model_validate(body).model_dump(mode="json")
    except ValidationError as error:
        first = error.errors()[0]
        raise ValueError(f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}") from None


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _plan_item(number: int, text: str) -> dict:
    title, sep, deadline = text.rpartition("|")
    if not sep or not title.strip():
        raise ValueError(f"plan.{number}: write each item as 'nội dung | hạn' (got {text!r})")
    return {"title": title.strip(), "deadline": _date(deadline.strip(), f"plan.{number}")}


def _date(text: str, where: str) -> date:
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(f"{where}: deadline {text!r} is not a date (dd/mm/yyyy)")


BOOK = Book(
    LAYOUT,
    "/commitments/batch",
    parse_row,
    key=lambda item: (item["member_id"], item["year"]),
    duplicate=("member_id", "same member and year as line {line}"),
)


async def import_commitments(path: Path, client: httpx.AsyncClient, *, max_bytes: int | None = None) -> ImportReport:
    """Import a CSV or XLSX file through POST /commitments/batch; re-running it adds nothing."""
    return await import_book(BOOK, path, client, max_bytes=max_bytes)

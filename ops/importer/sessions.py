"""`neuguong import sessions FILE`: the cell session book (sổ sinh hoạt chi bộ) through POST /sessions/batch."""

from pathlib import Path

import httpx
from pydantic import ValidationError

from neuguong.workbooks.columns import Column, Layout
from ops.importer import cells
from ops.importer.batch import Book, ImportReport, import_book
from services.commitments.commands import RecordSession

KINDS = cells.vocabulary(
    {"thường kỳ": "regular", "chuyên đề": "thematic", "regular": "regular", "thematic": "thematic"}
)
LAYOUT = Layout(
    "so-sinh-hoat-chi-bo",
    "Sổ sinh hoạt chi bộ",
    [
        Column("cell_id", "Mã chi bộ", "Mã chi bộ như trong danh bạ (bắt buộc).", ("chi bộ", "cell id"), True),
        Column("held_on", "Ngày sinh hoạt", "Ngày họp, dd/mm/yyyy (bắt buộc; không sau hôm nay).", ("held on",), True),
        Column(
            "month",
            "Tháng",
            "Tháng của kỳ sinh hoạt, 05/2026; để trống thì lấy tháng của ngày sinh hoạt.",
            ("kỳ", "month"),
        ),
        Column("kind", "Loại sinh hoạt", "'thường kỳ' (mỗi tháng một lần) hoặc 'chuyên đề'.", ("loại", "kind"), True),
        Column(
            "topic_title",
            "Chủ đề",
            "Chủ đề học tập và làm theo Bác của kỳ sinh hoạt (bắt buộc).",
            ("chủ đề sinh hoạt", "topic title"),
            True,
        ),
        Column(
            "topic_id",
            "Mã chuyên đề",
            "Mã chuyên đề trong danh mục của năm do cấp ủy cấp trên ban hành (chỉ với sinh hoạt chuyên đề; có thể "
            "để trống).",
            ("chuyên đề số", "topic id"),
        ),
        Column("present", "Có mặt", "Mã các đảng viên có mặt, cách nhau bằng dấu phẩy hoặc xuống dòng.", ("present",)),
        Column(
            "absent", "Vắng mặt", "Mã các đảng viên vắng mặt, cách nhau bằng dấu phẩy hoặc xuống dòng.", ("absent",)
        ),
        Column("praised", "Biểu dương", "Mỗi người một dòng: 'mã đảng viên: lý do biểu dương'.", ("praised",)),
        Column("reminded", "Nhắc nhở", "Mỗi người một dòng: 'mã đảng viên: lý do nhắc nhở'.", ("reminded",)),
        Column("resolution", "Nghị quyết, kết luận", "Nghị quyết hoặc kết luận của kỳ sinh hoạt.", ("resolution",)),
    ],
)


READERS = {
    "held_on": lambda text: cells.day(text).isoformat(),
    "month": cells.month,
    "kind": lambda text: cells.choice(text, KINDS, "thường kỳ, chuyên đề"),
    "present": cells.codes,
    "absent": cells.codes,
    "praised": cells.named_reasons,
    "reminded": cells.named_reasons,
}


def parse_row(row: dict[str, str]) -> dict:
    """A row (cells by field) as a RecordSession body (raises ValueError naming the column)."""
    body = {name: row.get(name, "") for name in ("cell_id", "topic_title", "resolution")}
    body["topic_id"] = row.get("topic_id") or None
    body |= LAYOUT.read(row, READERS)
    if "month" not in body and "held_on" in body:
        body["month"] = body["held_on"][:7]
    try:
        return RecordSession.model_validate(body).model_dump(mode="json")
    except ValidationError as error:
        raise LAYOUT.refusal(error) from None


def session_key(item: dict) -> tuple:
    """One regular session per cell and month; a thematic one per cell and day."""
    if item["kind"] == "regular":
        return item["cell_id"], item["month"], "regular"
    return item["cell_id"], item["month"], "thematic", item["held_on"]


BOOK = Book(
    LAYOUT,
    "/sessions/batch",
    parse_row,
    key=session_key,
    duplicate=("Mã chi bộ", "cùng chi bộ, tháng và loại sinh hoạt với dòng {line}"),
)


async def import_sessions(path: Path, client: httpx.AsyncClient, *, max_bytes: int | None = None) -> ImportReport:
    """Import a session book (CSV or XLSX) through POST /sessions/batch; re-running it adds nothing."""
    return await import_book(BOOK, path, client, max_bytes=max_bytes)

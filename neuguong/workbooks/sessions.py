"""The cell session book (sổ sinh hoạt chi bộ): its columns, how a row becomes the body of a recorded session, and
which rows are the same session. The body's own rules are the service's: `neuguong import` checks them with its
command model, the console by the service's answer."""

from neuguong.workbooks import cells
from neuguong.workbooks.columns import Column, Layout

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


def session_body(row: dict[str, str]) -> dict:
    """A row (cells by field) as the body of a recorded session, before the service's rules (raises ValueError
    naming the column)."""
    body: dict = {name: row.get(name, "") for name in ("cell_id", "topic_title", "resolution")}
    body["topic_id"] = row.get("topic_id") or None
    body |= LAYOUT.read(row, READERS)
    if "month" not in body and "held_on" in body:
        body["month"] = body["held_on"][:7]
    return body


def session_key(item: dict) -> tuple:
    """One regular session per cell and month; a thematic one per cell and day."""
    if item["kind"] == "regular":
        return item["cell_id"], item["month"], "regular"
    return item["cell_id"], item["month"], "thematic", item["held_on"]


DUPLICATE = ("Mã chi bộ", "cùng chi bộ, tháng và loại sinh hoạt với dòng {line}")
"""(column, reason with {line}) of a row that repeats an earlier row's session."""

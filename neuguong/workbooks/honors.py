"""The honor roll (sổ ghi danh): its columns, how a row becomes the body of an entry, and which rows are the same
entry. The token's unit keeps the roll. The body's own rules are the service's: `neuguong import` checks them with
its command model, the console by the service's answer."""

from neuguong.workbooks import cells
from neuguong.workbooks.columns import Column, Layout

SUBJECTS = cells.vocabulary(
    {
        "đảng viên": "member",
        "cá nhân": "member",
        "member": "member",
        "tập thể": "unit",
        "tổ chức": "unit",
        "unit": "unit",
    }
)
LAYOUT = Layout(
    "so-ghi-danh",
    "Sổ ghi danh",
    [
        Column("subject_kind", "Đối tượng", "'đảng viên' hoặc 'tập thể'; để trống là đảng viên.", ("loại đối tượng",)),
        Column(
            "subject_id",
            "Mã đảng viên hoặc tổ chức",
            "Mã đảng viên, hoặc mã tổ chức đảng khi ghi danh tập thể (bắt buộc).",
            ("mã đối tượng", "subject id", "subject", "subject.id", "subject.kind"),
            True,
        ),
        Column(
            "period",
            "Kỳ ghi danh",
            "05/2026 (tháng), quý II/2026, 6 tháng đầu năm 2026 hoặc năm 2026, theo nhịp ghi danh của cấp mình.",
            ("kỳ", "period"),
            True,
        ),
        Column("deed", "Việc làm tốt", "Việc làm tốt, gương điển hình được ghi danh (bắt buộc).", ("deed",), True),
        Column(
            "evidence", "Minh chứng", "Đường dẫn http(s) tới bài viết, văn bản; mỗi đường dẫn một dòng.", ("evidence",)
        ),
        Column(
            "proposed_by", "Người đề xuất", "Người hoặc tập thể đề xuất (bắt buộc).", ("đề xuất", "proposed by"), True
        ),
        Column(
            "approved_by",
            "Cấp phê duyệt",
            "Người hoặc cấp ủy phê duyệt (bắt buộc).",
            ("phê duyệt", "approved by"),
            True,
        ),
        Column(
            "consent_to_publish",
            "Đồng ý công khai tên",
            "'có' nếu người được ghi danh đồng ý nêu tên công khai; để trống là không.",
            ("consent to publish",),
        ),
        Column(
            "recording_unit_id",
            "Đơn vị ghi danh",
            "Mã đơn vị giữ sổ; để trống là đơn vị của token. Mỗi tệp là sổ của một đơn vị.",
            ("recording unit id",),
        ),
    ],
)


READERS = {
    "subject_kind": lambda text: cells.choice(text, SUBJECTS, "đảng viên, tập thể"),
    "period": cells.period,
    "evidence": cells.lines,
    "consent_to_publish": cells.yes_no,
}


def honor_body(row: dict[str, str]) -> dict:
    """A row (cells by field) as the body of an entry, before the service's rules (raises ValueError naming the
    column)."""
    read = LAYOUT.read(row, READERS)
    body = {
        "subject": {"kind": read.get("subject_kind", "member"), "id": row.get("subject_id", "")},
        "period": read.get("period", ""),
        "evidence": read.get("evidence", []),
        "consent_to_publish": read.get("consent_to_publish", False),
        "recording_unit_id": row.get("recording_unit_id") or None,
        **{name: row.get(name, "") for name in ("deed", "proposed_by", "approved_by")},
    }
    return body


def honor_key(item: dict) -> tuple:
    """One entry per subject, period and roll."""
    return item["subject"]["kind"], item["subject"]["id"], item["period"], item.get("recording_unit_id")


DUPLICATE = ("Mã đảng viên hoặc tổ chức", "cùng đối tượng và kỳ với dòng {line}")
"""(column, reason with {line}) of a row that repeats an earlier row's entry."""

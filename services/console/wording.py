"""What the APIs answer, worded in Vietnamese for the committees: statuses, the common reasons of a field, the
eligibility gate's reasons, levels, statuses of nominations."""

import re

STATUS_HEADLINES = {
    400: "Yêu cầu không đọc được",
    401: "Phiên đăng nhập đã hết hạn hoặc token không hợp lệ",
    403: "Tài khoản này không được xem hay làm việc này (ngoài đơn vị hoặc vai trò của mình)",
    404: "Không tìm thấy",
    409: "Trùng với mục đã có",
    413: "Dữ liệu gửi lên quá lớn",
    422: "Dữ liệu chưa đúng",
    503: "Dịch vụ đang tạm ngừng, xin thử lại sau ít phút",
}
REASONS = (
    (re.compile(r"^Field required$|^missing$"), "bắt buộc, đang để trống"),
    (re.compile(r"^String should have at least 1 character"), "bắt buộc, đang để trống"),
    (re.compile(r"^String should have at most (\d+) characters?"), r"dài quá \1 ký tự"),
    (re.compile(r"^String should match pattern"), "không đúng dạng: chữ không dấu, số và . _ : - (không khoảng trắng)"),
    (re.compile(r"^Input should be a valid integer"), "phải là một số nguyên"),
    (re.compile(r"^Input should be a valid date"), "phải là một ngày (ngày/tháng/năm)"),
    (re.compile(r"\bNFC\b"), "chữ tiếng Việt chưa ở dạng dựng sẵn (NFC): gõ lại bằng bộ gõ Unicode"),
    (re.compile(r"unknown (member|unit|nomination|honor|commitment)", re.I), "không có trong danh bạ / hệ thống"),
    (re.compile(r"outside the subtree", re.I), "ngoài đơn vị mà tài khoản được phụ trách"),
    (re.compile(r"already decided|is (approved|rejected)", re.I), "đề nghị này đã được quyết định"),
    (re.compile(r"is not eligible for an honor", re.I), "không đủ điều kiện ghi danh"),
    (re.compile(r"already on the .*roll", re.I), "đã có trong sổ ghi danh cấp này, kỳ này"),
)
GATE_REASONS = {
    "open_inspection": "đang trong một cuộc kiểm tra, giám sát chưa kết luận",
    "violation": "có kết luận vi phạm",
    "discipline": "bị thi hành kỷ luật trong 12 tháng",
    "not_completed_rating": "bị xếp loại không hoàn thành nhiệm vụ",
}
LEVELS = {"province": "Tỉnh", "district": "Huyện", "grassroots": "Cơ sở", "cell": "Chi bộ"}
NOMINATION_STATUSES = {"pending": "chờ quyết định", "approved": "đã chấp thuận", "rejected": "không chấp thuận"}
ROLES = {
    "member": "đảng viên",
    "cell_secretary": "bí thư chi bộ",
    "committee": "cấp ủy",
    "inspector": "ủy ban kiểm tra",
    "publisher": "người đăng tin",
    "operator": "quản trị",
}


def status_headline(status: int) -> str:
    """The headline of an API's refusal, by its status."""
    return STATUS_HEADLINES.get(status, f"Dịch vụ trả lời lỗi {status}")


def field_reason(field: str, reason: str) -> str:
    """A reason the API gave, in Vietnamese when it is one of the common ones; the API's own words beside it
    otherwise (they name the rule exactly)."""
    for pattern, words in REASONS:
        if pattern.search(reason):
            return pattern.sub(words, reason) if "\\1" in words else f"{words} ({reason})"
    return reason


def gate_reason(reason: dict) -> str:
    """One reason of the eligibility gate, in words."""
    words = GATE_REASONS.get(str(reason.get("code")), str(reason.get("code")))
    return f"{words} — {reason.get('ref', '')}: {reason.get('message', '')}"

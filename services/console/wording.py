"""What the APIs answer, worded in Vietnamese for the committees: statuses, the eligibility gate's reasons,
levels, statuses of nominations (the common reasons of a field: neuguong.wording, which the importer shares)."""

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


def gate_reason(reason: dict) -> str:
    """One reason of the eligibility gate, in words."""
    words = GATE_REASONS.get(str(reason.get("code")), str(reason.get("code")))
    return f"{words} — {reason.get('ref', '')}: {reason.get('message', '')}"

"""Vietnamese names of the figures, levels, measures and periods, as committees and clerks read them (the
projections' reports and the console's pages share them)."""

ROMAN = {"1": "I", "2": "II", "3": "III", "4": "IV"}
BLOC_COMMITTEES = "đảng ủy trực thuộc Tỉnh ủy"
"""After the 2025 reform the only committees between the province and the grassroots: the blocs' (agencies,
enterprises, armed forces), which the directory may still file at the former district level."""
KIND_NAMES = {
    "territorial": "xã, phường",
    "agency": "khối cơ quan",
    "enterprise": "doanh nghiệp",
    "armed_forces": "lực lượng vũ trang",
}
LEVEL_NAMES = {"province": "cấp tỉnh", "district": "cấp huyện", "grassroots": "cấp cơ sở", "cell": "cấp chi bộ"}
MEASURE_NAMES = {
    "reprimand": "khiển trách",
    "warning": "cảnh cáo",
    "removal_from_post": "cách chức",
    "expulsion": "khai trừ",
}
REVOCATION_CAUSES = {"violation": "do vi phạm", "discipline": "do kỷ luật", "operator": "theo quyết định khác"}
CHANNEL_NAMES = {"portal": "cổng thông tin điện tử", "fanpage": "trang mạng xã hội"}
PUBLICITY_KINDS = {"published": "đăng tải", "retracted": "gỡ bỏ"}
CONCLUSION_NAMES = {"compliant": "không vi phạm", "shortcomings": "có khuyết điểm", "violation": "có vi phạm"}
ORIGINS = {"inspection": "sau kiểm tra", "supervision": "sau giám sát", "other": "khác"}
ACT_NAMES = {
    "filed": "đăng ký cam kết",
    "self_reviewed": "tự soi, tự sửa",
    "reported": "báo cáo kết quả",
    "rated": "được đánh giá",
}
WHO = {"": "", "_leaders": " — lãnh đạo, quản lý", "_heads": " — người đứng đầu"}

FIGURE_LABELS: dict[str, str] = {
    # The directory as it stood at the span's end.
    "bloc_committees": "Đảng ủy trực thuộc Tỉnh ủy (khối)",
    "grassroots": "Tổ chức cơ sở đảng",
    **{f"grassroots_{kind}": f"Tổ chức cơ sở đảng — {name}" for kind, name in KIND_NAMES.items()},
    "cells": "Chi bộ",
    "members": "Đảng viên",
    "members_leaders": "Đảng viên — lãnh đạo, quản lý",
    "members_heads": "Đảng viên — người đứng đầu",
    "owing_members": "Đảng viên phải đăng ký cam kết",
    **{f"owing_member_years{w}": f"Lượt phải đăng ký cam kết{label}" for w, label in WHO.items()},
    # Acts ("lượt") and the members who did them ("người").
    "commitments_filed": "Đăng ký cam kết (lượt)",
    "commitments_filed_leaders": "Cam kết — lãnh đạo, quản lý (lượt)",
    "commitments_filed_heads": "Cam kết — người đứng đầu (lượt)",
    "self_reflections": "Tự soi, tự sửa (lượt)",
    "commitment_reports": "Báo cáo kết quả cam kết (lượt)",
    "commitment_reports_leaders": "Báo cáo — lãnh đạo, quản lý (lượt)",
    "commitment_reports_heads": "Báo cáo — người đứng đầu (lượt)",
    "commitments_rated": "Được đánh giá, xếp loại (lượt)",
    "commitments_rated_leaders": "Đánh giá — lãnh đạo, quản lý (lượt)",
    "commitments_rated_heads": "Đánh giá — người đứng đầu (lượt)",
    **{
        f"members_{act}{w}": f"Đảng viên {name}{label} (người)"
        for act, name in ACT_NAMES.items()
        for w, label in WHO.items()
    },
    **{
        f"member_years_{act}{w}": f"Lượt {name} tính theo năm{label}"
        for act, name in ACT_NAMES.items()
        for w, label in WHO.items()
    },
    "rating_excellent": "Hoàn thành xuất sắc",
    "rating_good": "Hoàn thành tốt",
    "rating_completed": "Hoàn thành",
    "rating_not_completed": "Không hoàn thành",
    # Sessions.
    "sessions_regular": "Sinh hoạt thường kỳ (buổi)",
    "sessions_thematic": "Sinh hoạt chuyên đề (buổi)",
    "cells_every_regular": "Chi bộ sinh hoạt thường kỳ đủ các tháng",
    "attendance_present": "Lượt đảng viên dự sinh hoạt",
    "attendance_expected": "Lượt đảng viên phải dự sinh hoạt",
    # Honors.
    "honors": "Ghi danh, biểu dương (lượt)",
    **{f"honors_{level}": f"Ghi danh {name}" for level, name in LEVEL_NAMES.items()},
    "honors_of_members": "Ghi danh cá nhân (lượt)",
    "honors_of_units": "Ghi danh tập thể (lượt)",
    "honored_members": "Cá nhân được ghi danh (người)",
    "honored_units": "Tập thể được ghi danh",
    "nominations_sent": "Đề nghị ghi danh",
    "nominations_approved": "Đề nghị được chấp thuận",
    "nominations_rejected": "Đề nghị không được chấp thuận",
    "honors_revoked": "Ghi danh bị thu hồi",
    **{f"honors_revoked_{c}": f"Thu hồi {name}" for c, name in REVOCATION_CAUSES.items()},
    # Publicity of honors on the province's channels (acknowledged deliveries).
    **{
        f"{what}_{kind}{channel}": f"{label} {verb}{where}"
        for kind, verb in PUBLICITY_KINDS.items()
        for channel, where in {"": "", **{f"_{c}": f" — {name}" for c, name in CHANNEL_NAMES.items()}}.items()
        for what, label in (("publicity", "Lượt"), ("honors", "Ghi danh được"))
    },
    # Inspections and supervisions.
    "inspections_opened": "Cuộc kiểm tra",
    "supervisions_opened": "Cuộc giám sát",
    "inspections_of_members": "Cuộc kiểm tra đảng viên",
    "inspections_of_units": "Cuộc kiểm tra tổ chức đảng",
    "supervisions_of_members": "Cuộc giám sát đảng viên",
    "supervisions_of_units": "Cuộc giám sát tổ chức đảng",
    "units_inspected": "Tổ chức đảng được kiểm tra",
    "members_inspected": "Đảng viên được kiểm tra",
    "units_supervised": "Tổ chức đảng được giám sát",
    "members_supervised": "Đảng viên được giám sát",
    **{f"inspections_by_{level}": f"Cuộc kiểm tra {name}" for level, name in LEVEL_NAMES.items()},
    **{f"supervisions_by_{level}": f"Cuộc giám sát {name}" for level, name in LEVEL_NAMES.items()},
    "inspections_concluded": "Cuộc kiểm tra đã kết luận",
    "supervisions_concluded": "Cuộc giám sát đã kết luận",
    **{f"conclusions_{c}": f"Kết luận {name}" for c, name in CONCLUSION_NAMES.items()},
    **{f"inspection_conclusions_{c}": f"Kiểm tra — kết luận {name}" for c, name in CONCLUSION_NAMES.items()},
    **{f"supervision_conclusions_{c}": f"Giám sát — kết luận {name}" for c, name in CONCLUSION_NAMES.items()},
    "disciplines": "Thi hành kỷ luật",
    **{f"disciplines_{m}": f"Kỷ luật {name}" for m, name in MEASURE_NAMES.items()},
    **{f"disciplines_after_{o}": f"Kỷ luật {name}" for o, name in ORIGINS.items()},
}
"""Every figure a report shows, in the order the workbook lists them."""


def period_label(period: str) -> str:
    """`2026` → năm 2026, `2026-H1` → 6 tháng đầu năm 2026, `2026-Q2` → quý II năm 2026,
    `2026-05` → tháng 5 năm 2026."""
    year, _, part = period.partition("-")
    if not part:
        return f"năm {year}"
    if part.startswith("H"):
        return f"6 tháng {'đầu' if part == 'H1' else 'cuối'} năm {year}"
    if part.startswith("Q"):
        return f"quý {ROMAN[part[1]]} năm {year}"
    return f"tháng {int(part)} năm {year}"

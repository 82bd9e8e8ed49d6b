"""The Vietnamese narrative report of a unit's figures for a period (pure: figures in, text out)."""

from collections.abc import Mapping

from neuguong.progress import vi_number

ROMAN = {"1": "I", "2": "II", "3": "III", "4": "IV"}
FIGURE_LABELS = {
    "commitments_filed": "Đăng ký cam kết",
    "commitments_filed_leaders": "Cam kết — lãnh đạo, quản lý",
    "commitments_filed_heads": "Cam kết — người đứng đầu",
    "self_reflections": "Tự soi, tự sửa",
    "commitment_reports": "Báo cáo kết quả cam kết",
    "commitments_rated": "Được đánh giá, xếp loại",
    "commitments_rated_leaders": "Đánh giá — lãnh đạo, quản lý",
    "rating_excellent": "Hoàn thành xuất sắc",
    "rating_good": "Hoàn thành tốt",
    "rating_completed": "Hoàn thành",
    "rating_not_completed": "Không hoàn thành",
    "sessions_regular": "Sinh hoạt thường kỳ",
    "sessions_thematic": "Sinh hoạt chuyên đề",
    "honors": "Ghi danh, biểu dương",
    "honors_cell": "Ghi danh cấp chi bộ",
    "honors_grassroots": "Ghi danh cấp cơ sở",
    "honors_district": "Ghi danh cấp huyện",
    "honors_province": "Ghi danh cấp tỉnh",
    "honors_revoked": "Ghi danh bị thu hồi",
    "inspections_opened": "Cuộc kiểm tra",
    "supervisions_opened": "Cuộc giám sát",
    "inspections_of_members": "Kiểm tra đảng viên",
    "inspections_of_units": "Kiểm tra tổ chức đảng",
    "supervisions_of_members": "Giám sát đảng viên",
    "supervisions_of_units": "Giám sát tổ chức đảng",
    "conclusions_violation": "Kết luận có vi phạm",
    "disciplines": "Thi hành kỷ luật",
}


def period_label(period: str) -> str:
    """`2026` → năm 2026, `2026-H1` → 6 tháng đầu năm 2026, `2026-Q2` → quý II năm 2026, `2026-05` → tháng 5 năm 2026."""
    year, _, part = period.partition("-")
    if not part:
        return f"năm {year}"
    if part.startswith("H"):
        return f"6 tháng {'đầu' if part == 'H1' else 'cuối'} năm {year}"
    if part.startswith("Q"):
        return f"quý {ROMAN[part[1]]} năm {year}"
    return f"tháng {int(part)} năm {year}"


def narrative(unit_name: str, period: str, figures: Mapping[str, int]) -> str:
    """The report as paragraphs of Vietnamese text, numbers written 142.597."""
    def n(name: str) -> str:
        return vi_number(figures.get(name, 0))

    return "\n\n".join([
        f"Kết quả học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh của {unit_name}, "
        f"{period_label(period)}.",
        f"Cam kết nêu gương: {n('commitments_filed')} đảng viên đã đăng ký cam kết, trong đó "
        f"{n('commitments_filed_leaders')} đồng chí là cán bộ lãnh đạo, quản lý và "
        f"{n('commitments_filed_heads')} đồng chí là người đứng đầu. Tự soi, tự sửa hằng tháng: "
        f"{n('self_reflections')} lượt. Báo cáo kết quả thực hiện cam kết: {n('commitment_reports')} đảng viên.",
        f"Thực hiện phương châm “trên trước, dưới sau”: {n('commitments_filed_leaders')} cán bộ lãnh đạo, quản lý "
        f"đã cam kết và {n('commitments_rated_leaders')} đã được đánh giá, xếp loại.",
        f"Đánh giá, xếp loại: {n('commitments_rated')} đảng viên, trong đó hoàn thành xuất sắc "
        f"{n('rating_excellent')}, hoàn thành tốt {n('rating_good')}, hoàn thành {n('rating_completed')}, "
        f"không hoàn thành {n('rating_not_completed')}.",
        f"Sinh hoạt chi bộ: {n('sessions_regular')} buổi sinh hoạt thường kỳ và {n('sessions_thematic')} buổi "
        f"sinh hoạt chuyên đề.",
        f"Sổ ghi danh: {n('honors')} lượt ghi danh, biểu dương (cấp chi bộ {n('honors_cell')}, cấp cơ sở "
        f"{n('honors_grassroots')}, cấp huyện {n('honors_district')}, cấp tỉnh {n('honors_province')}); "
        f"{n('honors_revoked')} lượt bị thu hồi.",
        f"Kiểm tra, giám sát: {n('inspections_opened')} cuộc kiểm tra và {n('supervisions_opened')} cuộc giám sát; "
        f"{n('conclusions_violation')} kết luận có vi phạm; thi hành kỷ luật {n('disciplines')} trường hợp.",
    ])

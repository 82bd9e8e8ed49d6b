"""The Vietnamese narrative report of a unit's figures over a span (pure: a figures view in, text out), numbers
written 142.597 and shares 87,4 %, level names as the structure of the span had them."""

from collections.abc import Mapping

from neuguong.cadence import DISTRICT_LEVEL_CEASED_ON, level_existed
from neuguong.labels import (
    BLOC_COMMITTEES,
    CHANNEL_NAMES,
    FIGURE_LABELS,
    KIND_NAMES,
    LEVEL_NAMES,
    MEASURE_NAMES,
    REVOCATION_CAUSES,
    period_label,
)
from neuguong.numbers import vi_number, vi_percent
from neuguong.periods import SPAN_SEPARATOR, period_bounds, span_periods

COMPARED = {
    "commitments_filed": "lượt đăng ký cam kết",
    "members_filed": "đảng viên đăng ký cam kết",
    "self_reflections": "lượt tự soi, tự sửa",
    "sessions_regular": "buổi sinh hoạt thường kỳ",
    "honors": "lượt ghi danh, biểu dương",
    "inspections_opened": "cuộc kiểm tra",
    "supervisions_opened": "cuộc giám sát",
    "disciplines": "trường hợp thi hành kỷ luật",
}
"""The figures the year-on-year paragraph compares."""


def span_label(span: str) -> str:
    """`2025..2026` → giai đoạn 2025–2026; other ranges from one period to another; a period as itself."""
    first, separator, last = span.partition(SPAN_SEPARATOR)
    if not separator:
        return period_label(span)
    if len(first) == 4:
        return f"giai đoạn {first}–{last}"
    return f"từ {period_label(first)} đến {period_label(last)}"


def level_names(span: str, figures: Mapping[str, int] | None = None) -> dict[str, str]:
    """The levels in force during the span: the district level until 2025-07-01 (marked so when the span goes
    past it); after, only the blocs' committees the directory still files there, and only when they count."""
    periods = span_periods(span)
    names = dict(LEVEL_NAMES)
    if not level_existed("district", periods[0]):
        names.pop("district")
        if any(value for name, value in (figures or {}).items() if name.endswith("_district")):
            names["district"] = BLOC_COMMITTEES
    elif period_bounds(periods[-1])[1] >= DISTRICT_LEVEL_CEASED_ON:
        names["district"] += " (đến ngày 30/6/2025)"
    return {level: names[level] for level in LEVEL_NAMES if level in names}


def figure_labels(span: str, figures: Mapping[str, int]) -> dict[str, str]:
    """FIGURE_LABELS as the structure of the span names its levels: no district-level rows after the reform,
    unless the blocs' committees count there, then under their name."""
    district = level_names(span, figures).get("district")
    labels = {}
    for name, label in FIGURE_LABELS.items():
        if name.endswith("_district"):
            if district is None:
                continue
            label = label.replace(LEVEL_NAMES["district"], district)
        labels[name] = label
    return labels


def organisations(f: Mapping[str, int]) -> str:
    """The committees and organisations of the subtree, by kind where the directory gives one."""
    kinds = ", ".join(
        f"{name} {vi_number(f[f'grassroots_{kind}'])}"
        for kind, name in KIND_NAMES.items()
        if f.get(f"grassroots_{kind}")
    )
    bloc = f"{vi_number(f['bloc_committees'])} {BLOC_COMMITTEES}, " if f.get("bloc_committees") else ""
    return f"{bloc}{vi_number(f.get('grassroots', 0))} tổ chức cơ sở đảng" + (f" ({kinds})" if kinds else "")


def change(current: int, before: int) -> str:
    """How a figure moved: tăng 12 (8,3 %), giảm 3 (2,0 %), không thay đổi."""
    delta = current - before
    if delta == 0:
        return "không thay đổi"
    word = "tăng" if delta > 0 else "giảm"
    return f"{word} {vi_number(abs(delta))}" + (f" ({vi_percent(abs(delta), before)})" if before else "")


def narrative(view: Mapping) -> str:
    """The report as paragraphs of Vietnamese text."""
    f, s, span = view["figures"], view["shares"], view["period"]
    levels = level_names(span, f)

    def n(name: str) -> str:
        return vi_number(f.get(name, 0))

    def by(prefix: str, names: Mapping[str, str]) -> str:
        return ", ".join(f"{label} {n(prefix + key)}" for key, label in names.items())

    paragraphs = [
        f"Kết quả học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh của {view['name']}, "
        f"{span_label(span)}.",
        f"Tổ chức và đảng viên (cuối kỳ): {organisations(f)}, {n('cells')} chi bộ, "
        f"{n('members')} đảng viên (trong đó {n('members_leaders')} cán bộ lãnh đạo, quản lý và "
        f"{n('members_heads')} người đứng đầu); {n('owing_members')} đảng viên thuộc diện phải đăng ký cam kết "
        f"({n('owing_member_years')} lượt theo từng năm).",
        f"Cam kết nêu gương: {n('commitments_filed')} lượt đảng viên đăng ký cam kết ({n('members_filed')} đảng "
        f"viên), đạt {s['filed']['text']} số lượt phải đăng ký; trong đó {n('commitments_filed_leaders')} lượt cán "
        f"bộ lãnh đạo, quản lý ({n('members_filed_leaders')} đồng chí, {s['filed_leaders']['text']}) và "
        f"{n('commitments_filed_heads')} lượt người đứng đầu ({n('members_filed_heads')} đồng chí, "
        f"{s['filed_heads']['text']}). Tự soi, tự sửa hằng tháng: {n('self_reflections')} lượt của "
        f"{n('members_self_reviewed')} đảng viên ({s['self_reviewed']['text']}). Báo cáo kết quả thực hiện cam "
        f"kết: {n('commitment_reports')} lượt của {n('members_reported')} đảng viên ({s['reported']['text']}).",
        f"Thực hiện phương châm “trên trước, dưới sau”: {n('commitments_filed_leaders')} lượt cán bộ lãnh đạo, quản "
        f"lý đã cam kết và {n('commitments_rated_leaders')} lượt đã được đánh giá, xếp loại "
        f"({s['rated_leaders']['text']}); người đứng đầu: {n('commitments_filed_heads')} lượt cam kết, "
        f"{n('commitments_rated_heads')} lượt được đánh giá ({s['rated_heads']['text']}).",
        f"Đánh giá, xếp loại: {n('commitments_rated')} lượt của {n('members_rated')} đảng viên "
        f"({s['rated']['text']}), trong đó hoàn thành xuất sắc {n('rating_excellent')}, hoàn thành tốt "
        f"{n('rating_good')}, hoàn thành {n('rating_completed')}, không hoàn thành {n('rating_not_completed')}.",
        f"Sinh hoạt chi bộ: {n('sessions_regular')} buổi sinh hoạt thường kỳ và {n('sessions_thematic')} buổi "
        f"sinh hoạt chuyên đề; {n('cells_every_regular')} chi bộ ({s['cells_every_regular']['text']}) sinh hoạt "
        f"thường kỳ đủ các tháng trong kỳ; tỷ lệ đảng viên dự sinh hoạt {s['attendance']['text']}.",
        topics(view["topics"]),
        f"Sổ ghi danh: {n('honors')} lượt ghi danh, biểu dương, gồm {n('honors_of_members')} lượt cá nhân "
        f"({n('honored_members')} đảng viên) và {n('honors_of_units')} lượt tập thể ({n('honored_units')} tập "
        f"thể); theo cấp: {by('honors_', levels)}. Đề nghị ghi danh: {n('nominations_sent')} lượt đề nghị, "
        f"{n('nominations_approved')} được chấp thuận, {n('nominations_rejected')} không được chấp thuận. Thu hồi "
        f"{n('honors_revoked')} lượt ghi danh ({by('honors_revoked_', REVOCATION_CAUSES)}).",
        publicity(f),
        f"Kiểm tra: {n('inspections_opened')} cuộc, kiểm tra {n('units_inspected')} tổ chức đảng và "
        f"{n('members_inspected')} đảng viên; giám sát: {n('supervisions_opened')} cuộc, giám sát "
        f"{n('units_supervised')} tổ chức đảng và {n('members_supervised')} đảng viên. Theo cấp tiến hành: kiểm "
        f"tra {by('inspections_by_', levels)}; giám sát {by('supervisions_by_', levels)}. Qua kiểm tra: "
        f"{n('inspection_conclusions_violation')} kết luận có vi phạm, {n('inspection_conclusions_shortcomings')} "
        f"có khuyết điểm; qua giám sát: {n('supervision_conclusions_violation')} có vi phạm, "
        f"{n('supervision_conclusions_shortcomings')} có khuyết điểm. Thi hành kỷ luật {n('disciplines')} trường "
        f"hợp (sau kiểm tra {n('disciplines_after_inspection')}, sau giám sát {n('disciplines_after_supervision')}, "
        f"khác {n('disciplines_after_other')}), gồm {by('disciplines_', MEASURE_NAMES)}.",
        comparison(view),
        reconciliation(view),
    ]
    return "\n\n".join(paragraphs)


def topics(catalogue: list[Mapping]) -> str:
    """The thematic topics of the catalogue and how many cells took each up."""
    if not catalogue:
        return "Chuyên đề theo danh mục: không có chuyên đề nào được ban hành cho kỳ này."
    listed = "; ".join(
        f"Chuyên đề {t['topic_id']} “{t['title']}” (năm {t['year']}): {vi_number(t['cells'])} chi bộ" for t in catalogue
    )
    return f"Chuyên đề theo danh mục: {listed}."


def publicity(f: Mapping[str, int]) -> str:
    """What the channels published and retracted: deliveries ("lượt") and the honors they carried."""

    def n(name: str) -> str:
        return vi_number(f.get(name, 0))

    def done(kind: str) -> str:
        channels = ", ".join(
            f"{name} {n(f'publicity_{kind}_{c}')} lượt ({n(f'honors_{kind}_{c}')} ghi danh)"
            for c, name in CHANNEL_NAMES.items()
        )
        return f"{n(f'publicity_{kind}')} lượt ({n(f'honors_{kind}')} ghi danh; {channels})"

    return f"Tuyên truyền, công khai gương điển hình: đăng tải {done('published')}; gỡ bỏ {done('retracted')}."


def comparison(view: Mapping) -> str:
    """The span's last period beside the same period a year earlier."""
    latest, previous = view["latest"], view["previous"]
    moves = "; ".join(
        f"{label}: {vi_number(latest['figures'].get(name, 0))}, "
        f"{change(latest['figures'].get(name, 0), previous['figures'].get(name, 0))}"
        for name, label in COMPARED.items()
    )
    return f"So sánh {period_label(latest['period'])} với {period_label(previous['period'])}: {moves}."


def reconciliation(view: Mapping) -> str:
    """What does not add up, one sentence each; or that everything does."""
    findings = view["reconciliation"]
    if not findings:
        return "Đối chiếu số liệu: các số liệu khớp nhau."
    lines = []
    for item in findings:
        if item["kind"] == "honored_then_found":
            whom = "đảng viên" if item["subject_kind"] == "member" else "tổ chức"
            lines.append(
                f"ghi danh {item['honor_id']} ({whom} {item['subject_id']}, {period_label(item['period'])}) chưa thu "
                "hồi dù đối tượng sau đó bị kết luận vi phạm hoặc bị kỷ luật"
            )
        else:
            label = FIGURE_LABELS.get(item["figure"], item["figure"])
            whose = {
                "total": "tổng các thành phần",
                "children": "tổng của các đơn vị trực thuộc",
                "beyond_owed": "số lượt phải đăng ký",
            }[item["kind"]]
            lines.append(f"{label}: {vi_number(item['value'])}, {whose}: {vi_number(item['parts'])}")
    return "Đối chiếu số liệu — các số liệu chưa khớp: " + "; ".join(lines) + "."

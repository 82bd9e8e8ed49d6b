"""Pure parts of the projections: periods an event counts in, cadence, the Vietnamese narrative, reconciliation
and the workbook."""

import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook

from neuguong.cadence import HONOR_ROLL_CADENCE, levels_recording
from neuguong.numbers import vi_number
from services.honors.logic import cadence_refusal, reorganisation_refusal
from services.projections.logic import covering_periods, quarter_months
from services.projections.narrative import level_names, narrative, period_label
from services.projections.views import unit_figures_view
from services.projections.workbook import report_workbook


@pytest.mark.parametrize(
    "period, covering",
    [
        ("2026", ["2026"]),
        ("2026-H2", ["2026", "2026-H2"]),
        ("2026-Q3", ["2026", "2026-H2", "2026-Q3"]),
        ("2026-Q2", ["2026", "2026-H1", "2026-Q2"]),
        ("2026-05", ["2026", "2026-H1", "2026-Q2", "2026-05"]),
        ("2026-12", ["2026", "2026-H2", "2026-Q4", "2026-12"]),
    ],
)
def test_an_honor_counts_in_its_period_and_every_longer_one(period, covering):
    assert covering_periods(period) == covering


def test_rule_5_cadence_levels():
    assert levels_recording("2026-05") == ["cell"]
    assert levels_recording("2026-H1") == ["grassroots"]  # no district level after 2025-07-01
    assert levels_recording("2026") == ["grassroots", "province"]
    assert levels_recording("2025-H1") == ["grassroots", "district"]
    assert levels_recording("2025") == ["grassroots", "district", "province"]
    assert levels_recording("2025-H2") == ["grassroots"]
    assert levels_recording("2026-Q2") == []
    assert quarter_months("2026-Q4") == ["2026-10", "2026-11", "2026-12"]


@pytest.mark.parametrize(
    "period",
    ["2025", "2025-H1", "2025-H2", "2025-06", "2026", "2026-H1", "2026-H2", "2026-Q2", "2026-Q4", "2026-05", "2026-12"],
)
def test_the_missing_honor_roll_list_owes_exactly_what_the_honor_roll_accepts(period):
    # Rule 5 has one owner, neuguong.cadence: the compliance list (projections) reads it, and a unit is listed
    # as missing an entry for a period exactly when its roll (services/honors) would take one.
    for level in HONOR_ROLL_CADENCE:
        accepted = (
            cadence_refusal(level, period, date(2027, 6, 1)) is None and reorganisation_refusal(level, period) is None
        )
        assert accepted is (level in levels_recording(period)), (level, period)


@pytest.mark.parametrize(
    "period, label",
    [
        ("2026", "năm 2026"),
        ("2026-H1", "6 tháng đầu năm 2026"),
        ("2026-H2", "6 tháng cuối năm 2026"),
        ("2026-Q3", "quý III năm 2026"),
        ("2026-05", "tháng 5 năm 2026"),
    ],
)
def test_period_labels(period, label):
    assert period_label(period) == label


SPAN = {
    "grassroots": 99,
    "cells": 1520,
    "members": 61234,
    "members_leaders": 5120,
    "members_heads": 1610,
    "owing_members": 59876,
    "owing_member_years": 118000,
    "owing_member_years_leaders": 10100,
    "owing_member_years_heads": 3200,
    "commitments_filed": 116500,
    "commitments_filed_leaders": 10100,
    "commitments_filed_heads": 3150,
    "members_filed": 60012,
    "members_filed_leaders": 5100,
    "members_filed_heads": 1600,
    "member_years_filed": 116500,
    "member_years_filed_leaders": 10100,
    "member_years_filed_heads": 3150,
    "self_reflections": 1203456,
    "members_self_reviewed": 59000,
    "member_years_self_reviewed": 115000,
    "commitment_reports": 112000,
    "members_reported": 58000,
    "member_years_reported": 112000,
    "commitments_rated": 111000,
    "commitments_rated_leaders": 9900,
    "commitments_rated_heads": 3100,
    "members_rated": 57900,
    "member_years_rated": 111000,
    "member_years_rated_leaders": 9900,
    "member_years_rated_heads": 3100,
    "rating_excellent": 21004,
    "rating_good": 70000,
    "rating_completed": 18895,
    "rating_not_completed": 1101,
    "sessions_regular": 36000,
    "sessions_thematic": 12000,
    "cells_every_regular": 1400,
    "attendance_present": 830000,
    "attendance_expected": 950000,
    "honors": 13021,
    "honors_cell": 11000,
    "honors_grassroots": 1800,
    "honors_province": 221,
    "honors_of_members": 12500,
    "honors_of_units": 521,
    "honored_members": 9800,
    "honored_units": 480,
    "nominations_sent": 2300,
    "nominations_approved": 2021,
    "nominations_rejected": 279,
    "honors_revoked": 17,
    "honors_revoked_violation": 12,
    "honors_revoked_discipline": 4,
    "honors_revoked_operator": 0,
    "publicity_published": 21500,
    "honors_published": 12400,
    "publicity_published_portal": 12300,
    "honors_published_portal": 12300,
    "publicity_published_fanpage": 9200,
    "honors_published_fanpage": 9100,
    "publicity_retracted": 25,
    "honors_retracted": 14,
    "publicity_retracted_portal": 14,
    "honors_retracted_portal": 14,
    "publicity_retracted_fanpage": 11,
    "honors_retracted_fanpage": 11,
    "inspections_opened": 420,
    "units_inspected": 150,
    "members_inspected": 230,
    "supervisions_opened": 615,
    "units_supervised": 300,
    "members_supervised": 280,
    "inspections_by_province": 20,
    "inspections_by_grassroots": 400,
    "supervisions_by_province": 15,
    "supervisions_by_grassroots": 600,
    "inspection_conclusions_violation": 38,
    "inspection_conclusions_shortcomings": 90,
    "supervision_conclusions_violation": 5,
    "supervision_conclusions_shortcomings": 120,
    "disciplines": 29,
    "disciplines_after_inspection": 20,
    "disciplines_after_supervision": 3,
    "disciplines_after_other": 6,
    "disciplines_reprimand": 18,
    "disciplines_warning": 8,
    "disciplines_removal_from_post": 1,
    "disciplines_expulsion": 2,
}
LATEST = {name: value // 2 for name, value in SPAN.items()}
PREVIOUS = {**LATEST, "commitments_filed": 55_000, "honors": 7_000}
PROVINCE = {"unit_id": "lc", "name": "Đảng bộ tỉnh Lào Cai", "level": "province"}
FOUND = {
    "honor_id": "h-77",
    "subject_kind": "member",
    "subject_id": "lc-x1-c01-m002",
    "level": "cell",
    "period": "2026-05",
}


TOPICS = (
    {
        "topic_id": "cd-2026-01",
        "year": 2026,
        "title": "Nêu gương trong thực hành tiết kiệm",
        "issuing_unit_id": "lc",
        "cells": 1284,
    },
    {"topic_id": "cd-2027-01", "year": 2027, "title": "Dân chủ ở cơ sở", "issuing_unit_id": "lc", "cells": 0},
)


def two_year_view(span="2026..2027", children=(), found=(FOUND,), topics=TOPICS):
    last, before = span[-4:], str(int(span[-4:]) - 1)
    return unit_figures_view(
        PROVINCE,
        span,
        "historical",
        ["lc"],
        SPAN,
        {last: LATEST, before: PREVIOUS},
        list(children),
        list(found),
        list(topics),
    )


def test_the_narrative_of_a_two_year_span_after_the_reform():
    # Distinct members beside acts ("lượt" and "người"), shares of those who owed, no district level after
    # 2025-07-01, the last year against the one before, and what does not add up (one revocation without a
    # cause, an honor of a member later found at fault).
    assert narrative(two_year_view()) == (
        "Kết quả học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh của Đảng bộ tỉnh Lào Cai, giai "
        "đoạn 2026–2027."
        "\n\n"
        "Tổ chức và đảng viên (cuối kỳ): 99 tổ chức cơ sở đảng, 1.520 chi bộ, 61.234 đảng viên (trong đó "
        "5.120 cán bộ lãnh đạo, quản lý và 1.610 người đứng đầu); 59.876 đảng viên thuộc diện phải đăng ký "
        "cam kết (118.000 lượt theo từng năm)."
        "\n\n"
        "Cam kết nêu gương: 116.500 lượt đảng viên đăng ký cam kết (60.012 đảng viên), đạt 98,7 % số lượt "
        "phải đăng ký; trong đó 10.100 lượt cán bộ lãnh đạo, quản lý (5.100 đồng chí, 100,0 %) và 3.150 lượt "
        "người đứng đầu (1.600 đồng chí, 98,4 %). Tự soi, tự sửa hằng tháng: 1.203.456 lượt của 59.000 đảng "
        "viên (97,5 %). Báo cáo kết quả thực hiện cam kết: 112.000 lượt của 58.000 đảng viên (94,9 %)."
        "\n\n"
        "Thực hiện phương châm “trên trước, dưới sau”: 10.100 lượt cán bộ lãnh đạo, quản lý đã cam kết và "
        "9.900 lượt đã được đánh giá, xếp loại (98,0 %); người đứng đầu: 3.150 lượt cam kết, 3.100 lượt được "
        "đánh giá (96,9 %)."
        "\n\n"
        "Đánh giá, xếp loại: 111.000 lượt của 57.900 đảng viên (94,1 %), trong đó hoàn thành xuất sắc 21.004, "
        "hoàn thành tốt 70.000, hoàn thành 18.895, không hoàn thành 1.101."
        "\n\n"
        "Sinh hoạt chi bộ: 36.000 buổi sinh hoạt thường kỳ và 12.000 buổi sinh hoạt chuyên đề; 1.400 chi bộ "
        "(92,1 %) sinh hoạt thường kỳ đủ các tháng trong kỳ; tỷ lệ đảng viên dự sinh hoạt 87,4 %."
        "\n\n"
        "Chuyên đề theo danh mục: Chuyên đề cd-2026-01 “Nêu gương trong thực hành tiết kiệm” (năm 2026): 1.284 "
        "chi bộ; Chuyên đề cd-2027-01 “Dân chủ ở cơ sở” (năm 2027): 0 chi bộ."
        "\n\n"
        "Sổ ghi danh: 13.021 lượt ghi danh, biểu dương, gồm 12.500 lượt cá nhân (9.800 đảng viên) và 521 lượt "
        "tập thể (480 tập thể); theo cấp: cấp tỉnh 221, cấp cơ sở 1.800, cấp chi bộ 11.000. Đề nghị ghi danh: "
        "2.300 lượt đề nghị, 2.021 được chấp thuận, 279 không được chấp thuận. Thu hồi 17 lượt ghi danh (do "
        "vi phạm 12, do kỷ luật 4, theo quyết định khác 0)."
        "\n\n"
        "Tuyên truyền, công khai gương điển hình: đăng tải 21.500 lượt (12.400 ghi danh; cổng thông tin điện "
        "tử 12.300 lượt (12.300 ghi danh), trang mạng xã hội 9.200 lượt (9.100 ghi danh)); gỡ bỏ 25 lượt (14 "
        "ghi danh; cổng thông tin điện tử 14 lượt (14 ghi danh), trang mạng xã hội 11 lượt (11 ghi danh))."
        "\n\n"
        "Kiểm tra: 420 cuộc, kiểm tra 150 tổ chức đảng và 230 đảng viên; giám sát: 615 cuộc, giám sát 300 tổ "
        "chức đảng và 280 đảng viên. Theo cấp tiến hành: kiểm tra cấp tỉnh 20, cấp cơ sở 400, cấp chi bộ 0; "
        "giám sát cấp tỉnh 15, cấp cơ sở 600, cấp chi bộ 0. Qua kiểm tra: 38 kết luận có vi phạm, 90 có "
        "khuyết điểm; qua giám sát: 5 có vi phạm, 120 có khuyết điểm. Thi hành kỷ luật 29 trường hợp (sau "
        "kiểm tra 20, sau giám sát 3, khác 6), gồm khiển trách 18, cảnh cáo 8, cách chức 1, khai trừ 2."
        "\n\n"
        "So sánh năm 2027 với năm 2026: lượt đăng ký cam kết: 58.250, tăng 3.250 (5,9 %); đảng viên đăng ký "
        "cam kết: 30.006, không thay đổi; lượt tự soi, tự sửa: 601.728, không thay đổi; buổi sinh hoạt thường "
        "kỳ: 18.000, không thay đổi; lượt ghi danh, biểu dương: 6.510, giảm 490 (7,0 %); cuộc kiểm tra: 210, "
        "không thay đổi; cuộc giám sát: 307, không thay đổi; trường hợp thi hành kỷ luật: 14, không thay đổi."
        "\n\n"
        "Đối chiếu số liệu — các số liệu chưa khớp: Ghi danh bị thu hồi: 17, tổng các thành phần: 16; ghi "
        "danh h-77 (đảng viên lc-x1-c01-m002, tháng 5 năm 2026) chưa thu hồi dù đối tượng sau đó bị kết luận "
        "vi phạm hoặc bị kỷ luật."
    )


def test_a_span_across_the_reform_names_the_district_level_until_it_ceased():
    assert level_names("2025..2026")["district"] == "cấp huyện (đến ngày 30/6/2025)"
    assert "district" not in level_names("2025-H2..2026-H1")
    assert level_names("2024")["district"] == "cấp huyện"
    text = narrative(two_year_view("2025..2026"))
    assert "theo cấp: cấp tỉnh 221, cấp huyện (đến ngày 30/6/2025) 0, cấp cơ sở 1.800, cấp chi bộ 11.000." in text


def test_missing_figures_read_as_zero_and_shares_without_a_whole_as_a_dash():
    view = unit_figures_view(
        {"unit_id": "c", "name": "Chi bộ thôn Nậm Pung", "level": "cell"},
        "2026-Q2",
        "historical",
        ["c"],
        {},
        {"2026-Q2": {}, "2025-Q2": {}},
        [],
        [],
    )
    text = narrative(view)
    assert text.startswith(
        "Kết quả học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh của Chi bộ thôn "
        "Nậm Pung, quý II năm 2026."
    )
    assert "0 lượt đảng viên đăng ký cam kết (0 đảng viên), đạt – số lượt phải đăng ký" in text
    assert text.endswith("Đối chiếu số liệu: các số liệu khớp nhau.")


def test_children_that_do_not_sum_to_their_parent_are_reported():
    children = [
        {"unit_id": "a", "name": "A", "level": "grassroots", "figures": {"commitments_filed": 60_000}},
        {
            "unit_id": "b",
            "name": "B",
            "level": "grassroots",
            "figures": {"commitments_filed": 56_000, "honors": 20_000},
        },
    ]
    findings = two_year_view(children=children, found=())["reconciliation"]
    by_figure = {(f["kind"], f["figure"]): (f["value"], f["parts"]) for f in findings}
    assert by_figure[("children", "commitments_filed")] == (116_500, 116_000)  # born in cells: must be equal
    assert by_figure[("children", "honors")] == (13_021, 20_000)  # children past their parent
    assert ("children", "honors_cell") not in by_figure  # the parent's own honors may exceed its children's


NUMBER = re.compile(r"(?<![\w/-])\d{1,3}(?:\.\d{3})*(?:,\d %)?(?![\w/-])(?! năm)")
"""A figure or a share as the narrative writes it (years, dates and ids are not figures)."""


def shown(sheet) -> set[str]:
    """Every cell of a sheet as a reader sees it, whole numbers the Vietnamese way, changes without sign."""
    return {
        vi_number(abs(v)) if isinstance(v, int) else str(v) for row in sheet.iter_rows(values_only=True) for v in row
    }


def test_the_workbook_holds_every_figure_of_the_narrative_and_a_chart_of_the_child_units():
    children = [
        {"unit_id": "lc-x1", "name": "Đảng bộ xã Bát Xát", "level": "grassroots", "figures": {"commitments_filed": 31}},
        {"unit_id": "lc-x2", "name": "Đảng bộ xã Y Tý", "level": "grassroots", "figures": {"honors": 4}},
    ]
    view = two_year_view(children=children)
    units = [{"unit_id": "lc", "name": "Đảng bộ tỉnh Lào Cai", "level": "province"}, *children]
    figures = {"lc": {"commitments_filed": 142597}, "lc-x1": {"commitments_filed": 31}}
    text = narrative(view)
    book = load_workbook(io.BytesIO(report_workbook(view, text, units, figures)))
    assert book.sheetnames == ["Tổng hợp", "Báo cáo", "Đối chiếu", "Chuyên đề", "Đơn vị trực thuộc", "Tỉnh", "Cơ sở"]
    numbers = set(NUMBER.findall(text))
    assert {"116.500", "60.012", "98,7 %", "87,4 %", "3.250", "5,9 %"} <= numbers
    assert numbers - (shown(book["Tổng hợp"]) | shown(book["Đối chiếu"]) | shown(book["Chuyên đề"])) == set()
    assert [c.value for c in book["Chuyên đề"][2]] == [
        "cd-2026-01",
        2026,
        "Nêu gương trong thực hành tiết kiệm",
        "lc",
        1284,
    ]
    assert [row[0].value for row in book["Báo cáo"].iter_rows()] == text.split("\n\n")
    charts = book["Đơn vị trực thuộc"]._charts
    assert len(charts) == 1 and charts[0].tagname == "barChart"
    assert [c.value for c in book["Đơn vị trực thuộc"]["B"][1:3]] == ["Đảng bộ xã Bát Xát", "Đảng bộ xã Y Tý"]
    communes = book["Cơ sở"]
    column = [c.value for c in communes[2]].index("Đăng ký cam kết (lượt)")
    assert communes[3][column].value == 31 and book["Tỉnh"]["A1"].value == "Đảng bộ tỉnh Lào Cai — giai đoạn 2026–2027"


def test_after_the_reform_the_district_level_is_named_only_for_the_blocs_committees_that_count():
    assert "district" not in level_names("2026", {"honors_district": 0})
    assert level_names("2026..2027", {"inspections_by_district": 2})["district"] == "đảng ủy trực thuộc Tỉnh ủy"
    figures = {**SPAN, "bloc_committees": 2, "grassroots_territorial": 90, "grassroots_agency": 9}
    view = unit_figures_view(PROVINCE, "2026..2027", "historical", ["lc"], figures, {"2027": {}, "2026": {}}, [], [])
    assert (
        "Tổ chức và đảng viên (cuối kỳ): 2 đảng ủy trực thuộc Tỉnh ủy, 99 tổ chức cơ sở đảng (xã, phường 90, khối cơ "
        "quan 9), 1.520 chi bộ, 61.234 đảng viên"
    ) in narrative(view)


def test_the_workbook_names_levels_as_the_structure_of_the_span_had_them():
    def summary_labels(span, figures):
        view = unit_figures_view(PROVINCE, span, "historical", ["lc"], figures, {span[-4:]: {}, "2000": {}}, [], [])
        book = load_workbook(io.BytesIO(report_workbook(view, narrative(view), [], {})))
        return [row[0] for row in book["Tổng hợp"].iter_rows(min_row=3, values_only=True)]

    assert not [label for label in summary_labels("2026..2027", SPAN) if "huyện" in label]
    assert "Ghi danh cấp huyện (đến ngày 30/6/2025)" in summary_labels("2025..2026", SPAN)
    assert "Cuộc kiểm tra đảng ủy trực thuộc Tỉnh ủy" in summary_labels("2026", {"inspections_by_district": 3})

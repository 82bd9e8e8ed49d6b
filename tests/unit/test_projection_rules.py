"""Pure parts of the projections: periods an event counts in, cadence, the Vietnamese narrative."""

import io

import pytest
from openpyxl import load_workbook

from services.projections.logic import cadence_levels, covering_periods, quarter_months
from services.projections.narrative import narrative, period_label
from services.projections.workbook import report_workbook


@pytest.mark.parametrize("period, covering", [
    ("2026", ["2026"]),
    ("2026-H2", ["2026", "2026-H2"]),
    ("2026-Q3", ["2026", "2026-H2", "2026-Q3"]),
    ("2026-Q2", ["2026", "2026-H1", "2026-Q2"]),
    ("2026-05", ["2026", "2026-H1", "2026-Q2", "2026-05"]),
    ("2026-12", ["2026", "2026-H2", "2026-Q4", "2026-12"]),
])
def test_an_honor_counts_in_its_period_and_every_longer_one(period, covering):
    assert covering_periods(period) == covering


def test_rule_5_cadence_levels():
    assert cadence_levels("2026-05") == ["cell"]
    assert cadence_levels("2026-H1") == ["grassroots", "district"]
    assert cadence_levels("2026") == ["grassroots", "district", "province"]
    assert cadence_levels("2026-Q2") == []
    assert quarter_months("2026-Q4") == ["2026-10", "2026-11", "2026-12"]


@pytest.mark.parametrize("period, label", [
    ("2026", "năm 2026"), ("2026-H1", "6 tháng đầu năm 2026"), ("2026-H2", "6 tháng cuối năm 2026"),
    ("2026-Q3", "quý III năm 2026"), ("2026-05", "tháng 5 năm 2026"),
])
def test_period_labels(period, label):
    assert period_label(period) == label


FIXED = {"commitments_filed": 142597, "commitments_filed_leaders": 12034, "commitments_filed_heads": 2185,
         "self_reflections": 1203456, "commitment_reports": 140002, "commitments_rated": 139870,
         "commitments_rated_leaders": 11990, "rating_excellent": 21004, "rating_good": 98765, "rating_completed": 19000,
         "rating_not_completed": 1101, "sessions_regular": 26220, "sessions_thematic": 8740, "honors": 13021,
         "honors_cell": 11000, "honors_grassroots": 1800, "honors_province": 221, "honors_revoked": 17,
         "inspections_opened": 420, "supervisions_opened": 615, "conclusions_violation": 38, "disciplines": 29}


def test_the_narrative_of_a_fixed_dataset():
    assert narrative("Đảng bộ tỉnh Lào Cai", "2026", FIXED) == (
        "Kết quả học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh của Đảng bộ tỉnh Lào Cai, năm 2026."
        "\n\n"
        "Cam kết nêu gương: 142.597 đảng viên đã đăng ký cam kết, trong đó 12.034 đồng chí là cán bộ lãnh đạo, "
        "quản lý và 2.185 đồng chí là người đứng đầu. Tự soi, tự sửa hằng tháng: 1.203.456 lượt. Báo cáo kết quả "
        "thực hiện cam kết: 140.002 đảng viên."
        "\n\n"
        "Thực hiện phương châm “trên trước, dưới sau”: 12.034 cán bộ lãnh đạo, quản lý đã cam kết và 11.990 đã "
        "được đánh giá, xếp loại."
        "\n\n"
        "Đánh giá, xếp loại: 139.870 đảng viên, trong đó hoàn thành xuất sắc 21.004, hoàn thành tốt 98.765, "
        "hoàn thành 19.000, không hoàn thành 1.101."
        "\n\n"
        "Sinh hoạt chi bộ: 26.220 buổi sinh hoạt thường kỳ và 8.740 buổi sinh hoạt chuyên đề."
        "\n\n"
        "Sổ ghi danh: 13.021 lượt ghi danh, biểu dương (cấp chi bộ 11.000, cấp cơ sở 1.800, cấp huyện 0, cấp tỉnh "
        "221); 17 lượt bị thu hồi."
        "\n\n"
        "Kiểm tra, giám sát: 420 cuộc kiểm tra và 615 cuộc giám sát; 38 kết luận có vi phạm; thi hành kỷ luật 29 "
        "trường hợp."
    )


def test_missing_figures_read_as_zero():
    text = narrative("Chi bộ thôn Nậm Pung", "2026-Q2", {})
    assert text.startswith("Kết quả học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh của Chi bộ thôn "
                           "Nậm Pung, quý II năm 2026.")
    assert "0 đảng viên đã đăng ký cam kết" in text


def test_the_workbook_has_one_sheet_per_level():
    units = [{"unit_id": "lc", "name": "Đảng bộ tỉnh Lào Cai", "level": "province"},
             {"unit_id": "lc-x1", "name": "Đảng bộ xã Bát Xát", "level": "grassroots"},
             {"unit_id": "lc-x1-c01", "name": "Chi bộ thôn Nậm Pung", "level": "cell"},
             {"unit_id": "lc-x1-c02", "name": "Chi bộ Trường Tiểu học", "level": "cell"}]
    figures = {"lc": {"commitments_filed": 142597}, "lc-x1-c02": {"commitments_filed": 31}}
    book = load_workbook(io.BytesIO(report_workbook("Đảng bộ tỉnh Lào Cai", "2026", units, figures)))
    assert book.sheetnames == ["Tỉnh", "Cơ sở", "Chi bộ"]
    cells = book["Chi bộ"]
    assert cells["A1"].value == "Đảng bộ tỉnh Lào Cai — năm 2026"
    assert [c.value for c in cells[2]][:3] == ["Mã đơn vị", "Tên đơn vị", "Đăng ký cam kết"]
    assert [[c.value for c in row][:3] for row in cells.iter_rows(min_row=3)] == [
        ["lc-x1-c01", "Chi bộ thôn Nậm Pung", 0], ["lc-x1-c02", "Chi bộ Trường Tiểu học", 31]]
    assert book["Tỉnh"]["C3"].value == 142597

"""The importers' pieces: cells as clerks write them, and requests sized by bytes to the body limit."""

import json

import pytest
from openpyxl import Workbook

from neuguong.workbooks import cells
from neuguong.workbooks.sheets import read_rows
from ops.importer.batch import ENVELOPE, MAX_ITEMS, ImportReport, _chunks
from ops.importer.commitments import parse_row
from tests.workbooks import rewrite_sheet


@pytest.mark.parametrize(
    "text, period",
    [
        ("2026", "2026"),
        ("Năm 2026", "2026"),
        ("2026-h1", "2026-H1"),
        ("6 tháng đầu năm 2026", "2026-H1"),
        ("6 tháng cuối năm 2025", "2025-H2"),
        ("Quý II/2026", "2026-Q2"),
        ("quý 4 năm 2025", "2025-Q4"),
        ("2026-05", "2026-05"),
        ("05/2026", "2026-05"),
        ("Tháng 5/2026", "2026-05"),
    ],
)
def test_periods_as_clerks_write_them(text, period):
    assert cells.period(text) == period


@pytest.mark.parametrize("text", ["13/2026", "Quý V/2026", "6 tháng giữa năm 2026", "tháng năm"])
def test_what_is_not_a_period_says_how_to_write_one(text):
    with pytest.raises(cells.CellError, match="viết 05/2026"):
        cells.period(text)


def test_words_match_whatever_the_case_spacing_or_tone_placement():
    statuses = cells.vocabulary({"xóa tên": "left", "tỉnh ủy": "province"})
    assert cells.choice("  XOÁ   Tên ", statuses, "") == "left"
    assert cells.choice("Tỉnh uỷ", statuses, "") == "province"
    assert cells.word("Quý II") == "quý ii"  # the u of "qu" is the consonant's


@pytest.mark.parametrize("text, value", [("có", True), ("X", True), ("", False), ("Không", False)])
def test_yes_and_no(text, value):
    assert cells.yes_no(text) is value


def test_dates_and_named_reasons():
    assert cells.day("5/3/2026").isoformat() == "2026-03-05" and cells.day("2026-03-05").day == 5
    with pytest.raises(cells.CellError, match="không phải ngày"):
        cells.day("05.13.2026")
    assert cells.named_reasons("m1: Gương mẫu\n\nm2 : Đi muộn") == [
        {"member_id": "m1", "reason": "Gương mẫu"},
        {"member_id": "m2", "reason": "Đi muộn"},
    ]
    with pytest.raises(cells.CellError, match="dòng 1 trong ô"):
        cells.named_reasons("m1 Gương mẫu")


def encoded(line: int, size: int) -> tuple[int, bytes]:
    return line, json.dumps({"line": line, "text": "ư" * size}, ensure_ascii=False).encode()


def test_requests_are_sized_by_bytes_not_only_by_rows():
    rows = [encoded(line, 300 + 50 * (line % 7)) for line in range(2, 1202)]
    report = ImportReport()
    chunks = list(_chunks(rows, 64 * 1024, report))
    assert report.bad == [] and [line for chunk in chunks for line in (json.loads(b)["line"] for b in chunk)] == list(
        range(2, 1202)
    )
    for chunk in chunks:
        body = b'{"items":[' + b",".join(chunk) + b"]}"
        assert len(body) <= 64 * 1024 and len(chunk) <= MAX_ITEMS
    assert len(chunks) > len(rows) // MAX_ITEMS + 1  # 500-row chunks would have been far over the limit


def test_a_row_larger_than_a_request_is_a_bad_row_and_the_others_go():
    rows = [encoded(2, 10), encoded(3, 5000), encoded(4, 10)]
    report = ImportReport()
    chunks = list(_chunks(rows, 4096, report))
    assert [len(chunk) for chunk in chunks] == [2] and report.bad[0][0] == 3
    assert "quá giới hạn 4.096 byte" in report.bad[0][2] and ENVELOPE + len(rows[1][1]) > 4096


def test_five_hundred_full_commitments_do_not_fit_one_request_of_the_default_limit():
    plan = "\n".join(f"Việc cần làm số {n} trong năm, ghi rõ kết quả | 31/12/2026" for n in range(1, 11))
    row = {"member_id": "lc-x1-c01-m001", "year": "2026", "plan": plan, "limitations": "Ngại va chạm\n" * 10}
    item = json.dumps({"line": 2, **parse_row(row)}, ensure_ascii=False).encode()
    assert len(item) * MAX_ITEMS > 256 * 1024


@pytest.mark.parametrize(
    "deadline, day",
    [
        ("31/12/2026", "2026-12-31"),
        ("1/2/2026", "2026-02-01"),
        ("2026-06-30", "2026-06-30"),
        ("2026-6-3", "2026-06-03"),
    ],
)
def test_plan_deadlines_as_clerks_write_them(deadline, day):
    assert parse_row({"member_id": "m1", "year": "2026", "plan": f"Tự học | {deadline}"})["plan"][0]["deadline"] == day


@pytest.mark.parametrize("deadline", ["31/02/2026", "sớm", "2026/12/31", "12-31-2026", "٣١/١٢/٢٠٢٦", "31/12/26"])
def test_a_deadline_that_is_no_date_names_its_plan_item(deadline):
    with pytest.raises(ValueError, match=r"^plan\.1: hạn .* không phải một ngày \(ngày/tháng/năm\)$"):
        parse_row({"member_id": "m1", "year": "2026", "plan": f"Tự học | {deadline}"})


@pytest.mark.parametrize(
    "row, refusal",
    [
        ({"year": "26"}, "Năm: phải từ 2000 trở lên"),
        ({"year": ""}, "Năm: bắt buộc, đang để trống"),
        ({"year": "2026", "plan": "Tự học | 31/12/1999"}, "Kế hoạch thực hiện: phải từ 01/01/2000 trở lên"),
        ({"year": "3000"}, "Năm: không được quá 2100"),
        ({"year": "2026", "political_ideology": "x" * 5000}, "Về tư tưởng chính trị: dài quá 2000 ký tự"),
    ],
)
def test_a_commitment_row_is_refused_in_vietnamese_naming_its_column(row, refusal):
    with pytest.raises(ValueError) as refused:
        parse_row({"member_id": "m1", **row})
    assert str(refused.value) == refusal


def test_a_workbook_that_understates_its_size_is_read_to_its_last_row(tmp_path):
    """Some tools write a <dimension> smaller than the sheet: every row is read all the same, numbered as the
    spreadsheet shows it (a gap stays a gap)."""
    book = Workbook()
    for row in (["Mã đảng viên", "Năm"], ["m1", 2026], ["m2", 2026], [], ["m4", 2026], ["m5"]):
        book.active.append(row)
    path = tmp_path / "so.xlsx"
    book.save(path)

    def understated(sheet: bytes) -> bytes:
        assert b'<dimension ref="A1:B6" />' in sheet
        return sheet.replace(b'<dimension ref="A1:B6" />', b'<dimension ref="A1:B3" />')

    rewrite_sheet(path, understated)
    assert [(line, cells.get("năm")) for line, cells in read_rows(path)] == [
        (2, "2026"),
        (3, "2026"),
        (5, "2026"),
        (6, None),
    ]

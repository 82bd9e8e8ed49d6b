"""The spreadsheet import: every bad row reported with its line and reason, valid rows filed once."""

import csv
import random
import unicodedata

import httpx
import pytest
from openpyxl import Workbook

from ops.directory.demo import build_demo_directory
from ops.importer.commitments import import_commitments
from tests.integration.flows import directory_loaded
from tests.scale import IMPORT_COMMUNES, IMPORT_ROWS

HEADER = ["member_id", "year", "limitations", "plan", "task_results"]


@pytest.fixture(scope="module")
def directory():
    return build_demo_directory(communes=IMPORT_COMMUNES)  # 6 communes: 5.240 members, 10.000 rows in two years


@pytest.fixture
async def commitments(system, directory):
    async with system.service("commitments") as service:
        await system.import_directory(directory)
        await directory_loaded(service, directory)
        yield service


def importer(service, system) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=service.app),
        base_url="http://commitments",
        headers=system.token("tinh-uy", "committee", "lc"),
        timeout=120,
    )


def good_row(member_id: str, year: int) -> list[str]:
    return [
        member_id,
        str(year),
        "Chưa mạnh dạn đấu tranh phê bình\nNgại va chạm",
        f"Tham gia đầy đủ sinh hoạt chi bộ | 31/12/{year}\nHướng dẫn hộ nghèo trồng quế | {year}-09-30",
        "Hoàn thành tốt nhiệm vụ được giao",
    ]


BAD_KINDS = {
    "missing member": ("Mã đảng viên", "bắt buộc, đang để trống"),
    "unknown member": ("member_id", "unknown member"),
    "future year": ("year", "is in the future"),
    "bad deadline": ("plan.1", "không phải một ngày"),
    "duplicate": ("member_id", "trùng đảng viên và năm với dòng"),
}


def generated_file(path, directory, rows: int = IMPORT_ROWS, bad_share: float = 0.01):
    """A CSV of `rows` commitments, 1% of them bad in known ways; returns {line: bad kind}."""
    pairs = [(m.member_id, year) for year in (2025, 2026) for m in directory.members][:rows]
    rng = random.Random(7)
    bad_lines = sorted(rng.sample(range(102, rows + 2), int(rows * bad_share)))  # data starts on line 2
    kinds = {line: list(BAD_KINDS)[i % len(BAD_KINDS)] for i, line in enumerate(bad_lines)}
    body = []
    for line, (member_id, year) in enumerate(pairs, start=2):
        row = good_row(member_id, year)
        kind = kinds.get(line)
        if kind == "missing member":
            row[0] = ""
        elif kind == "unknown member":
            row[0] = f"lc-x99999-c01-m{line:04d}"
        elif kind == "future year":
            row[1] = "2031"
        elif kind == "bad deadline":
            row[3] = "Tham gia sinh hoạt | 31/13/2026"
        elif kind == "duplicate":
            row[0], row[1] = pairs[line - 100][0], str(pairs[line - 100][1])
        if line % 97 == 0:  # some cells typed on a keyboard that writes decomposed letters
            row[2] = unicodedata.normalize("NFD", row[2])
        body.append(row)
    with path.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(body)
    return kinds


async def counts(service) -> tuple[int, int]:
    pool = service.runtime.pool
    return await pool.fetchval("SELECT count(*) FROM commitments"), await pool.fetchval("SELECT count(*) FROM outbox")


async def test_a_province_of_rows_with_one_percent_bad(system, directory, commitments, tmp_path):
    path = tmp_path / "cam-ket-2025-2026.csv"
    kinds = generated_file(path, directory)
    async with importer(commitments, system) as client:
        first = await import_commitments(path, client)
    assert [line for line, _, _ in first.bad] == sorted(kinds)
    for line, field, reason in first.bad:
        expected_field, expected_reason = BAD_KINDS[kinds[line]]
        assert field == expected_field and expected_reason in reason, (line, field, reason)
        if kinds[line] == "duplicate":  # it names the line it repeats (the row of line - 98, see generated_file)
            assert reason.endswith(f"với dòng {line - 98}"), (line, reason)
    assert first.created == IMPORT_ROWS - len(kinds) and first.existing == 0
    assert await counts(commitments) == (first.created, first.created)
    nfd_member = await commitments.runtime.pool.fetchval(
        "SELECT content->'limitations'->>0 FROM commitments ORDER BY filed_at LIMIT 1"
    )
    assert unicodedata.is_normalized("NFC", nfd_member)

    async with importer(commitments, system) as client:
        again = await import_commitments(path, client)
    assert again.created == 0 and again.existing == first.created
    assert again.bad == first.bad
    assert await counts(commitments) == (first.created, first.created)


async def test_an_xlsx_file_with_vietnamese_headers(system, directory, commitments, tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(
        [
            "Mã đảng viên",
            "Năm",
            "Hạn chế, khuyết điểm cần khắc phục",
            "Kế hoạch thực hiện",
            "Về kết quả thực hiện nhiệm vụ",
        ]
    )
    sheet.append(
        [
            directory.members[0].member_id,
            2026,
            unicodedata.normalize("NFD", "Ngại va chạm"),
            "Học tập chuyên đề | 30/06/2026",
            "Hoàn thành xuất sắc",
        ]
    )
    sheet.append([directory.members[1].member_id, 2026.0, "", "Không hạn | sớm", ""])
    path = tmp_path / "so-cam-ket.xlsx"
    workbook.save(path)
    async with importer(commitments, system) as client:
        report = await import_commitments(path, client)
    assert report.created == 1
    assert report.bad == [(3, "plan.1", "hạn 'sớm' không phải một ngày (ngày/tháng/năm)")]
    row = await commitments.runtime.pool.fetchrow("SELECT * FROM commitments")
    assert row["member_id"] == directory.members[0].member_id
    assert row["content"]["limitations"] == ["Ngại va chạm"]
    assert row["content"]["plan"][0]["deadline"] == "2026-06-30"
    assert row["content"]["targets"] == {"task_results": "Hoàn thành xuất sắc"}

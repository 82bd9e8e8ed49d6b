"""The CLI's progress: a bar when the total is known, a count when a workbook does not state its size."""

import io
from pathlib import Path

from openpyxl import Workbook

from neuguong.workbooks.sheets import count_rows
from ops import progress
from ops.progress import Progress


def test_a_known_total_is_a_bar_with_a_line_per_tenth_in_a_log():
    log = io.StringIO()
    bar = Progress("nhập so.xlsx", 1_500, stream=log)
    for _ in range(15):
        bar.advance(100)
    bar.close()
    lines = log.getvalue().splitlines()
    assert len(lines) == 10 and lines[-1].startswith("nhập so.xlsx [" + "#" * 30 + "] 1.500/1.500 (")


def test_without_a_total_the_count_is_logged_now_and_then_and_at_the_end(monkeypatch):
    log = io.StringIO()
    clock = iter([0.0, 1.0, 11.0, 12.0, 30.0])
    monkeypatch.setattr(progress.time, "monotonic", lambda: next(clock))
    count = Progress("nhập so.xlsx", None, stream=log)
    count.advance(1_000)  # at 1 s: nothing yet
    count.advance(1_000)  # at 11 s: a line
    count.advance(234)  # at 12 s: nothing
    count.close()  # at 30 s: the last line
    assert log.getvalue().splitlines() == ["nhập so.xlsx 2.000 (181/s)", "nhập so.xlsx 2.234 (74/s)"]


def test_a_workbook_states_its_rows_or_is_counted_as_unknown(tmp_path: Path):
    written = Workbook()
    for row in [["Mã đảng viên"], *([["m"]] * 12)]:
        written.active.append(row)
    written.save(tmp_path / "excel.xlsx")
    streamed = Workbook(write_only=True)
    sheet = streamed.create_sheet()
    for row in [["Mã đảng viên"], *([["m"]] * 12)]:
        sheet.append(row)
    streamed.save(tmp_path / "streamed.xlsx")
    (tmp_path / "so.csv").write_text('Mã đảng viên,Kế hoạch\nm1,"Việc 1\nViệc 2"\nm2,x\n', encoding="utf-8")
    assert count_rows(tmp_path / "excel.xlsx") == 12
    assert count_rows(tmp_path / "streamed.xlsx") is None
    assert count_rows(tmp_path / "so.csv") == 2  # a record whose cell spans lines counts once

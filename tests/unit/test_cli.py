"""A CLI a clerk can use: help for every subcommand, the exit codes in --help, --version, and one line
(no traceback) with a documented exit code when a file, a service, the broker or a token fails."""

import argparse
import asyncio
import contextlib
import io
import json
import re
import socket
from unittest.mock import patch

import httpx
import pytest
from openpyxl import load_workbook

from neuguong.numbers import vi_number
from ops import cli
from ops.failures import EXIT_UNREACHABLE, EXIT_USAGE, Failure
from ops.importer.batch import import_book, report_lines
from ops.importer.commitments import BOOK as COMMITMENTS
from ops.importer.sessions import BOOK as SESSIONS
from ops.importer.sheets import read_header
from ops.progress import Progress
from ops.templates import LAYOUTS, write_templates
from tests.workbooks import rewrite_sheet, write

SESSION_HEADER = ["Mã chi bộ", "Ngày sinh hoạt", "Loại sinh hoạt", "Chủ đề"]


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def subcommands(parser: argparse.ArgumentParser, path=()):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help for choice in action._choices_actions}
            for name, sub in action.choices.items():
                yield (*path, name), helps.get(name), sub
                yield from subcommands(sub, (*path, name))


def test_every_subcommand_has_help_and_the_exit_codes():
    found = list(subcommands(cli._parser()))
    assert len(found) >= 20
    for path, help_line, parser in found:
        assert help_line and parser.description, path
        assert "mã thoát" in parser.format_help(), path
        for action in parser._actions:
            assert action.help or isinstance(action, argparse._SubParsersAction), (path, action.dest)


def test_help_documents_the_exit_codes_and_version_prints(capsys):
    with pytest.raises(SystemExit) as ended:
        cli.main(["--help"])
    assert ended.value.code == 0
    text = capsys.readouterr().out
    for code in (0, 1, 2, 3):
        assert f"\n  {code}  " in text
    with pytest.raises(SystemExit) as ended:
        cli.main(["--version"])
    assert ended.value.code == 0 and capsys.readouterr().out.startswith("neuguong ")


def one_line(capsys) -> str:
    _, err = capsys.readouterr()
    assert err.count("\n") == 1 and "Traceback" not in err and err.startswith("neuguong: ")
    return err


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("khong-co.xlsx", None, "không tìm thấy tệp"),
        ("so-cu.xls", b"old", "chỉ nhập được tệp .csv hoặc .xlsx; lưu lại thành .xlsx"),
        ("hong.xlsx", b"not a zip", "không phải bảng tính Excel"),
        ("latin1.csv", b"M\xe3 chi b\xf4\nc1\n", "không phải CSV UTF-8"),
    ],
)
def test_a_file_that_cannot_be_read_is_one_line_and_exit_2(tmp_path, capsys, name, content, message):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    assert cli.main(["import", "sessions", str(path), "--token", "t", "--url", "http://127.0.0.1:9"]) == EXIT_USAGE
    assert message in one_line(capsys)


def test_an_unreachable_service_is_one_line_and_exit_3(tmp_path, capsys):
    path = write(tmp_path / "so.xlsx", SESSION_HEADER, [["c1", "05/03/2026", "Thường kỳ", "Học Bác"]])
    url = f"http://127.0.0.1:{closed_port()}"
    assert cli.main(["import", "sessions", str(path), "--token", "t", "--url", url]) == EXIT_UNREACHABLE
    assert "không kết nối được" in one_line(capsys)


def test_an_unreachable_broker_is_one_line_and_exit_3(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("NG_KAFKA_BOOTSTRAP", f"127.0.0.1:{closed_port()}")
    units = write(tmp_path / "units.xlsx", ["Mã tổ chức", "Tên", "Cấp", "Tổ chức cấp trên"], [["lc", "Tỉnh", "Tỉnh"]])
    assert cli.main(["directory", "import", str(units), "--dry-run"]) == EXIT_UNREACHABLE
    assert "không kết nối được Kafka" in one_line(capsys)


def test_usage_mistakes_are_exit_2(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("NG_TOKEN", raising=False)
    path = write(tmp_path / "so.xlsx", SESSION_HEADER, [])
    assert cli.main(["import", "honors", str(path)]) == EXIT_USAGE
    assert "NG_TOKEN" in one_line(capsys)
    assert cli.main(["directory", "import"]) == EXIT_USAGE
    assert "--demo" in one_line(capsys)
    with pytest.raises(SystemExit) as ended:
        cli.main(["import", "sessions"])
    assert ended.value.code == EXIT_USAGE


@pytest.mark.parametrize(
    "status, message",
    [
        (401, "token bị từ chối (hết hạn hoặc không hợp lệ)"),
        (403, "token không được làm việc này; không nhập dòng 2"),
    ],
)
async def test_a_refused_token_stops_the_import_with_one_line(tmp_path, status, message):
    path = write(tmp_path / "so.xlsx", SESSION_HEADER, [["c1", "05/03/2026", "Thường kỳ", "Học Bác"]])
    reply = httpx.Response(status, json={"detail": "authorization: token expired"})
    async with httpx.AsyncClient(transport=httpx.MockTransport(lambda _: reply), base_url="http://x") as client:
        with pytest.raises(Failure) as failed:
            await import_book(SESSIONS, path, client)
    assert failed.value.code == EXIT_UNREACHABLE and str(failed.value).startswith(message)
    assert "\n" not in str(failed.value)


async def test_an_import_keeps_two_requests_at_the_service_and_a_refusal_counts_every_answered_row(tmp_path):
    rows = [[f"c{i}", "05/03/2026", "Thường kỳ", "Học Bác"] for i in range(1, 6)]
    path = write(tmp_path / "so.xlsx", SESSION_HEADER, rows)
    at_service, most, sent = 0, 0, []
    second_arrived = asyncio.Event()

    async def service(request: httpx.Request) -> httpx.Response:
        nonlocal at_service, most
        at_service += 1
        most = max(most, at_service)
        items = json.loads(request.content)["items"]
        sent.append([item["line"] for item in items])
        if len(sent) == 1:  # the first waits until the second is at the service too (or 10 s: then it never came)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(second_arrived.wait(), timeout=10)
        else:
            second_arrived.set()
        at_service -= 1
        if len(sent) == 2 and sent[-1] == [item["line"] for item in items]:
            return httpx.Response(403, json={"detail": "unit: outside the subtree"})
        return httpx.Response(200, json={"results": [{"line": i["line"], "status": "created"} for i in items]})

    with_one_row_a_request = 2 + len(b'{"line":2,"cell_id":"c1"}')  # a body limit that fits one row a request
    async with httpx.AsyncClient(transport=httpx.MockTransport(service), base_url="http://x") as client:
        with pytest.raises(Failure) as failed:
            await import_book(SESSIONS, path, client, max_bytes=with_one_row_a_request + 200)
    assert most == 2 and len(sent) == 2  # nothing was sent once the refusal came back
    assert "không nhập dòng 3: ngoài đơn vị mà tài khoản được phụ trách" in str(failed.value)
    assert "trước đó đã nhập 1 dòng" in str(failed.value)  # the first request answered after the refusal


async def test_a_file_without_a_required_column_is_a_bad_header_row(tmp_path):
    path = write(tmp_path / "so.xlsx", ["Mã chi bộ", "Loại sinh hoạt"], [["c1", "Thường kỳ"]])
    async with httpx.AsyncClient(transport=httpx.MockTransport(lambda _: httpx.Response(500))) as client:
        report = await import_book(SESSIONS, path, client)
    assert report.bad == [
        (1, "Ngày sinh hoạt", "thiếu cột này trong dòng tiêu đề"),
        (1, "Chủ đề", "thiếu cột này trong dòng tiêu đề"),
    ]


def test_templates_have_a_commented_header_for_every_column_and_read_back(tmp_path):
    written = dict(write_templates(tmp_path / "mau"))
    assert len(written) == len(LAYOUTS) and all(written.values())
    for layout in LAYOUTS:
        sheet = load_workbook(tmp_path / "mau" / f"{layout.name}.xlsx").active
        header = [cell for cell in sheet[1]]
        assert [cell.value for cell in header] == [column.label for column in layout.columns]
        assert all(cell.comment is not None and cell.comment.text for cell in header), layout.name
        assert layout.missing(read_header(tmp_path / "mau" / f"{layout.name}.xlsx")) == []
    (tmp_path / "mau" / "dang-vien.xlsx").write_bytes(b"filled in by a clerk")
    again = dict(write_templates(tmp_path / "mau"))
    assert not any(again.values()) and (tmp_path / "mau" / "dang-vien.xlsx").read_bytes() == b"filled in by a clerk"


@pytest.mark.parametrize(
    ("moment", "reason"),
    [("2026-03-01T08:00:00", "with its offset"), ("hôm qua", "Invalid isoformat string")],
)
def test_a_rewind_needs_a_moment_with_its_offset(capsys, moment, reason):
    code = cli.main(["consumers", "rewind", "honors", "--to", moment])
    err = capsys.readouterr().err
    assert code == EXIT_USAGE and reason in err and err.count("\n") == 1 and "Traceback" not in err


async def test_a_commitments_import_reports_every_bad_row_in_vietnamese(tmp_path):
    """Rows the importer refuses and rows the service refuses are both worded for the clerk: the column as the
    template names it, the reason in Vietnamese (the service's own words beside it)."""
    header = ["Mã đảng viên", "Năm", "Hạn chế, khuyết điểm cần khắc phục", "Kế hoạch thực hiện"]
    rows = [
        ["m1", "2026", "Ngại va chạm", "Tự học | 31/12/2026"],  # the service: unknown member
        ["m2", "2031", "Ngại va chạm", "Tự học | 31/12/2031"],  # the service: the future
        ["", "2026", "Ngại va chạm", "Tự học | 31/12/2026"],  # no member
        ["m3", "2026", "Ngại va chạm", "Tự học | 31/13/2026"],  # no such day
        ["m4", "2026", "Ngại va chạm", "Tự học"],  # no deadline
        ["m1", "2026", "Ngại va chạm", "Tự học | 30/06/2026"],  # repeats line 2
    ]
    path = write(tmp_path / "cam-ket.xlsx", header, rows)
    refusals = {
        2: ("member_id", "unknown member"),
        3: ("year", "2031 is in the future (this year is 2026)"),
    }

    def service(request: httpx.Request) -> httpx.Response:
        items = json.loads(request.content)["items"]
        results = [
            {"line": i["line"], "status": "rejected", "field": refusals[i["line"]][0], "reason": refusals[i["line"]][1]}
            for i in items
        ]
        return httpx.Response(200, json={"results": results})

    async with httpx.AsyncClient(transport=httpx.MockTransport(service), base_url="http://x") as client:
        report = await import_book(COMMITMENTS, path, client)
    lines = report_lines("cam-ket.xlsx", COMMITMENTS.layout, report)
    assert lines == [
        "nhập cam-ket.xlsx: 0 dòng mới, 0 dòng đã có, 6 dòng sai",
        "  dòng 2, cột Mã đảng viên: không có trong danh bạ / hệ thống (unknown member)",
        "  dòng 3, cột Năm: năm 2031 chưa tới (năm nay là 2026)",
        "  dòng 4, cột Mã đảng viên: bắt buộc, đang để trống",
        "  dòng 5, cột Kế hoạch thực hiện: hạn '31/13/2026' không phải một ngày (ngày/tháng/năm)",
        "  dòng 6, cột Kế hoạch thực hiện: mỗi việc viết 'nội dung | hạn', ví dụ 'Tham gia đủ sinh hoạt chi bộ | "
        "31/12/2026'; ô đang là 'Tự học'",
        "  dòng 7, cột Mã đảng viên: trùng đảng viên và năm với dòng 2",
    ]


def test_a_csv_that_stops_being_utf8_after_its_header_is_the_same_one_line(tmp_path, capsys):
    good = "".join(f"c{n},05/03/2026,Thường kỳ,Học Bác\n" for n in range(1, 1201))  # past the reader's first buffer
    path = tmp_path / "so.csv"
    path.write_bytes(("Mã chi bộ,Ngày sinh hoạt,Loại sinh hoạt,Chủ đề\n" + good).encode() + b"c9,05/03/2026,Th\xe1\n")
    assert cli.main(["import", "sessions", str(path), "--token", "t", "--url", "http://127.0.0.1:9"]) == EXIT_USAGE
    assert "không phải CSV UTF-8: trong Excel, lưu lại bằng 'CSV UTF-8'" in one_line(capsys)


async def test_the_progress_of_an_import_reaches_its_total_past_blank_and_refused_rows(tmp_path):
    rows = [[f"c{n}", "05/03/2026", "Thường kỳ", "Học Bác"] for n in range(1, 21)]
    rows[4] = ["", "", "", ""]  # blank
    rows[7] = ["c8", "05/03/2026", "Thường kỳ", "Học " * 400]  # larger than a request
    rows[9] = ["c10", "hôm qua", "Thường kỳ", "Học Bác"]  # refused while reading
    path = tmp_path / "so.csv"
    path.write_text("\n".join(",".join(r) for r in [SESSION_HEADER, *rows]) + "\n\n", encoding="utf-8")
    answered = httpx.MockTransport(
        lambda request: httpx.Response(
            200,
            json={"results": [{"line": i["line"], "status": "created"} for i in json.loads(request.content)["items"]]},
        )
    )
    log = io.StringIO()
    async with httpx.AsyncClient(transport=answered, base_url="http://x") as client:
        with patch("ops.importer.batch.Progress", lambda label, total: Progress(label, total, stream=log)):
            report = await import_book(SESSIONS, path, client, max_bytes=1200)
    assert report.created == 17 and [line for line, _, _ in report.bad] == [9, 11]
    assert log.getvalue().splitlines()[-1].startswith("nhập so.csv [" + "#" * 30 + "] 21/21 (")


def filing_service(sent: list[int]):
    """A commitments service that files every row it is sent (their lines go to `sent`)."""

    def service(request: httpx.Request) -> httpx.Response:
        items = json.loads(request.content)["items"]
        sent.extend(item["line"] for item in items)
        return httpx.Response(200, json={"results": [{"line": i["line"], "status": "created"} for i in items]})

    return httpx.MockTransport(service)


async def test_a_workbook_broken_part_way_says_after_which_row_and_how_many_rows_went_in(tmp_path):
    """The rows are sent as they are read: a sheet whose XML breaks at row 1.500 has sent some of those before
    it. The import ends with one line naming the last row read and the rows filed, never a traceback."""
    header = ["Mã đảng viên", "Năm", "Hạn chế, khuyết điểm cần khắc phục", "Kế hoạch thực hiện"]
    rows = [[f"m{n}", 2026, "Ngại va chạm", "Tự học | 31/12/2026"] for n in range(1, 2001)]
    path = write(tmp_path / "cam-ket.xlsx", header, rows)
    rewrite_sheet(path, lambda sheet: sheet.replace(b'<row r="1500"', b'<row r="1500"<<', 1))
    sent: list[int] = []
    async with httpx.AsyncClient(transport=filing_service(sent), base_url="http://x") as client:
        with pytest.raises(Failure) as failed:
            await import_book(COMMITMENTS, path, client, max_bytes=20_000)
    message = str(failed.value)
    assert failed.value.code == EXIT_USAGE and "\n" not in message
    assert 0 < len(sent) < 1498 and sent == sorted(set(sent))
    assert message.startswith("tệp cam-ket.xlsx hỏng từ sau dòng ")
    last_read = int(message.removeprefix("tệp cam-ket.xlsx hỏng từ sau dòng ").split(",")[0])
    assert max(sent) <= last_read < 1500
    assert message.endswith(f"; trước đó đã nhập {vi_number(len(sent))} dòng (chạy lại không nhập trùng)")


async def test_the_progress_goes_on_without_a_total_past_a_workbook_that_understates_its_size(tmp_path):
    header = ["Mã đảng viên", "Năm", "Hạn chế, khuyết điểm cần khắc phục", "Kế hoạch thực hiện"]
    rows = [[f"m{n}", 2026, "Ngại va chạm", "Tự học | 31/12/2026"] for n in range(1, 1202)]
    path = write(tmp_path / "cam-ket.xlsx", header, rows)
    rewrite_sheet(path, lambda sheet: re.sub(rb'<dimension ref="[^"]+"', b'<dimension ref="A1:D2"', sheet))
    sent: list[int] = []
    log = io.StringIO()
    async with httpx.AsyncClient(transport=filing_service(sent), base_url="http://x") as client:
        with patch("ops.importer.batch.Progress", lambda label, total: Progress(label, total, stream=log)):
            report = await import_book(COMMITMENTS, path, client)
    assert report.created == len(sent) == 1201
    last = log.getvalue().splitlines()[-1]
    assert last.startswith("nhập cam-ket.xlsx 1.201 (") and "/1 " not in log.getvalue()


async def test_a_row_too_large_for_the_service_is_a_bad_row_and_the_import_goes_on(tmp_path):
    """The service's body limit may be lower than the importer's (NG_MAX_BODY_BYTES differs between them): a 413
    splits the request, and a row that alone is refused is reported, not the end of the import."""
    rows = [[f"c{n}", "05/03/2026", "Thường kỳ", "Học Bác"] for n in range(1, 9)]
    rows[5] = ["c6", "05/03/2026", "Thường kỳ", "Học " * 300]
    path = write(tmp_path / "so.xlsx", SESSION_HEADER, rows)
    sent: list[int] = []

    def service(request: httpx.Request) -> httpx.Response:
        if len(request.content) > 1000:
            return httpx.Response(413, json={"detail": "body: larger than 1.000 bytes"})
        items = json.loads(request.content)["items"]
        sent.extend(item["line"] for item in items)
        return httpx.Response(200, json={"results": [{"line": i["line"], "status": "created"} for i in items]})

    async with httpx.AsyncClient(transport=httpx.MockTransport(service), base_url="http://x") as client:
        report = await import_book(SESSIONS, path, client, max_bytes=100_000)
    assert sorted(sent) == [2, 3, 4, 5, 6, 8, 9] and report.created == 7
    [(line, _, reason)] = report.bad
    assert line == 7 and reason.endswith("byte, quá giới hạn một yêu cầu của dịch vụ")
    assert int(reason.removeprefix("dòng dài ").split(" ")[0].replace(".", "")) > 1000

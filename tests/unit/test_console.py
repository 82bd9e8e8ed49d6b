"""The console's pure parts: charts as accessible SVG, the workbook check before filing, reasons in Vietnamese,
where a sign-in may return to, the settings' refusals, and the session cookie's attributes and CSRF check."""

import re

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook
from pydantic import ValidationError
from starlette.requests import Request

from neuguong.wording import field_reason
from neuguong.workbooks.commitments import LAYOUT
from services.console.app import create_app
from services.console.charts import bar_chart, line_chart
from services.console.settings import ConsoleSettings
from services.console.signin import callback_url
from services.console.upload import BOOKS, check_rows
from services.console.web import safe_next
from services.console.wording import gate_reason


def test_a_bar_chart_is_an_image_with_its_title_description_and_escaped_labels():
    svg = str(bar_chart("c", "Tỉ lệ cam kết", "A: 50,0 %", [("<b>Xã A</b>", 50.0, "50,0 %"), ("Xã B", 120.0, "–")]))
    assert 'role="img"' in svg and 'aria-labelledby="c-t c-d"' in svg
    assert '<title id="c-t">Tỉ lệ cam kết</title>' in svg and '<desc id="c-d">A: 50,0 %</desc>' in svg
    assert "<b>" not in svg and "&lt;b&gt;Xã A&lt;/b&gt;" in svg
    widths = [float(w) for w in re.findall(r'<rect x="220" y="[\d.]+" width="([\d.]+)"', svg)]
    assert widths == [170.0, 340.0]  # half the scale, and a value above 100 held at the full bar


def test_a_line_chart_draws_one_line_per_series_over_the_months():
    svg = str(line_chart("t", "Diễn biến", "…", ["T1", "T2", "T3"], {"Sinh hoạt": [1, 4, 2], "Ghi danh": [0, 0, 3]}))
    assert svg.count("<polyline") == 2 and svg.count(">T2<") == 1 and ">4<" in svg  # the top of the scale


def workbook(tmp_path, rows):
    book = Workbook()
    book.active.append([c.label for c in LAYOUT.columns])
    for row in rows:
        book.active.append(row)
    path = tmp_path / "cam-ket.xlsx"
    book.save(path)
    return path


def test_the_workbook_check_lists_every_bad_row_with_its_column_and_reason(tmp_path):
    plan = "Tham gia đủ sinh hoạt chi bộ | 31/12/2026"
    path = workbook(
        tmp_path,
        [
            ["dv-1", 2026, "Chưa sâu sát", plan],
            ["", 2026, "", plan],
            ["dv-2", 2026, "", "Không có hạn"],
            ["dv-3", 2026, "", "Việc | 31/02/2026"],
            ["dv-1", 2026, "", plan],
            ["dv-4", "hai nghìn", "", plan],
        ],
    )
    good, bad = check_rows(path)
    assert [g["line"] for g in good] == [2]
    assert good[0]["plan"] == [{"title": "Tham gia đủ sinh hoạt chi bộ", "deadline": "2026-12-31"}]
    assert [(b["line"], b["column"]) for b in bad] == [
        (3, "Mã đảng viên"),
        (4, LAYOUT.label("plan")),
        (5, LAYOUT.label("plan")),
        (6, "Mã đảng viên"),
        (7, "Năm"),
    ]
    assert bad[0]["reason"] == "bắt buộc, đang để trống" and "dòng 2" in bad[3]["reason"]
    assert bad[1]["reason"].startswith("mỗi việc viết 'nội dung | hạn'") and bad[1]["reason"].endswith("'Không có hạn'")
    assert bad[2]["reason"] == "hạn '31/02/2026' không phải một ngày (ngày/tháng/năm)"


def test_a_workbook_without_a_required_column_is_refused_at_its_header(tmp_path):
    book = Workbook()
    book.active.append(["Năm"])
    book.active.append([2026])
    book.save(tmp_path / "thieu-cot.xlsx")
    good, bad = check_rows(tmp_path / "thieu-cot.xlsx")
    assert good == [] and bad == [{"line": 1, "column": "Mã đảng viên", "reason": "thiếu cột này trong dòng tiêu đề"}]


def test_reasons_of_the_apis_are_worded_in_vietnamese():
    assert field_reason("approved_by", "String should have at most 200 characters") == "dài quá 200 ký tự"
    assert field_reason("approved_by", "text must be in Unicode NFC (composed characters)").startswith(
        "chữ tiếng Việt chưa ở dạng dựng sẵn"
    )
    assert field_reason("x", "a rule of its own") == "a rule of its own"
    reason = {"code": "open_inspection", "ref": "kt-1", "message": "inspection kt-1 is still open"}
    assert gate_reason(reason).startswith("đang trong một cuộc kiểm tra, giám sát chưa kết luận — kt-1")


@pytest.mark.parametrize(
    ("asked", "returned"),
    [
        ("/so-ghi-danh?unit=x", "/so-ghi-danh?unit=x"),
        ("//evil.example/", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("tong-quan", "/"),
    ],
)
def test_a_sign_in_returns_only_to_a_page_of_the_console(asked, returned):
    assert safe_next(asked) == returned


def test_production_refuses_the_development_session_secret_and_plain_http():
    with pytest.raises(ValidationError, match="console_session_secret"):
        ConsoleSettings(environment="production", public_base_url="https://x.example", jwt_public_key_file="k.pem")
    with pytest.raises(ValidationError, match="public_base_url"):
        ConsoleSettings(environment="production", console_session_secret="s" * 40, jwt_public_key_file="k.pem")


def test_the_session_cookie_is_secure_httponly_lax_and_a_form_without_its_csrf_token_is_refused():
    settings = ConsoleSettings(public_base_url="https://bang-dieu-hanh.example", console_session_secret="s" * 40)
    client = TestClient(create_app(settings), base_url="https://bang-dieu-hanh.example")
    page = client.get("/dang-nhap")
    cookie = page.headers["set-cookie"].lower()
    assert "ng_console=" in cookie and "secure" in cookie and "httponly" in cookie and "samesite=lax" in cookie
    refused = client.post("/dang-nhap", data={"token": "x", "csrf": "khong-phai"})
    assert refused.status_code == 403 and "chống giả mạo" in refused.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    wrong_token = client.post("/dang-nhap", data={"token": "x", "csrf": csrf})
    assert wrong_token.status_code == 401 and 'id="loi-token"' in wrong_token.text


def test_the_identity_provider_returns_to_the_configured_address_and_redirects_name_no_host():
    settings = ConsoleSettings(public_base_url="https://bdh.example/console", console_session_secret="s" * 40)
    app = create_app(settings)
    poisoned = Request(
        {"type": "http", "app": app, "headers": [(b"host", b"evil.example")], "path": "/", "scheme": "http"}
    )
    assert callback_url(poisoned) == "https://bdh.example/console/dang-nhap/oidc/callback"
    moved = TestClient(app).get("/dang-nhap/", headers={"Host": "evil.example"}, follow_redirects=False)
    assert moved.status_code == 307 and moved.headers["location"] == "../dang-nhap"


def test_a_session_book_and_an_honor_roll_are_checked_the_same_way(tmp_path):
    sessions, honors = BOOKS["so-sinh-hoat-chi-bo"], BOOKS["so-ghi-danh"]
    book = Workbook()
    book.active.append(["Mã chi bộ", "Ngày sinh hoạt", "Loại sinh hoạt", "Chủ đề"])
    book.active.append(["cb-1", "05/11/2026", "thường kỳ", "Học tập tấm gương đạo đức"])
    book.active.append(["cb-1", "31/02/2026", "thường kỳ", "Ngày không có"])
    book.active.append(["cb-2", "05/11/2026", "họp", "Loại không có"])
    book.active.append(["cb-1", "20/11/2026", "Thường kỳ", "Trùng tháng với dòng 2"])
    book.save(tmp_path / "so.xlsx")
    good, bad = check_rows(tmp_path / "so.xlsx", sessions)
    assert [(g["line"], g["kind"], g["month"]) for g in good] == [(2, "regular", "2026-11")]
    assert [(b["line"], b["column"]) for b in bad] == [(3, "Ngày sinh hoạt"), (4, "Loại sinh hoạt"), (5, "Mã chi bộ")]
    assert "dòng 2" in bad[2]["reason"]
    roll = Workbook()
    roll.active.append(["Mã đảng viên hoặc tổ chức", "Kỳ ghi danh", "Việc làm tốt", "Người đề xuất", "Cấp phê duyệt"])
    roll.active.append(["dv-1", "6 tháng đầu năm 2026", "Hiến đất làm đường", "Chi ủy", "Đảng ủy xã"])
    roll.active.append(["dv-2", "tháng mười ba", "Hiến đất", "Chi ủy", "Đảng ủy xã"])
    roll.save(tmp_path / "so-ghi-danh.xlsx")
    good, bad = check_rows(tmp_path / "so-ghi-danh.xlsx", honors)
    assert [(g["line"], g["period"], g["subject"]) for g in good] == [(2, "2026-H1", {"kind": "member", "id": "dv-1"})]
    assert [(b["line"], b["column"]) for b in bad] == [(3, "Kỳ ghi danh")]


def test_with_an_operations_port_the_console_answers_metrics_there_and_its_pages_only_on_its_own():
    app = create_app(ConsoleSettings(console_session_secret="s" * 40, operations_port=9100))
    public = TestClient(app, base_url="http://console:8106", follow_redirects=False)
    operations = TestClient(app, base_url="http://console:9100", follow_redirects=False)
    assert public.get("/dang-nhap").status_code == 200
    assert public.get("/metrics").status_code == 404
    exposed = operations.get("/metrics")
    assert exposed.status_code == 200 and 'route="/dang-nhap",status="200"' in exposed.text
    assert operations.get("/dang-nhap").status_code == 404
    assert public.get("/healthz").status_code == operations.get("/healthz").status_code == 200


def test_the_console_counts_its_pages_by_route_at_metrics():
    client = TestClient(create_app(ConsoleSettings(console_session_secret="s" * 40)), follow_redirects=False)
    assert client.get("/dang-nhap").status_code == 200
    assert client.get("/tong-quan?unit=lc-x1").status_code == 303  # no session: to the sign-in page
    exposed = client.get("/metrics").text
    assert 'neuguong_console_pages_total{route="/dang-nhap",status="200"} 1.0' in exposed
    assert 'neuguong_console_pages_total{route="/tong-quan",status="303"} 1.0' in exposed

"""The committees' console in a real browser (Debian's headless Chromium driven by Selenium) over the real
services on the real broker and database: sign in, read the dashboard and drill down, decide nominations
(the gate's refusal in words), upload a workbook with bad rows (listed, nothing filed), download the report;
a commune's committee cannot see or act on another commune; CSRF and an ended session; axe-core finds no
serious or critical violation on any page. Screenshots of each page land in .run/screenshots/.

One stack and one browser serve the whole module (the budget of `make test` is tight)."""

import asyncio
import base64
import contextlib
import hashlib
import secrets
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse
from joserfc import jwt
from joserfc.jwk import RSAKey
from openpyxl import Workbook, load_workbook
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as seen
from selenium.webdriver.support.ui import WebDriverWait

from neuguong.periods import today_local
from neuguong.runtime.auth import generate_key_pair, mint_token
from neuguong.workbooks.commitments import LAYOUT
from services.console.app import create_app as create_console
from services.console.settings import ConsoleSettings
from tests.integration.browser import axe_violations, chromium, screenshot, serving
from tests.integration.flows import directory_loaded, post
from tests.integration.harness import Stack, delete_topics, eventually, new_prefix, reset_schemas

pytestmark = pytest.mark.integration

TODAY = today_local()
YEAR, HALF = TODAY.year, f"{TODAY.year}-H{1 if TODAY.month <= 6 else 2}"
SERVICES = ("commitments", "honors", "inspections", "projections")
CONSOLE_SECRET = "console-test-secret-of-enough-length-0123456789"


def nomination(member_id: str) -> dict:
    return {
        "subject": {"kind": "member", "id": member_id},
        "period": HALF,
        "deed": "Vận động bà con hiến 300 m² đất mở đường liên thôn",
        "proposed_by": "Chi ủy chi bộ",
        "consent_to_publish": True,
    }


def commitment(member_id: str) -> dict:
    return {
        "member_id": member_id,
        "year": YEAR,
        "limitations": ["Chưa thường xuyên nghiên cứu, cập nhật kiến thức mới"],
        "plan": [{"title": "Tham gia đủ sinh hoạt chi bộ", "deadline": f"{YEAR}-12-31"}],
    }


class World:
    """The module's stack: services on real ports, the console, the people and what they were given."""

    def __init__(self, stack: Stack, directory, urls: dict[str, str]) -> None:
        self.stack, self.directory, self.urls = stack, directory, urls
        communes = [u for u in directory.units if u.level == "grassroots"]
        self.commune_a, self.commune_b = communes[0], communes[1]
        self.members_a = [m for m in directory.members if directory.unit_path(m.cell_id)[1] == self.commune_a.unit_id]
        self.members_b = [m for m in directory.members if directory.unit_path(m.cell_id)[1] == self.commune_b.unit_id]
        self.nominations: dict[str, str] = {}
        self.filed: dict[str, int] = {}
        self.console = ""
        self.http: dict[str, httpx.AsyncClient] = {}
        self.running: dict = {}

    def token(self, sub: str, role: str, unit: str, ttl: timedelta = timedelta(hours=1)) -> str:
        return mint_token(self.stack.private_key, sub=sub, role=role, unit=unit, ttl=ttl)

    def headers(self, sub: str, role: str, unit: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(sub, role, unit)}"}

    async def nomination_status(self, nomination_id: str, commune: str) -> str:
        reply = await self.http["honors"].get(
            "/nominations", headers=self.headers("kiem-tra", "committee", commune), params={"limit": 1000}
        )
        return next(n["status"] for n in reply.json()["items"] if n["nomination_id"] == nomination_id)


@pytest.fixture(scope="module")
async def world(key_pair, small_directory):
    await reset_schemas()
    private, public_file = key_pair
    stack = Stack(prefix=new_prefix(), private_key=private, public_key_file=public_file)
    async with contextlib.AsyncExitStack() as exits:
        running = {name: await exits.enter_async_context(stack.service(name)) for name in SERVICES}
        urls = {name: await exits.enter_async_context(serving(running[name].app)) for name in SERVICES}
        await stack.import_directory(small_directory)
        for service in running.values():
            await directory_loaded(service, small_directory)
        world = World(stack, small_directory, urls)
        world.http = {name: service.client for name, service in running.items()}
        world.running = running
        await seed(world, running)
        settings = ConsoleSettings(
            environment="test",
            console_session_secret=CONSOLE_SECRET,
            jwt_public_key_file=public_file,
            notifications_url="http://127.0.0.1:9",
            **{f"{name}_url": url for name, url in urls.items()},
        )
        console = create_console(settings)
        await exits.enter_async_context(console.router.lifespan_context(console))
        world.console = await exits.enter_async_context(serving(console))
        yield world
    await delete_topics(stack.prefix)


async def seed(world: World, running: dict) -> None:
    """Commitments filed in both communes, nominations from cells up to their commune, an open inspection of
    one nominee; then wait until the figures and the gate have seen them."""
    province = world.headers("tinh-uy", "committee", "lc")
    for commune, members in (
        (world.commune_a.unit_id, world.members_a[:5]),
        (world.commune_b.unit_id, world.members_b[:2]),
    ):
        for member in members:
            reply = await post(running["commitments"], "/commitments", commitment(member.member_id), province)
            world.filed[commune] = world.filed.get(commune, 0) + (reply.status_code == 201)
    filed = sum(world.filed.values())
    assert world.filed[world.commune_a.unit_id] > world.filed[world.commune_b.unit_id] > 0
    targets = {"duyet": world.members_a[8], "vuong": world.members_a[9], "het-phien": world.members_a[10]}
    targets["xa-khac"] = world.members_b[8]
    for name, member in targets.items():
        secretary = world.headers("bi-thu", "cell_secretary", member.cell_id)
        reply = await post(running["honors"], "/nominations", nomination(member.member_id), secretary)
        assert reply.status_code == 201, reply.text
        world.nominations[name] = reply.json()["nomination_id"]
    inspector = world.headers("ubkt", "inspector", world.commune_a.unit_id)
    opened = await post(
        running["inspections"],
        "/inspections",
        {
            "kind": "inspection",
            "target": {"kind": "member", "id": targets["vuong"].member_id},
            "period": str(YEAR - 1),
            "topic_title": "Kiểm tra dấu hiệu vi phạm",
        },
        inspector,
    )
    assert opened.status_code == 201, opened.text

    async def gate_closed() -> bool:
        reply = await running["honors"].client.get(
            f"/subjects/member/{targets['vuong'].member_id}/eligibility", params={"period": HALF}, headers=inspector
        )
        return reply.status_code == 200 and not reply.json()["eligible"]

    async def figures_in() -> bool:
        reply = await running["projections"].client.get(
            "/units/lc/figures", params={"period": str(YEAR)}, headers=province
        )
        return reply.status_code == 200 and reply.json()["figures"].get("commitments_filed") == filed

    await eventually(gate_closed)
    await eventually(figures_in)


@pytest.fixture(scope="module")
def downloads(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("tai-ve")


@pytest.fixture(scope="module")
def browser(downloads):
    driver = chromium(window="1200,1800", downloads=downloads)
    try:
        yield driver
    finally:
        driver.quit()


def wait(driver, seconds: float = 15) -> WebDriverWait:
    """Until a condition holds; an element of the page a submit is leaving is stale, so look again."""
    return WebDriverWait(driver, seconds, ignored_exceptions=(NoSuchElementException, StaleElementReferenceException))


def sign_in(driver, base: str, token: str, then: str = "/") -> None:
    driver.delete_all_cookies()
    driver.get(f"{base}/dang-nhap?next={quote(then, safe='')}")
    driver.find_element(By.ID, "token").send_keys(token)
    driver.find_element(By.CSS_SELECTOR, "form[action='/dang-nhap'] button[type=submit]").click()
    wait(driver).until(lambda d: "/dang-nhap" not in d.current_url)


def looked_at(driver, name: str) -> None:
    """Keep a picture of the page and check it with axe-core: no serious or critical violation."""
    screenshot(driver, f"console-{name}")
    assert axe_violations(driver) == [], name


def session_cookie(driver) -> dict[str, str]:
    cookie = driver.get_cookie("ng_console")
    assert cookie is not None and cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    return {"ng_console": cookie["value"]}


async def test_sign_in_read_the_dashboard_and_drill_down(world, browser):
    token = world.token("tinh-uy", "committee", "lc")

    def walk() -> None:
        browser.delete_all_cookies()
        browser.get(f"{world.console}/tong-quan")
        assert "/dang-nhap" in browser.current_url  # no session: to the sign-in page first
        looked_at(browser, "dang-nhap")
        sign_in(browser, world.console, token, "/tong-quan")
        filed_a, filed_b = world.filed[world.commune_a.unit_id], world.filed[world.commune_b.unit_id]
        assert browser.find_element(By.CSS_SELECTOR, "[data-figure=commitments_filed]").text == str(filed_a + filed_b)
        charts = browser.find_elements(By.CSS_SELECTOR, "svg[role=img]")
        assert len(charts) == 2 and all(
            c.find_element(By.TAG_NAME, "title").get_attribute("textContent") for c in charts
        )
        rows = browser.find_elements(By.CSS_SELECTOR, "#bang-don-vi tbody tr")
        assert {r.get_attribute("data-unit") for r in rows} == {world.commune_a.unit_id, world.commune_b.unit_id}
        looked_at(browser, "tong-quan")
        browser.find_element(By.CSS_SELECTOR, "#bang-don-vi thead th:nth-child(3) button").click()
        ordered = [
            r.get_attribute("data-unit") for r in browser.find_elements(By.CSS_SELECTOR, "#bang-don-vi tbody tr")
        ]
        assert ordered == [world.commune_b.unit_id, world.commune_a.unit_id]  # fewer filed first, ascending
        browser.find_element(By.LINK_TEXT, world.commune_a.name).click()
        wait(browser).until(seen.url_contains(f"unit={world.commune_a.unit_id}"))
        assert world.commune_a.name in browser.find_element(By.TAG_NAME, "h1").text
        assert browser.find_element(By.CSS_SELECTOR, "[data-figure=commitments_filed]").text == str(filed_a)
        cells = {r.get_attribute("data-unit") for r in browser.find_elements(By.CSS_SELECTOR, "#bang-don-vi tbody tr")}
        assert cells == {u.unit_id for u in world.directory.units if u.parent_id == world.commune_a.unit_id}
        looked_at(browser, "tong-quan-xa")
        period = browser.find_element(By.ID, "period")
        period.clear()
        period.send_keys("2026-13")  # no thirteenth month: the projections refuse it, the page says so at the field
        browser.find_element(By.CSS_SELECTOR, "form[action='/tong-quan'] button").click()
        wait(browser).until(lambda d: d.find_element(By.ID, "period").get_attribute("aria-invalid") == "true")
        assert "Dữ liệu chưa đúng" in browser.find_element(By.ID, "loi-period").text
        browser.set_window_size(412, 900)  # a cell secretary's phone: nothing wider than the screen but tables
        try:
            browser.get(f"{world.console}/tong-quan?unit={world.commune_a.unit_id}")
            overflow = browser.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0
            screenshot(browser, "console-tong-quan-dien-thoai")
        finally:
            browser.set_window_size(1200, 1800)
        browser.get(f"{world.console}/viec-can-lam")
        assert browser.find_element(By.CSS_SELECTOR, "[data-total=chua-cam-ket]").text.replace(".", "").isdigit()
        looked_at(browser, "viec-can-lam")

    await asyncio.to_thread(walk)


async def test_a_commune_approves_a_nomination_and_the_gate_refuses_in_words(world, browser):
    token = world.token("dang-uy-xa", "committee", world.commune_a.unit_id)
    approved, refused = world.nominations["duyet"], world.nominations["vuong"]

    def decide() -> None:
        sign_in(browser, world.console, token, "/so-ghi-danh")
        card = browser.find_element(By.ID, f"de-nghi-{approved}")
        field = card.find_element(By.NAME, "approved_by")
        field.send_keys("Đa\u0309ng ủy xã")  # decomposed (not NFC): the API refuses it, naming the field
        card.find_element(By.CSS_SELECTOR, "form[action$=chap-thuan] button").click()
        error = wait(browser).until(lambda d: d.find_element(By.ID, f"loi-approve-approved_by-{approved}"))
        assert "chữ tiếng Việt chưa ở dạng dựng sẵn (NFC)" in error.text
        field = browser.find_element(By.ID, f"approve-approved_by-{approved}")
        assert field.get_attribute("aria-invalid") == "true"
        looked_at(browser, "so-ghi-danh-loi")
        field.clear()
        field.send_keys("Ban Thường vụ Đảng ủy xã")
        browser.find_element(By.CSS_SELECTOR, f"#de-nghi-{approved} form[action$=chap-thuan] button").click()
        wait(browser).until(seen.url_contains("xong=chap-thuan"))
        assert not browser.find_elements(By.ID, f"de-nghi-{approved}")
        roll = browser.find_element(By.ID, "bang-ghi-danh").text
        assert world.members_a[8].full_name in roll
        looked_at(browser, "so-ghi-danh")
        card = browser.find_element(By.ID, f"de-nghi-{refused}")
        card.find_element(By.NAME, "approved_by").send_keys("Ban Thường vụ Đảng ủy xã")
        card.find_element(By.CSS_SELECTOR, "form[action$=chap-thuan] button").click()
        reasons = wait(browser).until(lambda d: d.find_element(By.CSS_SELECTOR, f"#de-nghi-{refused} .ly-do")).text
        assert "đang trong một cuộc kiểm tra, giám sát chưa kết luận" in reasons

    await asyncio.to_thread(decide)
    assert await world.nomination_status(approved, world.commune_a.unit_id) == "approved"
    assert await world.nomination_status(refused, world.commune_a.unit_id) == "pending"
    roll = await world.http["honors"].get(
        "/honors", params={"unit_id": world.commune_a.unit_id}, headers=world.headers("x", "committee", "lc")
    )
    honor_id = next(h["honor_id"] for h in roll.json()["items"] if h["nomination_id"] == approved)
    operator = world.headers("van-hanh", "operator", "lc")
    revoked = await post(world.running["honors"], f"/honors/{honor_id}/revocation", {"reason": "Ghi nhầm kỳ"}, operator)
    assert revoked.status_code == 201, revoked.text

    def revocation_shown() -> str:
        browser.get(f"{world.console}/so-ghi-danh")
        return browser.find_element(By.ID, "bang-thu-hoi").text

    shown = await asyncio.to_thread(revocation_shown)
    assert world.members_a[8].full_name in shown and "Ghi nhầm kỳ" in shown


def workbook_with_bad_rows(folder: Path, good: list[str]) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.append([c.label for c in LAYOUT.columns])
    plan = f"Tham gia đủ sinh hoạt chi bộ | 31/12/{YEAR}"
    sheet.append([good[0], YEAR, "Chưa sâu sát cơ sở", plan])  # 2: good
    sheet.append(["", YEAR, "Thiếu mã", plan])  # 3: no member id
    sheet.append([good[1], YEAR, "", "Việc không có hạn"])  # 4: a plan item without its deadline
    sheet.append([good[0], YEAR, "Trùng dòng 2", plan])  # 5: same member and year as line 2
    sheet.append([good[1], "20x6", "", plan])  # 6: the year is not a year
    sheet.append([good[1], YEAR, "Chưa gương mẫu", plan])  # 7: good
    sheet.append(["khong-co-dang-vien-nay", YEAR, "", plan])  # 8: well formed; the service does not know it
    path = folder / "cam-ket-co-dong-sai.xlsx"
    book.save(path)
    return path


async def test_an_uploaded_workbook_lists_its_bad_rows_before_anything_is_filed(world, browser, tmp_path):
    commune = world.commune_a.unit_id
    good = [world.members_a[6].member_id, world.members_a[7].member_id]
    path = workbook_with_bad_rows(tmp_path, good)
    token = world.token("dang-uy-xa", "committee", commune)
    reader = world.headers("dang-uy-xa", "committee", commune)

    async def filed(member_id: str) -> list:
        reply = await world.http["commitments"].get(f"/members/{member_id}/commitments", headers=reader)
        return reply.json()["commitments"]

    def check() -> list[tuple[str, str]]:
        sign_in(browser, world.console, token, "/nhap-du-lieu")
        browser.find_element(By.ID, "workbook").send_keys(str(path))
        browser.find_element(By.CSS_SELECTOR, "form[action='/nhap-du-lieu/kiem-tra'] button").click()
        rows = wait(browser).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#dong-sai tbody tr"))
        looked_at(browser, "nhap-du-lieu")
        return [tuple(c.text for c in r.find_elements(By.TAG_NAME, "td"))[:2] for r in rows]

    bad = await asyncio.to_thread(check)
    assert bad == [("3", "Mã đảng viên"), ("4", LAYOUT.label("plan")), ("5", "Mã đảng viên"), ("6", "Năm")]
    assert "3 dòng đúng, 4 lỗi" in (await asyncio.to_thread(lambda: browser.find_element(By.ID, "tom-tat").text))
    assert await filed(good[0]) == [] and await filed(good[1]) == []  # nothing filed yet

    def file_good_rows() -> tuple[str, list[str]]:
        browser.find_element(By.ID, "nhap-dong-dung").click()
        done = wait(browser).until(lambda d: d.find_element(By.ID, "ket-qua-nhap")).text
        refused = [r.text for r in browser.find_elements(By.CSS_SELECTOR, "#dong-bi-tu-choi tbody tr")]
        looked_at(browser, "nhap-du-lieu-ket-qua")
        return done, refused

    done, refused = await asyncio.to_thread(file_good_rows)
    assert "Đã nhập 2 dòng" in done
    assert len(refused) == 1 and refused[0].startswith("8 ")
    assert [c["year"] for c in await filed(good[0])] == [YEAR]


async def test_the_report_and_a_compliance_list_are_downloaded_as_workbooks(world, browser, downloads):
    token = world.token("tinh-uy", "committee", "lc")

    def download() -> Path:
        sign_in(browser, world.console, token, f"/bao-cao?period={YEAR}")
        text = browser.find_element(By.ID, "bao-cao-van-ban").text
        assert str(YEAR) in text and len(text) > 200
        looked_at(browser, "bao-cao")
        browser.find_element(By.ID, "tai-bao-cao").click()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            done = [p for p in downloads.glob("*.xlsx")]
            if done:
                return done[0]
            time.sleep(0.1)
        raise AssertionError(f"no workbook downloaded into {downloads}: {list(downloads.iterdir())}")

    path = await asyncio.to_thread(download)
    assert path.name == f"bao-cao-lc-{YEAR}.xlsx"
    book = load_workbook(path, read_only=True)
    assert len(book.sheetnames) >= 2

    def export_a_list() -> tuple[Path, int]:
        browser.get(f"{world.console}/viec-can-lam")
        total = int(browser.find_element(By.CSS_SELECTOR, "[data-total=chua-cam-ket]").text.replace(".", ""))
        browser.find_element(By.CSS_SELECTOR, "#chua-cam-ket a[href*='.xlsx']").click()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            done = list(downloads.glob("chua-cam-ket-*.xlsx"))
            if done:
                return done[0], total
            time.sleep(0.1)
        raise AssertionError(f"no list downloaded into {downloads}: {list(downloads.iterdir())}")

    path, total = await asyncio.to_thread(export_a_list)
    rows = list(load_workbook(path, read_only=True).active.iter_rows(values_only=True))
    assert rows[0] == ("Họ và tên", "Mã đảng viên", "Chi bộ") and len(rows) == total + 1 and total > 0


async def test_a_commune_can_neither_see_nor_act_on_another_commune(world, browser):
    a, b = world.commune_a, world.commune_b
    token = world.token("dang-uy-xa", "committee", a.unit_id)
    theirs = world.nominations["xa-khac"]

    def look() -> tuple[dict[str, str], dict[str, str]]:
        sign_in(browser, world.console, token, "/tong-quan")
        names = [r.get_attribute("data-unit") for r in browser.find_elements(By.CSS_SELECTOR, "#bang-don-vi tbody tr")]
        assert b.unit_id not in names
        shown = {}
        for page in (
            f"/tong-quan?unit={b.unit_id}",
            f"/viec-can-lam?unit={b.unit_id}",
            f"/so-ghi-danh?unit={b.unit_id}",
            f"/bao-cao?unit={b.unit_id}&period={YEAR}",
            f"/bao-cao.xlsx?unit={b.unit_id}&period={YEAR}",
        ):
            browser.get(world.console + page)
            shown[page] = browser.find_element(By.TAG_NAME, "main").text
        assert not browser.find_elements(By.ID, f"de-nghi-{theirs}")
        return shown, session_cookie(browser)

    shown, cookie = await asyncio.to_thread(look)
    for page, text in shown.items():
        assert "không được xem hay làm việc này" in text, page
        assert b.name not in text, page
    async with httpx.AsyncClient(base_url=world.console, cookies=cookie) as client:
        page = await client.get("/so-ghi-danh")
        csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
        for unit in (b.unit_id,):
            assert (await client.get("/tong-quan", params={"unit": unit, "period": str(YEAR)})).status_code == 403
            assert (await client.get("/bao-cao.xlsx", params={"unit": unit, "period": str(YEAR)})).status_code == 403
        acted = await client.post(
            f"/so-ghi-danh/de-nghi/{theirs}/chap-thuan", data={"csrf": csrf, "approved_by": "Đảng ủy xã khác"}
        )
        assert acted.status_code == 403 and "không được xem hay làm việc này" in acted.text
        rejected = await client.post(
            f"/so-ghi-danh/de-nghi/{theirs}/tu-choi", data={"csrf": csrf, "reason": "Không", "rejected_by": "Xã khác"}
        )
        assert rejected.status_code == 403
    assert await world.nomination_status(theirs, b.unit_id) == "pending"


async def test_a_form_without_the_session_csrf_token_is_refused(world, browser):
    token = world.token("dang-uy-xa", "committee", world.commune_a.unit_id)
    target = world.nominations["het-phien"]

    def signed_in() -> dict[str, str]:
        sign_in(browser, world.console, token, "/so-ghi-danh")
        return session_cookie(browser)

    cookie = await asyncio.to_thread(signed_in)
    async with httpx.AsyncClient(base_url=world.console, cookies=cookie) as client:
        for data in ({"approved_by": "Đảng ủy xã"}, {"approved_by": "Đảng ủy xã", "csrf": "gia-mao"}):
            refused = await client.post(f"/so-ghi-danh/de-nghi/{target}/chap-thuan", data=data)
            assert refused.status_code == 403 and "chống giả mạo" in refused.text
    assert await world.nomination_status(target, world.commune_a.unit_id) == "pending"


async def test_an_ended_session_returns_to_sign_in_and_keeps_what_was_typed(world, browser):
    commune = world.commune_a.unit_id
    target = world.nominations["het-phien"]
    fresh = world.token("dang-uy-xa", "committee", commune)

    def type_then_sign_in_again() -> tuple[str, str]:
        signed_at = time.time()
        short = world.token("dang-uy-xa", "committee", commune, ttl=timedelta(seconds=5))
        sign_in(browser, world.console, short, "/so-ghi-danh")
        card = browser.find_element(By.ID, f"de-nghi-{target}")
        card.find_element(By.NAME, "reason").send_keys("Chưa đủ minh chứng về việc làm")
        card.find_element(By.NAME, "rejected_by").send_keys("Ban Thường vụ Đảng ủy xã")
        time.sleep(
            max(0.0, signed_at + 6 - time.time())
        )  # the token (5 s, room for a slow machine) ends while the clerk types
        card.find_element(By.CSS_SELECTOR, "form[action$=tu-choi] button").click()
        wait(browser).until(seen.url_contains("/dang-nhap"))
        browser.find_element(By.ID, "token").send_keys(fresh)
        browser.find_element(By.CSS_SELECTOR, "form[action='/dang-nhap'] button[type=submit]").click()
        wait(browser).until(seen.url_contains("/so-ghi-danh"))
        kept = browser.find_element(By.ID, f"reject-reason-{target}").get_attribute("value")
        return browser.current_url, kept

    url, kept = await asyncio.to_thread(type_then_sign_in_again)
    assert url.endswith("/so-ghi-danh") and kept == "Chưa đủ minh chứng về việc làm"
    assert await world.nomination_status(target, commune) == "pending"  # nothing was sent with the ended token

    def send_it_now() -> str:
        browser.find_element(By.CSS_SELECTOR, f"#de-nghi-{target} form[action$=tu-choi] button").click()
        wait(browser).until(seen.url_contains("xong=tu-choi"))
        return browser.find_element(By.CSS_SELECTOR, "[role=status]").text

    assert "Đã không chấp thuận đề nghị" in await asyncio.to_thread(send_it_now)
    assert await world.nomination_status(target, commune) == "rejected"


def identity_provider(access_token: str, calls: dict) -> FastAPI:
    """The smallest OpenID Connect provider a console can sign in with: discovery, an authorization endpoint that
    signs the user straight in, a token endpoint that checks the PKCE verifier, and its keys. Its access token is
    one the services verify (the deployment points their NG_JWT_PUBLIC_KEY_FILE at the provider's key)."""
    provider = FastAPI()
    key = RSAKey.generate_key(2048, parameters={"kid": "k1", "use": "sig"})
    codes: dict[str, dict] = {}

    @provider.get("/.well-known/openid-configuration")
    async def discovery(request: Request) -> dict:
        issuer = str(request.base_url).rstrip("/")
        return {
            "issuer": issuer,
            "authorization_endpoint": f"{issuer}/authorize",
            "token_endpoint": f"{issuer}/token",
            "jwks_uri": f"{issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
        }

    @provider.get("/jwks")
    async def jwks() -> dict:
        return {"keys": [key.as_dict(private=False)]}

    @provider.get("/authorize")
    async def authorize(request: Request) -> RedirectResponse:
        asked = dict(request.query_params)
        calls["authorize"] = asked
        code = secrets.token_urlsafe(16)
        codes[code] = asked
        return RedirectResponse(f"{asked['redirect_uri']}?code={code}&state={asked['state']}", status_code=302)

    @provider.post("/token")
    async def token(request: Request) -> JSONResponse:
        form = await request.form()
        asked = codes.pop(str(form.get("code")), None)
        verifier = str(form.get("code_verifier", ""))
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if asked is None or challenge != asked.get("code_challenge"):
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        calls["pkce_verified"] = True
        issuer = str(request.base_url).rstrip("/")
        now = int(time.time())
        claims = {"iss": issuer, "sub": "oidc-tinh-uy", "aud": asked["client_id"], "iat": now, "exp": now + 600}
        if "nonce" in asked:
            claims["nonce"] = asked["nonce"]
        id_token = jwt.encode({"alg": "RS256", "kid": "k1"}, claims, key)
        answer = {"access_token": access_token, "id_token": id_token, "token_type": "Bearer", "expires_in": 600}
        return JSONResponse(answer)

    return provider


async def test_sign_in_through_an_openid_connect_provider(world, browser, key_pair):
    calls: dict = {}
    provider = identity_provider(world.token("oidc-tinh-uy", "committee", "lc"), calls)
    async with serving(provider) as issuer:
        settings = ConsoleSettings(
            environment="test",
            console_session_secret=CONSOLE_SECRET,
            jwt_public_key_file=key_pair[1],
            console_oidc_issuer=issuer,
            console_oidc_client_id="bang-dieu-hanh",
            console_oidc_client_secret="bi-mat-cua-console",
            **{f"{name}_url": url for name, url in world.urls.items()},
        )
        console = create_console(settings)
        async with console.router.lifespan_context(console), serving(console) as base:

            def sign_in_with_provider() -> tuple[str, str]:
                browser.delete_all_cookies()
                browser.get(f"{base}/tong-quan")
                browser.find_element(By.PARTIAL_LINK_TEXT, "tài khoản của Tỉnh ủy").click()
                wait(browser).until(lambda d: "/tong-quan" in d.current_url and "/dang-nhap" not in d.current_url)
                return browser.find_element(By.CSS_SELECTOR, ".who").text, browser.find_element(By.TAG_NAME, "h1").text

            who, heading = await asyncio.to_thread(sign_in_with_provider)
    assert who.startswith("oidc-tinh-uy") and "lc" in who and "Lào Cai" in heading
    assert calls["authorize"]["code_challenge_method"] == "S256" and calls["pkce_verified"]
    assert calls["authorize"]["client_id"] == "bang-dieu-hanh"


async def test_a_token_the_apis_refuse_ends_the_session(world, tmp_path):
    """The console's session may outlive what the APIs accept (a token revoked, a key rotated): the first 401 of
    an API ends the session and sends the user to sign in, back to the same page."""
    private, public = generate_key_pair()  # the console trusts a key the services do not
    (tmp_path / "khoa.pem").write_bytes(public)
    settings = ConsoleSettings(
        environment="test",
        console_session_secret=CONSOLE_SECRET,
        jwt_public_key_file=tmp_path / "khoa.pem",
        **{f"{name}_url": url for name, url in world.urls.items()},
    )
    console = create_console(settings)
    token = mint_token(private, sub="tinh-uy", role="committee", unit="lc")
    async with console.router.lifespan_context(console), serving(console) as base:
        async with httpx.AsyncClient(base_url=base) as client:
            page = await client.get("/dang-nhap")
            csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
            signed = await client.post("/dang-nhap", data={"csrf": csrf, "token": token, "next": "/viec-can-lam"})
            assert signed.status_code == 303 and signed.headers["location"] == "/viec-can-lam"
            refused = await client.get("/viec-can-lam")
            assert refused.status_code == 303 and refused.headers["location"] == "/dang-nhap?next=%2Fviec-can-lam"
            again = await client.get("/viec-can-lam")  # the session ended: no second call with that token
            assert again.status_code == 303 and again.headers["location"].startswith("/dang-nhap")

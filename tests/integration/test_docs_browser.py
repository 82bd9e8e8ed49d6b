"""A person with a token uses a service's /docs in a real browser (Debian's headless Chromium driven by Selenium):
Authorize with the token, "Try it out" on a command, Execute, and the command is done (a 2xx, and it is there).

Nothing is skipped: without chromium and chromedriver the test fails saying how to install them
(`bash deploy/local/chromium.sh`, which `make test` runs)."""

import asyncio
import contextlib
import json
import shutil
import uuid

import pytest
import uvicorn
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as seen
from selenium.webdriver.support.ui import WebDriverWait

from neuguong.runtime.auth import mint_token
from tests.integration.flows import directory_loaded

OPERATION = "#operations-commitments-commitments_file_commitment"


@pytest.fixture(scope="module")
def browser():
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_binary = shutil.which("chromedriver")
    if chromium is None or driver_binary is None:
        pytest.fail(
            "headless Chromium is needed: run `bash deploy/local/chromium.sh` (Debian's chromium and "
            f"chromium-driver; make test runs it) — chromium: {chromium}, chromedriver: {driver_binary}"
        )
    options = Options()
    options.binary_location = chromium
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,2400"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(executable_path=driver_binary), options=options)
    try:
        yield driver
    finally:
        driver.quit()


@contextlib.asynccontextmanager
async def serving(app):
    """The app on a real TCP port of this host (its lifespan already running), for the browser to reach."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, lifespan="off", log_level="warning"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


def file_through_the_docs(driver, base_url: str, token: str, key: str, body: dict) -> tuple[str, str]:
    """What a person does on /docs; the status and body Swagger UI shows for the answer."""
    wait = WebDriverWait(driver, 30)
    driver.get(f"{base_url}/docs")
    wait.until(seen.element_to_be_clickable((By.CSS_SELECTOR, ".swagger-ui .auth-wrapper .authorize"))).click()
    token_field = wait.until(seen.visibility_of_element_located((By.CSS_SELECTOR, ".modal-ux input")))
    token_field.send_keys(token)
    driver.find_element(By.CSS_SELECTOR, ".modal-ux .auth-btn-wrapper button.authorize").click()
    wait.until(seen.element_to_be_clickable((By.CSS_SELECTOR, ".modal-ux .auth-btn-wrapper button.btn-done"))).click()
    operation = wait.until(seen.presence_of_element_located((By.CSS_SELECTOR, OPERATION)))
    operation.find_element(By.CSS_SELECTOR, ".opblock-summary").click()
    wait.until(seen.element_to_be_clickable((By.CSS_SELECTOR, f"{OPERATION} .try-out__btn"))).click()
    header = wait.until(
        seen.visibility_of_element_located(
            (By.CSS_SELECTOR, f'{OPERATION} tr[data-param-name="Idempotency-Key"] input')
        )
    )
    header.send_keys(key)
    text = driver.find_element(By.CSS_SELECTOR, f"{OPERATION} textarea.body-param__text")
    text.send_keys(Keys.CONTROL, "a")
    text.send_keys(Keys.DELETE)
    text.send_keys(json.dumps(body))
    driver.find_element(By.CSS_SELECTOR, f"{OPERATION} button.execute").click()
    status = wait.until(
        seen.visibility_of_element_located(
            (By.CSS_SELECTOR, f"{OPERATION} .live-responses-table tr.response .response-col_status")
        )
    )
    shown = driver.find_element(
        By.CSS_SELECTOR, f"{OPERATION} .live-responses-table tr.response .response-col_description"
    )
    return status.text.strip(), shown.text


async def test_a_command_sent_from_the_docs_with_a_token_is_done(system, small_directory, browser):
    member = small_directory.members[0]
    async with system.service("commitments") as commitments:
        await system.import_directory(small_directory)
        await directory_loaded(commitments, small_directory)
        token = mint_token(system.private_key, sub="uy-ban", role="committee", unit="lc")
        body = {"member_id": member.member_id, "year": 2026, "limitations": ["Chưa sâu sát cơ sở"]}
        async with serving(commitments.app) as base_url:
            status, shown = await asyncio.to_thread(
                file_through_the_docs, browser, base_url, token, f"docs-{uuid.uuid4()}", body
            )
        assert status == "201", shown
        assert member.member_id in shown and "Chưa sâu sát cơ sở" in shown
        filed = await commitments.client.get(
            f"/members/{member.member_id}/commitments", headers={"Authorization": f"Bearer {token}"}
        )
        assert [c["year"] for c in filed.json()["commitments"]] == [2026]

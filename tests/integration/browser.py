"""The real browser of the integration tests: Debian's headless Chromium driven by Selenium, apps served on
real TCP ports of this host, and axe-core (pinned, installed by deploy/local/axe.sh) run inside pages."""

import asyncio
import contextlib
import os
import shutil
from pathlib import Path

import pytest
import uvicorn
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service

ROOT = Path(__file__).resolve().parents[2]
RUN_DIR = Path(os.environ.get("NG_RUN_DIR", ROOT / ".run"))
AXE_SCRIPT = RUN_DIR / "axe" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = RUN_DIR / "screenshots"


def chromium(window: str = "1400,2400", downloads: Path | None = None) -> webdriver.Chrome:
    """Headless Chromium; fails (never skips) saying how to install it when it is missing."""
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_binary = shutil.which("chromedriver")
    if binary is None or driver_binary is None:
        pytest.fail(
            "headless Chromium is needed: run `bash deploy/local/chromium.sh` (Debian's chromium and "
            f"chromium-driver; make test runs it) — chromium: {binary}, chromedriver: {driver_binary}"
        )
    options = Options()
    options.binary_location = binary
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", f"--window-size={window}"):
        options.add_argument(argument)
    if downloads is not None:
        options.add_experimental_option(
            "prefs", {"download.default_directory": str(downloads), "download.prompt_for_download": False}
        )
    driver = webdriver.Chrome(service=Service(executable_path=driver_binary), options=options)
    if downloads is not None:
        driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    return driver


@contextlib.asynccontextmanager
async def serving(app, lifespan: str = "off"):
    """The app on a real TCP port of this host, for the browser (and other services) to reach."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, lifespan=lifespan, log_level="warning"))
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


def axe_violations(driver: webdriver.Chrome, impacts: tuple[str, ...] = ("serious", "critical")) -> list[dict]:
    """axe-core's violations of the page shown, of the given impacts (id, impact, help, the nodes' targets)."""
    if not AXE_SCRIPT.is_file():
        pytest.fail(f"axe-core is needed: run `bash deploy/local/axe.sh` (make test runs it) — no {AXE_SCRIPT}")
    driver.execute_script(AXE_SCRIPT.read_text(encoding="utf-8"))
    found = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations), e => done(String(e)));"
    )
    assert isinstance(found, list), found
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]]}
        for v in found
        if v["impact"] in impacts
    ]


def screenshot(driver: webdriver.Chrome, name: str) -> Path:
    """A picture of the page shown, kept as a test artefact under .run/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    driver.save_screenshot(str(path))
    return path

"""Real headless Chromium for browser tests: a live server thread, a driver, axe-core."""

from __future__ import annotations

import json
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[1]
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


@contextmanager
def live_server(flask_app):
    """Serve the app on a free loopback port in a thread; yield its base URL."""
    server = make_server("127.0.0.1", 0, flask_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


def chrome(width: int = 1280, height: int = 900, performance_log: bool = False) -> webdriver.Chrome:
    """Headless Chromium; ``performance_log`` also records DevTools network events (read with get_log)."""
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-dev-shm-usage",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--window-size={width},{height}",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", **({"performance": "ALL"} if performance_log else {})})
    if performance_log:
        options.add_experimental_option("perfLoggingPrefs", {"enableNetwork": True, "enablePage": False})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    if width < 500:  # desktop Chromium will not open a window that narrow: emulate the viewport
        set_viewport(driver, width, height)
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(60)
    return driver


def set_viewport(driver, width: int, height: int) -> None:
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}
    )


def wait_for(driver, condition, timeout: float = 20, message: str = ""):
    return WebDriverWait(driver, timeout, poll_frequency=0.1).until(lambda d: condition(d), message)


def text_of(driver, element_id: str) -> str:
    return (
        driver.execute_script(f"var e = document.getElementById({json.dumps(element_id)}); return e ? e.textContent : null;")
        or ""
    )


def wait_idle(driver, timeout: float = 20) -> None:
    """Until Dash has no callback in flight (its loading state attributes are gone)."""
    time.sleep(0.15)
    wait_for(
        driver,
        lambda d: d.execute_script("return document.querySelectorAll('[data-dash-is-loading=\"true\"]').length === 0"),
        timeout,
        "callbacks still loading",
    )


def open_every_disclosure(driver) -> list:
    """Open each closed <details>: a click on a visible summary (what builds a form or a data table on demand),
    ``open = true`` for one inside a hidden part. Returns those it opened."""
    closed = driver.find_elements(By.CSS_SELECTOR, "details:not([open])")
    for details in closed:
        summary = details.find_element(By.TAG_NAME, "summary")
        if summary.is_displayed():
            driver.execute_script("arguments[0].click()", summary)
        else:
            driver.execute_script("arguments[0].open = true", details)
    wait_idle(driver)
    return closed


def console_errors(driver) -> list[str]:
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def run_axe(driver, context: str = "document") -> dict:
    """Run axe-core with the WCAG 2.x A/AA tags; return {'violations': [...], 'incomplete': [...]}."""
    if not driver.execute_script("return typeof window.axe !== 'undefined'"):
        driver.execute_script(AXE_JS.read_text(encoding="utf-8"))
    script = (
        "const done = arguments[arguments.length - 1];"
        f"axe.run({context}, {{runOnly: {{type: 'tag', values: {json.dumps(AXE_TAGS)}}},"
        " resultTypes: ['violations', 'incomplete']})"
        ".then(r => done({violations: r.violations, incomplete: r.incomplete, version: axe.version}))"
        ".catch(e => done({error: String(e)}));"
    )
    result = driver.execute_async_script(script)
    if "error" in result:
        raise RuntimeError(result["error"])
    return result


def describe(results: list[dict]) -> str:
    lines = []
    for rule in results:
        targets = [
            ", ".join(node["target"]) if isinstance(node["target"], list) else str(node["target"])
            for node in rule["nodes"][:5]
        ]
        lines.append(f"{rule['id']} ({rule.get('impact')}): {rule['help']} -> {targets}")
    return "\n".join(lines)

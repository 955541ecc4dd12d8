"""One cold start of the Procfile's Gunicorn, with the page opened in headless Chromium at its first 200.

Shared by tests/test_cold_start.py (a restart never shows a blank page) and benchmarks/cold_start.py (how long it
takes, over many starts).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.browser_timing import clear_cache, severe_console_messages, wait_ready
from tests.servers import free_port, start_gunicorn, stop

GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
SERVER_ERROR = re.compile(r'" 5\d\d ')  # access log: '... "GET /path" 500 ...' (app/gunicorn_conf.py)


def server_env(artifacts: Path, workers: int = 2) -> dict:
    """The web dyno's environment (app.json) for the given artifacts."""
    return {
        **os.environ,
        "ARTIFACTS_DIR": str(artifacts),
        "WEB_CONCURRENCY": str(workers),
        "BUILD_DEFAULT_ARTIFACTS": "0",
        "MALLOC_ARENA_MAX": "2",
    }


def wait_first_200(url: str, process: subprocess.Popen, limit: float) -> float | None:
    """Seconds until ``url`` first answers 200, polled every 20 ms (None: died or too slow)."""
    started = time.monotonic()
    while time.monotonic() - started < limit:
        if process.poll() is not None:
            return None
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return time.monotonic() - started
        except requests.RequestException:
            pass
        time.sleep(0.02)
    return None


def cold_start(driver, source: Path, env: dict, client: int, log_path: Path, timeout_s: float = 30) -> dict:
    """Start the server, open ``/?client=...`` right after the first 200 (browser cache empty), stop it.

    {"ok", "boot_s", "page_ready_s", "reason", "server_errors"}; the server log is left at ``log_path``.
    """
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    driver.get("about:blank")
    clear_cache(driver)
    severe_console_messages(driver)  # empties the console log
    process = start_gunicorn(source, env, port, gunicorn=GUNICORN, log_path=log_path)
    result: dict = {"ok": False, "boot_s": None, "page_ready_s": None, "reason": "", "server_errors": []}
    try:
        boot_s = wait_first_200(f"{base}/healthz", process, limit=120)
        if boot_s is None:
            result["reason"] = "server did not start"
            return result
        result["boot_s"] = round(boot_s, 3)
        driver.get(f"{base}/?client={client}")
        state = wait_ready(driver, client, timeout_s)
        result["page_ready_s"] = round(state["ms"] / 1000, 3)
        console = severe_console_messages(driver)
        if not state["ready"]:
            result["reason"] = f"charts not drawn after {timeout_s:.0f} s; page shows: {state.get('shown', '')[:80]!r}"
        elif console:
            result["reason"] = f"console error: {console[0][:200]}"
        else:
            result["ok"] = True
    finally:
        stop(process)
    lines = log_path.read_text(encoding="utf-8", errors="replace").splitlines()
    result["server_errors"] = [line[-160:] for line in lines if SERVER_ERROR.search(line) or "Exception on" in line][:5]
    if result["ok"] and result["server_errors"]:
        result["ok"] = False
        result["reason"] = "server answered 5xx"
    return result

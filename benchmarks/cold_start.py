"""Cold starts: the Procfile's Gunicorn (2 workers, preload) started again and again, the page opened in
headless Chromium as soon as the server first answers 200.

    python -m benchmarks.cold_start --starts 30 --out benchmarks/results/cold_start.json

A start fails when the charts are not drawn within the timeout (the blank "Loading..." page), when the
server answers any request with a 5xx, or when the browser console shows an error. ``--source DIR``
starts another checkout's code (e.g. a worktree of an older commit) for a before/after comparison.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import requests

from benchmarks.browser_timing import clear_cache, severe_console_messages, wait_ready
from benchmarks.common import ROOT, build_artifacts, free_port, percentile, save, start_gunicorn, stop

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


def git_commit(source: Path) -> str:
    done = subprocess.run(["git", "-C", str(source), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    dirty = subprocess.run(  # the results being written do not make the code dirty
        ["git", "-C", str(source), "status", "--porcelain", "--untracked-files=no", "--", ".", ":!benchmarks/results"],
        capture_output=True, text=True,
    ).stdout.strip()
    return done.stdout.strip() + ("+changes" if dirty else "")


def summary(values: list[float]) -> dict:
    if not values:
        return {}
    return {"p50": round(percentile(values, 50), 2), "p95": round(percentile(values, 95), 2), "max": round(max(values), 2)}


def main() -> None:
    from tests.browser import chrome

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--starts", type=int, default=30)
    parser.add_argument("--clients", type=int, default=356_255, help="synthetic portfolio size (built once, reused)")
    parser.add_argument("--artifacts", type=Path, help="an existing artifact folder instead of --clients")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=30, help="seconds for the charts to be drawn")
    parser.add_argument("--source", type=Path, default=ROOT, help="checkout whose Procfile and code to start")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "cold_start.json")
    args = parser.parse_args()

    artifacts = args.artifacts or build_artifacts(args.clients)
    ids = np.load(artifacts / "portfolio" / "ids.npy", mmap_mode="r")
    client = int(ids[0])
    env = server_env(artifacts, args.workers)
    driver = chrome()
    starts = []
    try:
        with tempfile.TemporaryDirectory() as logs:
            for number in range(1, args.starts + 1):
                outcome = cold_start(driver, args.source, env, client, Path(logs) / f"start-{number}.log", args.timeout)
                starts.append(outcome)
                print(f"start {number:2d}: {'ok  ' if outcome['ok'] else 'FAIL'} boot {outcome['boot_s']} s, "
                      f"page {outcome['page_ready_s']} s {outcome['reason']}", file=sys.stderr, flush=True)
    finally:
        driver.quit()

    failed = [{"start": i, "reason": s["reason"], "server_errors": s["server_errors"]}
              for i, s in enumerate(starts, start=1) if not s["ok"]]
    ok = [s for s in starts if s["ok"]]
    result = {
        "cold_starts": len(starts),
        "failures": len(failed),
        "workers": args.workers,
        "preload": True,
        "clients": len(ids),
        "code": git_commit(args.source),
        "boot_s": summary([s["boot_s"] for s in starts if s["boot_s"] is not None]),
        "page_ready_s": summary([s["page_ready_s"] for s in ok]),
        "failed_starts": failed,
        "note": "each start: the Procfile's command on a new port, /?client=ID opened as soon as /healthz first "
        "answers 200 with the browser cache cleared; failure = charts not drawn in time, any 5xx, or a console "
        "error; boot_s = process start to first 200; page_ready_s = navigation start to every chart drawn",
    }
    save(result, args.out)


if __name__ == "__main__":
    main()

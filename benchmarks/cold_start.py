"""Cold starts: the Procfile's Gunicorn (2 workers, preload) started again and again, the page opened in
headless Chromium as soon as the server first answers 200.

    python -m benchmarks.cold_start --starts 30 --out benchmarks/results/cold_start.json

A start fails when the charts are not drawn within the timeout (the blank "Loading..." page), when the
server answers any request with a 5xx, or when the browser console shows an error. ``--source DIR``
starts another checkout's code (e.g. a worktree of an older commit) for a before/after comparison.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from benchmarks.common import ROOT, build_artifacts, percentile, save
from tests.restarts import cold_start, server_env


def git_commit(source: Path) -> str:
    done = subprocess.run(["git", "-C", str(source), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    dirty = subprocess.run(  # the results being written do not make the code dirty
        ["git", "-C", str(source), "status", "--porcelain", "--untracked-files=no", "--", ".", ":!benchmarks/results"],
        capture_output=True,
        text=True,
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
                print(
                    f"start {number:2d}: {'ok  ' if outcome['ok'] else 'FAIL'} boot {outcome['boot_s']} s, "
                    f"page {outcome['page_ready_s']} s {outcome['reason']}",
                    file=sys.stderr,
                    flush=True,
                )
    finally:
        driver.quit()

    failed = [
        {"start": i, "reason": s["reason"], "server_errors": s["server_errors"]}
        for i, s in enumerate(starts, start=1)
        if not s["ok"]
    ]
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

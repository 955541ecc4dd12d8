"""First and second visit of ``/?client=ID`` in headless Chromium, from the browser's network log.

    python -m benchmarks.first_load --out benchmarks/results/first_load.json

Gunicorn as the Procfile runs it (2 workers) on the synthetic portfolio at full scale. After one
unmeasured visit (so that the workers' first-request work is not counted), each repeat opens a new
browser (empty cache) and measures:
- cold: the first visit (``/?client=A``);
- warm: a second visit in the same browser (``/?client=B``): only the page (``/``, ``/_dash-layout``,
  ``/_dash-dependencies``) and the callback answers should cross the network.
``transferred_mb`` is what crossed the network (headers + bodies as sent, compressed: Chromium's
encodedDataLength, 1 MB = 10^6 bytes); ``charts_ready_s`` runs from the start of the navigation to the
first frame where the page names the client, no component is loading and every graph has drawn data.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
from pathlib import Path

import numpy as np

from benchmarks.cold_start import git_commit
from benchmarks.common import ROOT, build_artifacts, free_port, save, start_gunicorn, stop
from tests.browser_timing import (
    cpu_metrics,
    network_requests,
    network_summary,
    severe_console_messages,
    start_cpu_metrics,
    wait_ready,
)
from tests.restarts import GUNICORN, server_env, wait_first_200

PAGE_PATHS = ("/", "/_dash-layout", "/_dash-dependencies")
CALLBACK_PATH = "/_dash-update-component"


def visit(driver, base: str, client: int, timeout_s: float) -> dict:
    driver.get_log("performance")  # drop earlier events
    start_cpu_metrics(driver)  # before the navigation: counts the whole page
    driver.get(f"{base}/?client={client}")
    state = wait_ready(driver, client, timeout_s)
    cpu = cpu_metrics(driver)
    if not state["ready"]:
        raise SystemExit(f"charts not drawn after {timeout_s} s (page shows {state.get('shown', '')[:80]!r})")
    requests = network_requests(driver.get_log("performance"))
    fetched = [r for r in requests if not r["cached"]]
    return {
        **network_summary(requests),
        "charts_ready_s": round(state["ms"] / 1000, 3),
        "browser_cpu": cpu,
        "graphs": state["graphs"],
        "console_errors": severe_console_messages(driver),
        "fetched": [
            {
                "path": r["path"].split("?")[0],
                "status": r["status"],
                "kb": round(r["bytes"] / 1000, 1),
                "encoding": r.get("encoding", ""),
                "cache_control": r.get("cache_control", ""),
            }
            for r in sorted(fetched, key=lambda r: r["start"])
        ],
    }


def page_or_callback(path: str) -> bool:
    return path in PAGE_PATHS or path == CALLBACK_PATH


def median_of(runs: list[dict], key: str) -> float:
    return round(statistics.median(run[key] for run in runs), 3)


def main() -> None:
    from tests.browser import chrome

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=356_255, help="synthetic portfolio size (built once, reused)")
    parser.add_argument("--artifacts", type=Path, help="an existing artifact folder instead of --clients")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=60)
    parser.add_argument("--source", type=Path, default=ROOT, help="checkout whose Procfile and code to start")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "first_load.json")
    args = parser.parse_args()

    artifacts = args.artifacts or build_artifacts(args.clients)
    ids = np.load(artifacts / "portfolio" / "ids.npy", mmap_mode="r")
    rng = random.Random(args.seed)
    clients = [int(ids[rng.randrange(len(ids))]) for _ in range(2 * args.repeats + 1)]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    cold, warm = [], []
    with tempfile.TemporaryDirectory() as logs:
        log_path = Path(logs) / "server.log"
        process = start_gunicorn(args.source, server_env(artifacts), port, gunicorn=GUNICORN, log_path=log_path)
        try:
            if wait_first_200(f"{base}/healthz", process, limit=180) is None:
                raise SystemExit("the server did not start")
            driver = chrome(performance_log=True)
            try:
                visit(driver, base, clients[0], args.timeout)  # unmeasured: workers' first requests
            finally:
                driver.quit()
            for repeat in range(args.repeats):
                driver = chrome(performance_log=True)  # a new profile: empty cache
                try:
                    cold.append(visit(driver, base, clients[1 + 2 * repeat], args.timeout))
                    driver.get("about:blank")
                    warm.append(visit(driver, base, clients[2 + 2 * repeat], args.timeout))
                finally:
                    driver.quit()
                print(f"repeat {repeat + 1}: cold {cold[-1]['transferred_mb']} MB, {cold[-1]['requests']} requests, "
                      f"{cold[-1]['charts_ready_s']} s; warm {warm[-1]['transferred_mb']} MB, {warm[-1]['requests']} "
                      f"requests, {warm[-1]['charts_ready_s']} s", file=sys.stderr, flush=True)
        finally:
            stop(process)

    def block(runs: list[dict]) -> dict:
        return {
            "transferred_mb": median_of(runs, "transferred_mb"),
            "requests": int(statistics.median(run["requests"] for run in runs)),
            "charts_ready_s": median_of(runs, "charts_ready_s"),
            "charts_ready_s_all": [run["charts_ready_s"] for run in runs],
            "transferred_mb_all": [run["transferred_mb"] for run in runs],
            "browser_cpu_s": {key: round(statistics.median(run["browser_cpu"][key] for run in runs), 3)
                              for key in runs[0]["browser_cpu"]},
            "console_errors": sum(len(run["console_errors"]) for run in runs),
            "fetched_first_repeat": runs[0]["fetched"],
        }

    warm_other = sorted({f["path"] for run in warm for f in run["fetched"] if not page_or_callback(f["path"])})
    result = {
        "clients": int(len(ids)),
        "workers": 2,
        "repeats": args.repeats,
        "code": git_commit(args.source),
        "cold": block(cold),
        "warm": block(warm),
        "warm_fetched_besides_page_and_callbacks": warm_other,
        "note": "medians over repeats, each in a new browser profile; cold = first visit, warm = second visit in "
        "the same browser (another client); transferred = Chromium encodedDataLength (headers + compressed bodies), "
        "1 MB = 1e6 bytes; charts_ready_s from navigation start to every graph drawn with data; browser_cpu_s: "
        "the page's main-thread CPU time (Chromium Performance.getMetrics, thread ticks), less noisy than wall time",
    }
    save(result, args.out)


if __name__ == "__main__":
    main()

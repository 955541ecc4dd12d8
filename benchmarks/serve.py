"""Serving benchmark: boot time, client-switch latency and memory of Gunicorn as the Procfile runs it.

    python -m benchmarks.serve --clients 356255 --out benchmarks/results/serve_356255.json

A client switch in the browser is one selection callback, then five callbacks for the summary, the advisor
review (history read from the review database: SQLite by default, ``DATABASE_URL`` when set), the
explanation, the card and the comparison. ``switch_*`` is the time of all six sent one after the other
(the browser sends the last five in parallel, so this over-states what an advisor waits). Each client is
new to the per-client cache; the aggregates of the default comparison group are computed once per
worker and then shared by every client (the design: group aggregates are cached apart from the client).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

import numpy as np
import requests

from benchmarks.common import (
    ROOT,
    build_artifacts,
    free_port,
    percentile,
    post_json,
    save,
    start_gunicorn,
    stop,
    wait_until_up,
)
from benchmarks.procmem import tree_memory
from tests.callback_requests import index_dependencies, payload

# The views a client change updates (first output of each callback): summary band, advisor review (reads the
# client's review history from the database), explanation, client card, comparison.
CLIENT_CALLBACKS = (
    "summary-empty.hidden",
    "review-empty.hidden",
    "why-paragraph.children",
    "card-content.children",
    "compare-size.children",
)
COMPARE_DEFAULTS = {
    "compare-feature.value": "EXT_SOURCE_MEAN",
    "compare-feature-y.value": "PROBABILITY",
    "compare-group.value": "all",
    "compare-k.value": 500,
    "filter-gender.value": "any",
    "filter-age.value": "any",
    "filter-income.value": "any",
    "filter-contract.value": "any",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=356_255)
    parser.add_argument("--switches", type=int, default=300)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    artifacts = build_artifacts(args.clients)
    ids = np.load(artifacts / "portfolio" / "ids.npy", mmap_mode="r")
    rng = random.Random(args.seed)
    clients = [int(ids[rng.randrange(len(ids))]) for _ in range(args.switches)]

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "ARTIFACTS_DIR": str(artifacts),
        "WEB_CONCURRENCY": str(args.workers),
        "BUILD_DEFAULT_ARTIFACTS": "0",
        "MALLOC_ARENA_MAX": "2",
    }  # as app.json sets it for the dyno
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    started = time.perf_counter()
    process = start_gunicorn(ROOT, env, port, gunicorn=gunicorn, log_path=args.out.with_suffix(".log"))
    try:
        boot_s = wait_until_up(base, process, limit=120)
        if boot_s is None:
            raise SystemExit(f"the server did not start: see {args.out.with_suffix('.log')}")
        deps = index_dependencies(requests.get(f"{base}/_dash-dependencies", timeout=10).json())
        url = f"{base}/_dash-update-component"
        # Views this checkout has (the same script times an older checkout for a comparison within one run).
        views = [name for name in CLIENT_CALLBACKS if name in deps]
        per_callback: dict[str, list[float]] = {name: [] for name in ("client-id.data", *views)}
        switches, failures = [], 0
        for client in clients:
            values = {"url.search": f"?client={client}", "lang.data": "fr", "client-id.data": client, **COMPARE_DEFAULTS}
            total = 0.0
            for name, changed in (("client-id.data", "url.search"), *[(c, "client-id.data") for c in views]):
                t0 = time.perf_counter()
                status, _ = post_json(url, payload(deps[name], values, [changed]))
                elapsed = (time.perf_counter() - t0) * 1000
                failures += status != 200
                per_callback[name].append(elapsed)
                total += elapsed
            switches.append(total)
        memory = tree_memory(process.pid)
    finally:
        stop(process)

    result = {
        "clients": int(len(ids)),
        "workers": args.workers,
        "switches": len(switches),
        "failures": failures,
        "boot_s": round(boot_s, 2),
        "boot_wall_s": round(time.perf_counter() - started, 1),
        "switch_p50_ms": round(percentile(switches, 50), 1),
        "switch_p95_ms": round(percentile(switches, 95), 1),
        "callbacks_ms": {
            name: {"p50": round(percentile(v, 50), 1), "p95": round(percentile(v, 95), 1)}
            for name, v in per_callback.items()
        },
        "pss_mb_total": memory["pss_mb"],
        "rss_mb_total": memory["rss_mb"],
        "reviews_database": "postgresql" if os.environ.get("DATABASE_URL") else "sqlite (default file)",
        "note": "switch = selection + summary + review + explanation + card + comparison callbacks sent one after "
        "the other; every client is new to the per-client cache; the default group aggregates are computed once per worker",
    }
    save(result, args.out)


if __name__ == "__main__":
    main()

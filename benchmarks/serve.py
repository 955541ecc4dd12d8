"""Serving benchmark: boot time, client-switch latency and memory of Gunicorn as the Procfile runs it.

    python -m benchmarks.serve --clients 356255 --out benchmarks/results/serve_356255.json

A client switch in the browser is one selection callback, then four callbacks for the score, the
explanation, the card and the comparison. ``switch_*`` is the time of all five sent one after the other
(the browser sends the last four in parallel, so this over-states what an advisor waits). Each client is
new to the per-client cache; the aggregates of the default comparison group are computed once per
worker and then shared by every client (the design: group aggregates are cached apart from the client).
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

import numpy as np

from benchmarks.common import (
    build_artifacts,
    free_port,
    get_json,
    memory_mb,
    percentile,
    post_json,
    process_tree,
    save,
    start_web,
    stop,
    wait_http_ok,
)
from benchmarks.dash_http import index_dependencies, payload

CLIENT_CALLBACKS = ("score-placeholder.children", "why-paragraph.children", "card-content.children", "compare-size.children")
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
    started = time.perf_counter()
    process = start_web(artifacts, port, args.workers, log=args.out.with_suffix(".log"))
    try:
        boot_s = wait_http_ok(f"{base}/", timeout=120, process=process)
        wait_http_ok(f"{base}/_dash-layout", timeout=30, process=process)
        deps = index_dependencies(get_json(f"{base}/_dash-dependencies"))
        url = f"{base}/_dash-update-component"
        per_callback: dict[str, list[float]] = {name: [] for name in ("client-id.data", *CLIENT_CALLBACKS)}
        switches, failures = [], 0
        for client in clients:
            values = {"url.search": f"?client={client}", "lang.data": "fr", "client-id.data": client, **COMPARE_DEFAULTS}
            total = 0.0
            for name, changed in (("client-id.data", "url.search"), *[(c, "client-id.data") for c in CLIENT_CALLBACKS]):
                t0 = time.perf_counter()
                status, _ = post_json(url, payload(deps[name], values, [changed]))
                elapsed = (time.perf_counter() - t0) * 1000
                failures += status != 200
                per_callback[name].append(elapsed)
                total += elapsed
            switches.append(total)
        memory = memory_mb(process_tree(process.pid))
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
        "pss_mb_total": memory["pss"],
        "rss_mb_total": memory["rss"],
        "note": "switch = selection + score + explanation + card + comparison callbacks sent one after the other; "
        "every client is new to the per-client cache; the default group aggregates are computed once per worker",
    }
    save(result, args.out)


if __name__ == "__main__":
    main()

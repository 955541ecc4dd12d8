"""What-if, advice and letter latency, and memory, with Gunicorn as the Procfile runs it.

    python -m benchmarks.whatif --clients 356255 --out benchmarks/results/whatif_356255.json

Reuses (or builds once) the full-scale synthetic artifacts of ``benchmarks.serve`` (``artifacts/bench-N``).
Each request is the callback the browser sends, timed from the client on loopback (server time plus a
fraction of a millisecond). Clients are drawn at random (seeded) among the refused and grey-zone ones, the
clients an advisor simulates for; every client is new to the advice cache, so each advice is computed.

- ``fill``: choosing a client fills the what-if form (no model call);
- ``whatif``: Simulate with the amount lowered by 20 % and the duration lengthened by 12 months: two
  TreeSHAP explanations (before, after) by the Booster in the worker;
- ``advice``: the search for options (grid scans, each option checked through the what-if);
- ``curve``: the risk curves opened for the client (both curves in one Booster call, drawn as two figures with
  their tables; the advice options they mark come from the cache the advice request filled);
- ``letter`` and ``letter_pdf``: the client letter as HTML, then as a tagged PDF (WeasyPrint).

Memory (PSS of master + workers) is read after the what-if and advice traffic, with both workers' Boosters
loaded, and again after the PDFs (WeasyPrint and its fonts then live in the workers too).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

import numpy as np
import requests

from benchmarks.common import ROOT, build_artifacts, free_port, percentile, save, start_gunicorn, stop, wait_until_up
from benchmarks.procmem import tree_memory
from benchmarks.serve import COMPARE_DEFAULTS
from layouts.whatif import ids as whatif_ids
from scoring.simulate import parse_number
from tests.callback_requests import index_dependencies, key, payload

WHATIF = "whatif-status.children"
AMOUNT = key(whatif_ids.field("AMT_CREDIT"), "value")
MONTHS = key(whatif_ids.field("CREDIT_DURATION_MONTHS"), "value")
DASHBOARD = ("summary-empty.hidden", "why-paragraph.children", "card-content.children", "compare-size.children")
ADVICE = "advice-status.children"
CURVE = "curve-status.children"


def timed(session: requests.Session, method: str, url: str, **kwargs) -> tuple[float, requests.Response]:
    started = time.perf_counter()
    response = session.request(method, url, timeout=60, **kwargs)
    return (time.perf_counter() - started) * 1000, response


def summary(values: list[float]) -> dict:
    return {
        "n": len(values),
        "p50_ms": round(percentile(values, 50), 1),
        "p95_ms": round(percentile(values, 95), 1),
        "max_ms": round(max(values), 1) if values else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=356_255)
    parser.add_argument("--artifacts", type=Path, default=None, help="another artifact folder (default: artifacts/bench-N)")
    parser.add_argument("--requests", type=int, default=200, help="what-if and advice requests each")
    parser.add_argument("--letters", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--with-dashboard",
        action="store_true",
        help="also send each client's summary, explanation, card and comparison callbacks (memory of the whole page)",
    )
    args = parser.parse_args()

    artifacts = args.artifacts or build_artifacts(args.clients)
    ids = np.load(artifacts / "portfolio" / "ids.npy", mmap_mode="r")
    proba = np.load(artifacts / "portfolio" / "proba.npy", mmap_mode="r")
    decision = json.loads((artifacts / "decision.json").read_text())
    candidates = np.flatnonzero(np.asarray(proba) >= decision["grey_zone"][0])
    rng = random.Random(args.seed)
    chosen = [int(ids[candidates[rng.randrange(len(candidates))]]) for _ in range(args.requests + 10)]

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "ARTIFACTS_DIR": str(artifacts),
        "WEB_CONCURRENCY": str(args.workers),
        "BUILD_DEFAULT_ARTIFACTS": "0",
        "MALLOC_ARENA_MAX": "2",  # as app.json sets it for the dyno
    }
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    process = start_gunicorn(ROOT, env, port, gunicorn=gunicorn, log_path=args.out.with_suffix(".log"))
    session = requests.Session()
    times: dict[str, list[float]] = {k: [] for k in ("fill", "whatif", "curve", "advice", "letter", "letter_pdf")}
    first_requests, failures, options_found = [], 0, 0
    try:
        if wait_until_up(base, process, limit=120) is None:
            raise SystemExit(f"the server did not start: see {args.out.with_suffix('.log')}")
        deps = index_dependencies(session.get(f"{base}/_dash-dependencies", timeout=10).json())
        url = f"{base}/_dash-update-component"
        memory_idle = tree_memory(process.pid)
        for i, client in enumerate(chosen):
            warmup = i < 10  # the first requests of each worker load its Booster: reported apart
            values = {"client-id.data": client, "lang.data": "fr"}
            if args.with_dashboard:
                for name in DASHBOARD:
                    response = session.post(
                        url, json=payload(deps[name], {**values, **COMPARE_DEFAULTS}, ["client-id.data"])
                    )
                    failures += response.status_code != 200
            ms, response = timed(session, "POST", url, json=payload(deps[WHATIF], values, ["client-id.data"]))
            failures += response.status_code != 200
            form = {
                f"{cid}.{prop}": value
                for cid, props in response.json()["response"].items()
                for prop, value in props.items()
                if prop == "value"
            }
            if not warmup:
                times["fill"].append(ms)
            # The form shows numbers as French text ("1 134 212"): read them as the app does.
            amount = parse_number(form[AMOUNT], ",")
            form[AMOUNT] = str(max(int(amount * 0.8), 10_000))
            months = parse_number(form.get(MONTHS), ",")
            if months:
                form[MONTHS] = str(min(int(months) + 12, 120))
            body = payload(deps[WHATIF], {**values, **form, "whatif-submit.n_clicks": 1}, ["whatif-submit.n_clicks"])
            ms, response = timed(session, "POST", url, json=body)
            failures += response.status_code != 200
            (first_requests if warmup else times["whatif"]).append(ms)
            body = payload(deps[ADVICE], {**values, "advice-submit.n_clicks": 1}, ["advice-submit.n_clicks"])
            ms, response = timed(session, "POST", url, json=body)
            failures += response.status_code != 200
            if not warmup:
                times["advice"].append(ms)
                answer = response.json().get("response", {}) if response.status_code == 200 else {}
                options_found += bool(answer.get("advice-options", {}).get("children"))
            # The risk curves opened for this client: both curves (one Booster call) and their drawing; the advice
            # whose options they mark comes from the cache the advice request above filled.
            body = payload(deps[CURVE], {**values, "curve-open.n_clicks": 1}, ["curve-open.n_clicks"])
            ms, response = timed(session, "POST", url, json=body)
            failures += response.status_code != 200 or "curve-amount-figure" not in response.text
            if not warmup:
                times["curve"].append(ms)
        memory_after = tree_memory(process.pid)
        for client in chosen[: args.letters]:
            ms, response = timed(session, "GET", f"{base}/lettre?client={client}")
            failures += response.status_code != 200
            times["letter"].append(ms)
            ms, response = timed(session, "GET", f"{base}/lettre.pdf?client={client}")
            failures += response.status_code != 200 or not response.content.startswith(b"%PDF")
            times["letter_pdf"].append(ms)
        memory_pdf = tree_memory(process.pid)
    finally:
        stop(process)

    result = {
        "clients": int(len(ids)),
        "workers": args.workers,
        "failures": failures,
        "requests_ms": {name: summary(values) for name, values in times.items()},
        "first_requests_ms": summary(first_requests),
        "clients_with_advice_options": options_found,
        "pss_mb_idle": memory_idle["pss_mb"],
        "pss_mb_after_whatif_and_advice": memory_after["pss_mb"],
        "pss_mb_after_pdf_letters": memory_pdf["pss_mb"],
        "rss_mb_after_whatif_and_advice": memory_after["rss_mb"],
        "processes_after_whatif_and_advice": memory_after["processes"],
        "with_dashboard_callbacks": args.with_dashboard,
        "targets": {"whatif_p95_ms": 100, "advice_p95_ms": 500, "pss_mb": 450},
        "note": "latency from a client on loopback, one request at a time; whatif = two TreeSHAP explanations in the "
        "worker; the first 10 clients (Booster loading in each worker) are reported apart as first_requests_ms",
    }
    save(result, args.out)


if __name__ == "__main__":
    main()

"""Client store benchmark: ``scoring load-clients`` into a real PostgreSQL, then client switches served by
Gunicorn (the Procfile's, 2 workers) from PostgreSQL and from the memory-mapped portfolio, on the same machine.

    python -m benchmarks.pgstore --data DIR --artifacts A --out benchmarks/results/pgstore_356255.json
    python -m benchmarks.pgstore --data /work/data/synth10m --artifacts A --no-memmap --out .../pgstore_10m.json

Load: wall time, rows, peak RSS of the loader (flat memory: it reads and copies chunk by chunk), table and index
size. Switch: the selection callback then the summary, review, explanation and card callbacks (the comparison
is a portfolio-wide view, not a client read), sent one after the other for clients new to the per-client
cache; server time as the client sees it on loopback. Memory: PSS of master + workers after the switches.
Then the comparison callback for the k-nearest group
(``--k``, the view's default 500) of ``--nearest`` of those clients: PostgreSQL's k-nearest indexes, or the arrays.
A PostgreSQL server is started for the run (tests/postgres.py) and removed at the end.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import requests

from benchmarks.common import ROOT, free_port, percentile, post_json, save, start_gunicorn, stop, wait_until_up
from benchmarks.procmem import tree_memory
from scoring.stores.pg_schema import current_table, libpq_url
from tests.callback_requests import index_dependencies, payload
from tests.postgres import remove_server, start_server

SWITCH_CALLBACKS = ("summary-empty.hidden", "review-empty.hidden", "why-paragraph.children", "card-content.children")


def load(data: Path, url: str, artifacts: Path, chunk_rows: int) -> dict:
    command = [
        sys.executable,
        "-m",
        "scoring",
        "load-clients",
        "--data",
        str(data),
        "--database-url",
        url,
        "--artifacts",
        str(artifacts),
        "--chunk-rows",
        str(chunk_rows),
    ]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"load-clients failed: {done.stderr.strip()[-500:]}")
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    with psycopg.connect(libpq_url(url)) as connection:
        table = current_table(connection)
        rows = connection.execute("SELECT count(*) FROM clients").fetchone()[0]
        heap, indexes = connection.execute("SELECT pg_table_size(%s), pg_indexes_size(%s)", (table, table)).fetchone()
    return {
        "clients": rows,
        "seconds": round(seconds, 1),
        "clients_per_s": round(rows / seconds),
        "loader_peak_rss_mb": round(peak_mb, 1),
        "table_mb": round(heap / 2**20, 1),
        "indexes_mb": round(indexes / 2**20, 1),
        "chunk_rows": chunk_rows,
        "loader_said": done.stderr.strip().splitlines()[-1],
    }


def sample_clients(url: str, n: int, seed: int) -> list[int]:
    with psycopg.connect(libpq_url(url)) as connection:
        low, high = connection.execute('SELECT min("SK_ID_CURR"), max("SK_ID_CURR") FROM clients').fetchone()
        rng, found = random.Random(seed), []
        while len(found) < n:  # a random point of the id range, then the first client at or after it (by the key)
            row = connection.execute(
                'SELECT "SK_ID_CURR" FROM clients WHERE "SK_ID_CURR" >= %s ORDER BY 1 LIMIT 1', (rng.randint(low, high),)
            ).fetchone()
            if row:
                found.append(int(row[0]))
    return found


def recall(url: str, artifacts: Path, clients: list[int], k: int, group=None) -> dict:
    """The store's k nearest against ``Portfolio.nearest`` (the memory-mapped store) on the same clients."""
    from scoring.artifacts import Artifacts
    from scoring.stores.memmap import MemmapStore
    from scoring.stores.postgres import PostgresStore

    loaded = Artifacts(artifacts)
    pg, arrays = PostgresStore(url, loaded, statement_timeout_ms=30_000), MemmapStore(loaded)
    found = wanted = identical = 0
    try:
        for client in clients:
            got, expected = pg.neighbours(client, k, group), arrays.neighbours(client, k, group)
            found, wanted, identical = (
                found + len(set(got) & set(expected)),
                wanted + len(expected),
                identical + (got == expected),
            )
    finally:
        pg.close()
    return {
        "k": k,
        "group": repr(group),
        "clients": len(clients),
        "recall": round(found / max(wanted, 1), 5),
        "identical_lists": identical,
    }


def nearest_group(url: str, deps: dict, clients: list[int], k: int) -> tuple[list[float], int]:
    """The comparison callback for the k-nearest group of each client (a client already switched to: its row and
    explanation are cached, the neighbours are not); a failure is an error status or no chart."""
    timings, failures = [], 0
    for client in clients:
        values = {
            "client-id.data": client,
            "lang.data": "fr",
            "compare-feature.value": "EXT_SOURCE_MEAN",
            "compare-feature-y.value": "PROBABILITY",
            "compare-group.value": "nearest",
            "compare-k.value": k,
            **{f"filter-{f}.value": "any" for f in ("gender", "age", "income", "contract")},
        }
        t0 = time.perf_counter()
        status, body = post_json(url, payload(deps["compare-size.children"], values, ["compare-group.value"]))
        timings.append((time.perf_counter() - t0) * 1000)
        response = body.get("response", {}) if status == 200 else {}
        failures += status != 200 or not response.get("compare-hist", {}).get("figure", {}).get("data")
    return timings, failures


def serve(
    artifacts: Path, clients: list[int], clients_url: str, workers: int, log: Path, nearest: int = 30, k: int = 500
) -> dict:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "ARTIFACTS_DIR": str(artifacts),
        "WEB_CONCURRENCY": str(workers),
        "BUILD_DEFAULT_ARTIFACTS": "0",
        "MALLOC_ARENA_MAX": "2",
    }
    env.pop("CLIENTS_DATABASE_URL", None)
    if clients_url:
        env["CLIENTS_DATABASE_URL"] = clients_url
    process = start_gunicorn(ROOT, env, port, gunicorn=str(Path(sys.executable).with_name("gunicorn")), log_path=log)
    try:
        boot_s = wait_until_up(base, process, limit=180)
        if boot_s is None:
            raise SystemExit(f"the server did not start: see {log}")
        deps = index_dependencies(requests.get(f"{base}/_dash-dependencies", timeout=10).json())
        url = f"{base}/_dash-update-component"
        per_callback: dict[str, list[float]] = {name: [] for name in ("client-id.data", *SWITCH_CALLBACKS)}
        switches, failures = [], 0
        for client in clients:
            values = {"url.search": f"?client={client}", "lang.data": "fr", "client-id.data": client}
            total = 0.0
            for name, changed in (("client-id.data", "url.search"), *[(c, "client-id.data") for c in SWITCH_CALLBACKS]):
                t0 = time.perf_counter()
                status, body = post_json(url, payload(deps[name], values, [changed]))
                elapsed = (time.perf_counter() - t0) * 1000
                failures += status != 200 or (
                    name == "client-id.data" and body.get("response", {}).get("client-id", {}).get("data") != client
                )
                per_callback[name].append(elapsed)
                total += elapsed
            switches.append(total)
        nearest_ms, nearest_failures = nearest_group(url, deps, clients[:nearest], k)
        memory = tree_memory(process.pid)
    finally:
        stop(process)
    return {
        "switches": len(switches),
        "failures": failures,
        "boot_s": round(boot_s, 2),
        "switch_p50_ms": round(percentile(switches, 50), 1),
        "switch_p95_ms": round(percentile(switches, 95), 1),
        "callbacks_ms": {
            name: {"p50": round(percentile(v, 50), 1), "p95": round(percentile(v, 95), 1)}
            for name, v in per_callback.items()
        },
        "nearest_group": {
            "k": k,
            "clients": len(nearest_ms),
            "failures": nearest_failures,
            "p50_ms": round(percentile(nearest_ms, 50), 1) if nearest_ms else None,
            "p95_ms": round(percentile(nearest_ms, 95), 1) if nearest_ms else None,
        },
        "pss_mb_master_and_workers": memory["pss_mb"],
        "pss_anon_mb": memory["pss_anon_mb"],
        "processes": [{k: p[k] for k in ("pid", "pss_mb", "pss_anon_mb")} for p in memory["processes"]],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--artifacts", type=Path, required=True)
    parser.add_argument("--switches", type=int, default=300)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--chunk-rows", type=int, default=100_000)
    parser.add_argument("--nearest", type=int, default=30, help="clients whose k-nearest comparison group is timed")
    parser.add_argument("--k", type=int, default=500, help="size of that group (the view's default)")
    parser.add_argument(
        "--no-memmap", action="store_true", help="skip the memory-mapped run (its artifacts do not hold these clients)"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()

    server = start_server()
    if server is None:
        raise SystemExit("PostgreSQL is not installed (apt-get install postgresql)")
    result: dict = {"load_average_before": os.getloadavg()}
    try:
        url = server.create_database("clients_bench")
        result["load"] = load(args.data, url, args.artifacts, args.chunk_rows)
        print(result["load"], flush=True)
        clients = sample_clients(url, args.switches, args.seed)
        result["postgres"] = serve(
            args.artifacts, clients, url, args.workers, args.out.with_suffix(".pg.log"), args.nearest, args.k
        )
        print("postgres", result["postgres"]["switch_p95_ms"], result["postgres"]["nearest_group"], flush=True)
        if not args.no_memmap:  # the artifacts hold these clients: the neighbours are comparable
            from scoring.stores.neighbours import Group

            result["recall"] = [
                recall(url, args.artifacts, clients[: args.nearest], k, group)
                for k, group in ((args.k, None), (100, Group(gender="F", age=(35, 45), refused=True)))
            ]
            print("recall", result["recall"], flush=True)
            result["memmap"] = serve(
                args.artifacts, clients, "", args.workers, args.out.with_suffix(".memmap.log"), args.nearest, args.k
            )
            print("memmap", result["memmap"]["switch_p95_ms"], result["memmap"]["nearest_group"], flush=True)
    finally:
        remove_server(server)
    result["load_average_after"] = os.getloadavg()
    result["note"] = (
        "switch = selection + summary + review + explanation + card callbacks one after the other, every client new "
        "to the per-client cache (PostgreSQL: row read + explanation computed in the worker); PSS of the Gunicorn "
        "master and workers only (the PostgreSQL server is another process tree)"
    )
    save(result, args.out)


if __name__ == "__main__":
    main()

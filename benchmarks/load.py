"""Load and fault test on loopback: simulated advisors against Gunicorn (2 workers) at full scale.

Each simulated user logs in, loads the page, then until the time is up (and at most --max-actions
times): opens a random client (the selection callback, then the summary, review, explanation, card and
comparison callbacks, as the browser fires them), changes the comparison (characteristic, group, k,
filters), simulates other credit terms and asks for advice (the model runs in the worker), or opens the
client's letter (HTML, sometimes the PDF), with a think time between actions. Every request must answer
200/204 within 30 s (Heroku's router limit) with no "internal error" message in it.

    python benchmarks/load.py                      # 50 users x 60 s, then the same with a worker killed
    python benchmarks/load.py --no-fault --users 10 --duration 20

Fault run: one worker gets SIGKILL mid-run; Gunicorn's master must fork a replacement, and the only
failed requests allowed are those that were in flight on the killed worker.

Runs against production settings (login on), with Redis as the shared cache when redis-server exists.
Results: benchmarks/results/load.json (p50/p95/p99 overall and per callback, failures, worker kill).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import requests  # noqa: E402

from benchmarks.common import ROOT, free_port, start_gunicorn, stop, wait_until_up  # noqa: E402
from benchmarks.dashclient import callbacks, login, new_session, production_env  # noqa: E402
from benchmarks.procmem import children, command, tree_memory  # noqa: E402
from benchmarks.serve import CLIENT_CALLBACKS, COMPARE_DEFAULTS  # noqa: E402
from benchmarks.whatif import ADVICE, AMOUNT, WHATIF  # noqa: E402
from callbacks.common import UNEXPECTED_ERROR  # noqa: E402
from layouts.i18n import LANGUAGES, language  # noqa: E402
from scoring.comparison import GROUP_BASES  # noqa: E402
from scoring.fields import COMPARABLE  # noqa: E402
from scoring.simulate import parse_number  # noqa: E402
from tests.callback_requests import payload  # noqa: E402

TIMEOUT_S = 30
RESCUED = tuple(language(lang)._(UNEXPECTED_ERROR) for lang in LANGUAGES)
# Share of actions (the rest: comparison changes): client switch, what-if + advice, letter (1 in 4 as PDF).
P_SWITCH, P_WHATIF, P_LETTER = 0.5, 0.15, 0.05


class Recorder:
    def __init__(self):
        self.rows: list[tuple[str, float, float, int, str]] = []  # (name, start, end, status, error)
        self.lock = threading.Lock()

    def add(self, *row) -> None:
        with self.lock:
            self.rows.append(row)


def timed(recorder: Recorder, session: requests.Session, name: str, method: str, url: str, **kwargs):
    start = time.monotonic()
    try:
        response = session.request(method, url, timeout=TIMEOUT_S, **kwargs)
        error = ""
        if response.status_code not in (200, 204, 302):
            error = f"HTTP {response.status_code}"
        elif any(message in response.text for message in RESCUED):
            error = "internal error message"
        recorder.add(name, start, time.monotonic(), response.status_code, error)
        return response
    except requests.RequestException as exc:
        recorder.add(name, start, time.monotonic(), 0, type(exc).__name__)
        return None


def user(number: int, base: str, ids: np.ndarray, args, deadline: float, recorder: Recorder) -> None:
    rng = random.Random(number)
    session = new_session()
    try:
        login(session, base)
    except Exception as exc:  # noqa: BLE001
        recorder.add("login", time.monotonic(), time.monotonic(), 0, type(exc).__name__)
        return
    timed(recorder, session, "page", "GET", f"{base}/")
    timed(recorder, session, "layout", "GET", f"{base}/_dash-layout")
    specs = callbacks(session, base)
    post = f"{base}/_dash-update-component"
    current: int | None = None
    history: list[int] = []
    compare = dict(COMPARE_DEFAULTS)
    for _ in range(args.max_actions):
        if time.monotonic() > deadline:
            break
        roll = rng.random()
        if current is not None and roll < args.p_whatif:
            simulate(recorder, session, post, specs, current, rng)
        elif current is not None and roll < args.p_whatif + args.p_letter:
            suffix = ".pdf" if rng.random() < 0.25 else ""
            timed(recorder, session, f"letter{suffix}", "GET", f"{base}/lettre{suffix}?client={current}")
        elif current is None or roll < args.p_whatif + args.p_letter + P_SWITCH:
            # Switch client: a new one, or back to one seen before (the shared cache answers those).
            current = rng.choice(history) if history and rng.random() < 0.25 else int(ids[rng.randrange(len(ids))])
            history.append(current)
            base_values = {"client-id.data": current, "lang.data": "fr", **compare}
            values = {"url.search": f"?client={current}", "lang.data": "fr"}
            timed(recorder, session, "select", "POST", post, json=payload(specs["client-id.data"], values))
            for name in CLIENT_CALLBACKS:
                timed(recorder, session, name.split("-")[0], "POST", post, json=payload(specs[name], base_values))
        else:
            # Change the comparison: characteristic, group, size, filters.
            compare = {
                "compare-feature.value": rng.choice(sorted(COMPARABLE)),
                "compare-feature-y.value": rng.choice(sorted(COMPARABLE)),
                "compare-group.value": rng.choice(GROUP_BASES),
                "compare-k.value": rng.choice([50, 500, 2000]),
                "filter-gender.value": rng.choice(["any", "same"]),
                "filter-age.value": rng.choice(["any", "same"]),
                "filter-income.value": rng.choice(["any", "same"]),
                "filter-contract.value": rng.choice(["any", "same"]),
            }
            values = {"client-id.data": current, "lang.data": "fr", **compare}
            changed = [rng.choice(list(compare))]
            timed(recorder, session, "compare", "POST", post,
                  json=payload(specs["compare-size.children"], values, changed))
        time.sleep(rng.uniform(args.think_min, args.think_max))


def simulate(recorder: Recorder, session: requests.Session, post: str, specs: dict, client: int, rng) -> None:
    """The what-if form filled for the client, a simulation with 10-30 % less credit, then the advice."""
    values = {"client-id.data": client, "lang.data": "fr"}
    response = timed(recorder, session, "whatif_fill", "POST", post, json=payload(specs[WHATIF], values, ["client-id.data"]))
    if response is None or response.status_code != 200:
        return
    form = {
        f"{cid}.{prop}": value
        for cid, props in response.json().get("response", {}).items()
        for prop, value in props.items()
        if prop == "value"
    }
    amount = parse_number(form.get(AMOUNT), ",")  # the form shows numbers as French text
    if amount is not None:
        form[AMOUNT] = str(max(int(amount * rng.uniform(0.7, 0.9)), 10_000))
    body = payload(specs[WHATIF], {**values, **form, "whatif-submit.n_clicks": 1}, ["whatif-submit.n_clicks"])
    timed(recorder, session, "whatif", "POST", post, json=body)
    body = payload(specs[ADVICE], {**values, "advice-submit.n_clicks": 1}, ["advice-submit.n_clicks"])
    timed(recorder, session, "advice", "POST", post, json=body)


def percentiles(values: list[float]) -> dict:
    if not values:
        return {}
    ms = np.asarray(values) * 1000
    return {"n": len(values), "p50_ms": round(float(np.percentile(ms, 50)), 1),
            "p95_ms": round(float(np.percentile(ms, 95)), 1), "p99_ms": round(float(np.percentile(ms, 99)), 1),
            "max_ms": round(float(ms.max()), 1)}


def worker_pids(master: int) -> list[int]:
    """The master's children but its warm PDF renderer (app/pdf_renderer.py): the workers."""
    return sorted(pid for pid in children(master) if "pdf_render.py" not in command(pid))


def killer(master: int, at: float, record: dict) -> None:
    """SIGKILL one worker at time `at`, then time how long the master takes to have all workers again."""
    time.sleep(max(0.0, at - time.monotonic()))
    before = worker_pids(master)
    victim = before[0]
    record.update(killed_pid=victim, workers_before=before)
    record["killed_at"] = time.monotonic()
    os.kill(victim, signal.SIGKILL)
    while time.monotonic() - record["killed_at"] < 30:
        now = worker_pids(master)
        if len(now) == len(before) and victim not in now:
            record["replaced_after_s"] = round(time.monotonic() - record["killed_at"], 2)
            record["workers_after"] = now
            return
        time.sleep(0.05)
    record["replaced_after_s"] = None


def run_once(args, ids: np.ndarray, kill_at: float | None, label: str) -> dict:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    extra = {"ARTIFACTS_DIR": str(args.artifacts)}
    if args.pdf_renderers is not None:
        extra["PDF_RENDERERS"] = str(args.pdf_renderers)
    redis_process = None
    if args.redis and shutil.which("redis-server"):
        redis_port = free_port()
        redis_process = subprocess.Popen(
            ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        extra["REDIS_URL"] = f"redis://127.0.0.1:{redis_port}/0"
    env = production_env(PATH=f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}", **extra)
    log_path = args.out.parent / f"load_{label}_gunicorn.log"
    server = start_gunicorn(ROOT, env, port, log_path=log_path)
    try:
        boot = wait_until_up(base, server, 120)
        if boot is None:
            raise SystemExit(f"the server did not start (see {log_path})")
        recorder = Recorder()
        started = time.monotonic()
        deadline = started + args.duration
        kill_record: dict = {}
        threads = [threading.Thread(target=user, args=(n, base, ids, args, deadline, recorder), daemon=True)
                   for n in range(args.users)]
        if kill_at is not None:
            threads.append(threading.Thread(target=killer, args=(server.pid, started + kill_at, kill_record), daemon=True))
        for thread in threads:
            thread.start()
            time.sleep(args.ramp / max(1, args.users))  # users arrive over the ramp-up, not all in the same ms
        memory_peak = None
        while any(t.is_alive() for t in threads) and time.monotonic() < deadline + TIMEOUT_S + 5:
            memory = tree_memory(server.pid)
            if memory_peak is None or memory["pss_mb"] > memory_peak["pss_mb"]:
                memory_peak = memory
            time.sleep(1)
        elapsed = time.monotonic() - started
    finally:
        stop(server)
        if redis_process:
            redis_process.kill()
            redis_process.wait(5)

    rows = recorder.rows
    failures = [r for r in rows if r[4]]
    by_name = {}
    for name in sorted({r[0] for r in rows}):
        by_name[name] = percentiles([r[2] - r[1] for r in rows if r[0] == name and not r[4]])
    result = {
        "label": label,
        "users": args.users,
        "duration_s": args.duration,
        "mix": {"switch": P_SWITCH, "whatif_advice": args.p_whatif, "letter": args.p_letter},
        "elapsed_s": round(elapsed, 1),
        "think_s": [args.think_min, args.think_max],
        "boot_s": round(boot, 2),
        "requests": len(rows),
        "throughput_rps": round(len(rows) / elapsed, 1),
        "failures": len(failures),
        "failure_kinds": sorted({f"{r[0]}: {r[4]}" for r in failures}),
        "latency": percentiles([r[2] - r[1] for r in rows if not r[4]]),
        "latency_by_request": by_name,
        "pss_peak_mb": memory_peak and memory_peak["pss_mb"],
        "pss_peak_anon_mb": memory_peak and memory_peak["pss_anon_mb"],
        "pss_peak_file_mb": memory_peak and memory_peak["pss_file_mb"],
        "pss_peak_processes": memory_peak and len(memory_peak["processes"]),
        "pss_peak_pdf_renderer_mb": memory_peak
        and round(sum(p["pss_mb"] for p in memory_peak["processes"] if "pdf_render.py" in p["command"]), 1),
        "redis": "REDIS_URL" in extra,
        "pdf_renderers": args.pdf_renderers if args.pdf_renderers is not None else "default (app/gunicorn_conf.py)",
    }
    if kill_at is not None:
        killed_at = kill_record.get("killed_at")
        in_flight = [r for r in rows if killed_at and r[1] <= killed_at <= r[2]]
        failed_in_flight = [r for r in failures if killed_at and r[1] <= killed_at <= r[2]]
        # Sent after the kill on an idle keep-alive connection the killed worker held: the reset comes at
        # once. Browsers resend a request whose reused connection was reset (Chromium does, POST included).
        on_dead_connection = [r for r in failures if killed_at and killed_at < r[1] and r[2] - killed_at < 1.0
                              and r[4] == "ConnectionError" and r[2] - r[1] < 0.05]
        result["worker_kill"] = {
            "failures_relative_to_kill_s": [
                {"request": r[0], "start": round(r[1] - killed_at, 3), "end": round(r[2] - killed_at, 3), "error": r[4]}
                for r in failures
            ] if killed_at else [],
            "failed_on_killed_workers_idle_connection": len(on_dead_connection),
            "at_s": kill_at,
            "killed_pid": kill_record.get("killed_pid"),
            "replaced_after_s": kill_record.get("replaced_after_s"),
            "in_flight_at_kill": len(in_flight),
            "failed_in_flight": len(failed_in_flight),
            "failed_other": len(failures) - len(failed_in_flight) - len(on_dead_connection),
            "ok": kill_record.get("replaced_after_s") is not None
            and len(failures) == len(failed_in_flight) + len(on_dead_connection),
        }
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--artifacts", type=Path, default=ROOT / "artifacts" / "default")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--ramp", type=float, default=5, help="seconds over which users arrive")
    parser.add_argument("--think-min", type=float, default=1.0)
    parser.add_argument("--think-max", type=float, default=3.0)
    parser.add_argument("--max-actions", type=int, default=200, help="per user (bounds the request count)")
    parser.add_argument("--kill-at", type=float, default=20, help="seconds into the fault run")
    parser.add_argument("--no-fault", action="store_true", help="skip the worker-kill run")
    parser.add_argument("--p-whatif", type=float, default=P_WHATIF, help="share of actions that simulate + advise")
    parser.add_argument("--p-letter", type=float, default=P_LETTER, help="share of actions that open a letter")
    parser.add_argument("--no-redis", dest="redis", action="store_false")
    parser.add_argument("--pdf-renderers", type=int, help="PDF_RENDERERS for the server (0: a child process per PDF)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "load.json")
    args = parser.parse_args(argv)
    if not (args.artifacts / "manifest.json").is_file():
        parser.error(f"no artifacts in {args.artifacts}: python -m scoring train --synthetic 307511 --out {args.artifacts}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    ids = np.load(args.artifacts / "portfolio" / "ids.npy", mmap_mode="r")

    runs = [run_once(args, ids, None, "steady")]
    print(json.dumps(runs[-1], indent=2), flush=True)
    if not args.no_fault:
        runs.append(run_once(args, ids, args.kill_at, "worker_kill"))
        print(json.dumps(runs[-1], indent=2), flush=True)
    result = {"when_utc": datetime.now(UTC).isoformat(timespec="seconds"), "clients": int(len(ids)),
              "machine_cpus": os.cpu_count(), "note": "load generator and server share the same 2 cores", "runs": runs}
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    ok = runs[0]["failures"] == 0 and all(r.get("worker_kill", {}).get("ok", True) for r in runs)
    print(f"saved {args.out}; {'OK' if ok else 'FAILED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

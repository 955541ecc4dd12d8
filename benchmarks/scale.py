"""Portfolio size against engine: synthesize, train, score (with reasons) and aggregate at 1M, 3M and 10M clients.

    nice -n 15 python -m benchmarks.scale --sizes 1000000 --engines local dask
    nice -n 15 python -m benchmarks.scale --sizes 10000000 --engines dask --data-10m /work/data/synth10m

Each step is one ``python -m scoring ...`` process, sampled every half second with psutil over its whole process
tree (the Dask workers are its children): wall time, rows per second, peak RSS of every process, and the size of
what it wrote. Every finished (size, engine, step) is appended to the JSON at once and skipped on the next run,
so an interrupted run resumes where it stopped (``--force`` measures again).

The local engine holds the whole portfolio in one process (~3.6 GB per million clients, measured at 1M): a size
whose estimate exceeds ``--local-limit-gb`` (the memory budget of one Dask worker) is recorded as not run, with
the estimate and the measured figure it comes from.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "scale.json"
STEPS = ("synthesize", "train", "score", "aggregate")
LOCAL_GB_PER_MILLION = 3.56  # peak of one local 1M training (issue 17), replaced by this script's own 1M figure


class TreeSampler:
    """Peak RSS of a process and each of its descendants, sampled every ``interval`` seconds."""

    def __init__(self, pid: int, interval: float = 0.5):
        import psutil

        self.root = psutil.Process(pid)
        self.interval = interval
        self.peaks: dict[int, dict] = {}
        self.peak_total = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> TreeSampler:
        self._thread.start()
        return self

    def __exit__(self, *_) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        import psutil

        while not self._stop.is_set():
            try:
                processes = [self.root, *self.root.children(recursive=True)]
            except psutil.Error:
                processes = []
            total = 0
            for process in processes:
                try:
                    rss = process.memory_info().rss
                    if process.pid not in self.peaks:
                        self.peaks[process.pid] = {"role": _role(process, self.root), "rss": 0}
                    self.peaks[process.pid]["rss"] = max(self.peaks[process.pid]["rss"], rss)
                    total += rss
                except psutil.Error:
                    continue
            self.peak_total = max(self.peak_total, total)
            self._stop.wait(self.interval)

    def summary(self) -> dict:
        by_role: dict[str, list[float]] = {}
        for peak in self.peaks.values():
            by_role.setdefault(peak["role"], []).append(round(peak["rss"] / 2**30, 3))
        return {
            "peak_rss_gb_by_process": {role: sorted(values, reverse=True) for role, values in by_role.items()},
            "peak_rss_gb_main": max(by_role.get("main", [0.0])),
            "peak_rss_gb_worker_max": max(by_role.get("dask worker", [0.0])),
            "peak_rss_gb_tree_total": round(self.peak_total / 2**30, 3),
        }


def _role(process, root) -> str:
    if process.pid == root.pid:
        return "main"
    try:
        line = " ".join(process.cmdline())
    except Exception:  # noqa: BLE001 - a process that just ended
        return "other"
    if "multiprocessing.spawn" in line or "spawn_main" in line:
        return "dask worker"
    if "resource_tracker" in line:
        return "resource tracker"
    return "other"


def run_step(command: list[str], log: Path, module: str = "scoring") -> dict:
    """Run one ``python -m scoring`` step (or another module), sampled; its output goes to ``log``."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    load_before = os.getloadavg()
    started = time.perf_counter()
    with open(log, "w") as err:
        process = subprocess.Popen([sys.executable, "-m", module, *command], cwd=ROOT, env=env, stdout=err, stderr=err)
        with TreeSampler(process.pid) as sampler:
            code = process.wait()
    wall = time.perf_counter() - started
    result = {
        "command": f"python -m {module} " + " ".join(command),
        "exit_code": code,
        "wall_s": round(wall, 1),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        **sampler.summary(),
    }
    if code != 0:
        result["error"] = log.read_text(errors="replace").strip().splitlines()[-1:]
    return result


def size_of(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def load(results: Path) -> dict:
    if results.is_file():
        return json.loads(results.read_text())
    return {"machine": {"cpus": os.cpu_count()}, "runs": {}}


def save(data: dict, results: Path) -> None:
    results.parent.mkdir(parents=True, exist_ok=True)
    partial = results.with_name(results.name + ".partial")
    partial.write_text(json.dumps(data, indent=2) + "\n")
    partial.replace(results)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 3_000_000, 10_000_000])
    parser.add_argument("--engines", nargs="+", choices=("local", "dask"), default=["local", "dask"])
    parser.add_argument("--steps", nargs="+", choices=STEPS, default=list(STEPS))
    parser.add_argument("--work", type=Path, default=Path("/work/data/dask/scale"), help="data and artifacts (big)")
    parser.add_argument("--data-10m", type=Path, default=None, help="existing 10M Parquet portfolio to reuse")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--local-limit-gb", type=float, default=6.0, help="one process's memory budget")
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--force", action="store_true", help="measure again steps already in the JSON")
    parser.add_argument("--table", action="store_true", help="print the results as a Markdown table and stop")
    parser.add_argument(
        "--merge", type=Path, nargs="+", default=None, help="fold other result files (parallel runs) into --results"
    )
    args = parser.parse_args(argv)

    data = load(args.results)
    if args.merge:
        for other in args.merge:
            for key, run in load(other)["runs"].items():
                if run.get("exit_code", 0) == 0 or key not in data["runs"]:  # a success never gives way to a failure
                    data["runs"][key] = run
        save(data, args.results)
        print(markdown_table(data))
        return 0
    if args.table:
        print(markdown_table(data))
        return 0
    data["local_limit_gb"] = args.local_limit_gb
    for n in args.sizes:
        base = args.work / f"n{n}"
        base.mkdir(parents=True, exist_ok=True)
        portfolio = args.data_10m if (n == 10_000_000 and args.data_10m) else base / "data"
        # Step by step, each engine in turn: the local engine's scoring can then use the Dask-built artifacts
        # where the local training cannot run. The portfolio is synthesized once per size ("both").
        for step in args.steps:
            for engine in ["both"] if step == "synthesize" else args.engines:
                key = f"{n}/{engine}/{step}"
                if key in data["runs"] and data["runs"][key].get("exit_code", 0) == 0 and not args.force:
                    print(f"{key}: already measured, skipped", flush=True)
                    continue
                record = _step(step, engine, n, portfolio, base, args, data)
                if record is None:
                    continue
                record.update({"n_clients": n, "engine": engine, "step": step})
                data["runs"][key] = record
                save(data, args.results)
                print(f"{key}: {json.dumps(record)}", flush=True)
    _print_table(data)
    return 0


def _step(step: str, engine: str, n: int, portfolio: Path, base: Path, args, data: dict) -> dict | None:
    art = base / f"artifacts-{engine}"
    if step == "synthesize":
        if portfolio != base / "data":
            return {"reused": str(portfolio), "note": "written beforehand (by the lead); see smaller sizes' rate"}
        shutil.rmtree(portfolio, ignore_errors=True)
        record = run_step(
            ["synthesize", "--clients", str(n), "--format", "parquet", "--out", str(portfolio)], base / "synthesize.log"
        )
        record["bytes_written"] = size_of(portfolio)
    elif step == "train":
        if engine == "local":
            measured = data["runs"].get("1000000/local/train", {}).get("peak_rss_gb_main")
            per_million = measured or LOCAL_GB_PER_MILLION
            estimate = per_million * n / 1e6
            if estimate > args.local_limit_gb:
                return {
                    "not_run": "memory",
                    "estimated_peak_gb": round(estimate, 2),
                    "limit_gb": args.local_limit_gb,
                    "basis": f"{per_million:.2f} GB per million clients measured by the local 1M training"
                    + ("" if measured else " (issue 17)"),
                }
            command = ["train", "--data", str(portfolio), "--out", str(art)]
        else:
            command = [
                "train",
                "--engine",
                "dask",
                "--workers",
                str(args.workers),
                "--data",
                str(portfolio),
                "--out",
                str(art),
            ]
        record = run_step(command, base / f"train-{engine}.log")
        if art.is_dir():
            record["artifact_bytes"] = size_of(art)
            manifest = json.loads((art / "manifest.json").read_text())
            record["phases"] = manifest.get("timings")
            metrics = json.loads((art / "metrics.json").read_text())
            record["roc_auc"] = metrics.get("roc_auc")
            record["n_rounds"] = metrics.get("n_rounds")
    elif step == "score":
        if not art.is_dir():  # the scoring engine is what is measured: any model of this size will do
            art = next((a for a in (base / "artifacts-dask", base / "artifacts-local") if a.is_dir()), art)
        if not art.is_dir():
            return {"not_run": "no artifacts at this size", "exit_code": 1}
        out = base / f"scored-{engine}.parquet"
        command = ["score", "--artifacts", str(art), "--data", str(portfolio), "--out", str(out), "--engine", engine]
        if engine == "dask":
            command += ["--workers", str(args.workers)]
        record = run_step(command, base / f"score-{engine}.log")
        record["artifacts"] = art.name
        if out.is_file():
            record["output_bytes"] = size_of(out)
            out.unlink()  # gigabytes at 10M: measured, not kept
    else:  # aggregate
        if not art.is_dir():
            return {"not_run": f"no artifacts of the {engine} engine at this size", "exit_code": 1}
        return _aggregate(engine, art, base, args)
    if record.get("exit_code") == 0 and "wall_s" in record:
        record["rows_per_s"] = round(n / max(record["wall_s"], 1e-9))
    return record


def _aggregate(engine: str, art: Path, base: Path, args) -> dict:
    """Portfolio aggregates (scoring/aggregates.py). Dask: computed in the build as a reduction (partials on the
    workers inside the scoring pass, merged on the client), read from the build's phase timings. Local: the
    local build computes them in its writing phase; measured here alone, from the artifact's arrays, by
    ``python -m benchmarks.scale aggregate-local`` (one process, chunks of 50,000)."""
    if engine == "dask":
        timings = json.loads((art / "manifest.json").read_text()).get("timings") or {}
        if "aggregates" not in timings:
            return {
                "not_run": "this build wrote no aggregates (built before scoring/aggregates.py was merged)",
                "exit_code": 1,
            }
        return {
            "from": "build phase timings",
            "merge_and_save_wall_s": timings["aggregates"]["wall"],
            "partials_cpu_s_on_workers": timings.get("aggregate partials (workers, CPU)", {}).get("cpu"),
            "exit_code": 0,
        }
    record = run_step(["aggregate-local", str(art)], base / "aggregate-local.log", module="benchmarks.scale")
    record["bytes"] = sum(size_of(art / name) for name in ("aggregates.npz", "aggregates.json") if (art / name).exists())
    return record


def aggregate_local(folder: Path) -> None:
    """The local engine's aggregates of an artifact folder, from its arrays (timed by the caller)."""
    from benchmarks.aggregates import rebuild
    from scoring import aggregates
    from scoring.artifacts import Artifacts
    from scoring.portfolio import Portfolio

    found, timing = rebuild(Portfolio(Artifacts(folder)))
    aggregates.save(found, Path(tempfile.mkdtemp(prefix="aggregates-", dir="/tmp")))
    print(json.dumps(timing))


def markdown_table(data: dict) -> str:
    """The README's table: one row per (size, engine, step) measured or deliberately not run."""
    lines = [
        "| clients | engine | step | wall | clients/s | peak RSS main / largest worker | written | load avg |",
        "|---:|---|---|---:|---:|---|---:|---|",
    ]

    def order(key: str) -> tuple:
        n, engine, step = key.split("/")
        return int(n), STEPS.index(step), engine

    for key, run in sorted(data["runs"].items(), key=lambda kv: order(kv[0])):
        n, engine, step = key.split("/")
        if "not_run" in run:
            lines.append(f"| {int(n):,} | {engine} | {step} | not run: {run['not_run']} | | | | |")
            continue
        if "reused" in run:
            lines.append(f"| {int(n):,} | {engine} | {step} | reused {run['reused']} (written beforehand) | | | | |")
            continue
        if "wall_s" not in run:
            continue
        if run.get("exit_code", 0) != 0:
            lines.append(f"| {int(n):,} | {engine} | {step} | failed after {run['wall_s']:,.0f} s: see `note` | | | | |")
            continue
        written = run.get("artifact_bytes") or run.get("output_bytes") or run.get("bytes_written") or run.get("bytes")
        worker = run.get("peak_rss_gb_worker_max") or 0
        lines.append(
            f"| {int(n):,} | {engine} | {step} | {run['wall_s']:,.0f} s | {run.get('rows_per_s', 0):,} | "
            f"{run.get('peak_rss_gb_main', 0):.2f} GB"
            + (f" / {worker:.2f} GB" if worker else "")
            + " | "
            + (f"{written / 2**20:,.0f} MB" if written else "")
            + f" | {run.get('load_average_after', [''])[0]} |"
        )
    return "\n".join(lines)


def _print_table(data: dict) -> None:
    print(f"{'clients':>11} {'engine':>6} {'step':>10} {'wall s':>8} {'rows/s':>9} {'main GB':>8} {'worker GB':>9}  note")
    for key, run in sorted(data["runs"].items(), key=lambda kv: (int(kv[0].split("/")[0]), kv[0])):
        n, engine, step = key.split("/")
        print(
            f"{int(n):>11,} {engine:>6} {step:>10} {run.get('wall_s', ''):>8} {run.get('rows_per_s', ''):>9} "
            f"{run.get('peak_rss_gb_main', ''):>8} {run.get('peak_rss_gb_worker_max', ''):>9}  "
            f"{run.get('not_run', '') or run.get('note', '') or run.get('error', '')}"
        )


if __name__ == "__main__":
    if sys.argv[1:2] == ["aggregate-local"]:
        aggregate_local(Path(sys.argv[2]))
        sys.exit(0)
    sys.exit(main())

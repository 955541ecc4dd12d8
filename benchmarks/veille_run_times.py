"""Time the veille benchmark: the full cold run (which writes the committed results), a warm rerun, a quick run.

Usage (from the project root, on a machine nobody else is loading):
    python benchmarks/veille_run_times.py --cold     # cold run -> docs/veille_results/, then warm and quick
    python benchmarks/veille_run_times.py            # warm rerun and quick run only (cache of a previous cold run)

The cold run starts from an empty cache (`cache/veille` is emptied first) and writes `results.json` and
`report.html` straight into docs/veille_results/: the committed results are that run's, costs included.
While it runs, /tmp/veille-cold-run.lock holds the expected end time: the other developers hold their
heavy jobs until it is gone. The machine's load is recorded (load averages before and after, and the
share of the CPUs used by other processes during the run, from /proc/stat minus the run's own CPU time),
so the note can say honestly whether the machine was idle.

Each run's `meta` plus the wall time of the whole command is saved as cold_run.json, warm_rerun.json
and quick_run.json beside results.json; `python -m veille render` reads them. Budgets (2 cores):
cold < 45 min, warm < 1 min, quick < 5 min; the script prints them and exits 1 if one is missed or if
the warm rerun does not reproduce the cold run's numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "flipkart" / "flipkart_com-ecommerce_sample_1050.csv"
LOCK = Path("/tmp/veille-cold-run.lock")
BUDGETS = {"cold": 45 * 60, "warm": 60, "quick": 5 * 60}


def _cpu_jiffies() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs since boot, from /proc/stat."""
    with open("/proc/stat") as fh:
        fields = [int(v) for v in fh.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


def _children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_run(data: Path, out: Path, cache: Path, quick: bool) -> dict:
    """Run `python -m veille run` and return its meta, wall time and the machine's load around it."""
    cmd = [sys.executable, "-m", "veille", "run", "--data", str(data), "--out", str(out), "--cache", str(cache)]
    hz = os.sysconf("SC_CLK_TCK")
    ncpu = len(os.sched_getaffinity(0))
    load_before = [round(v, 2) for v in os.getloadavg()]
    busy0, total0 = _cpu_jiffies()
    own0 = _children_cpu_seconds()
    start = time.perf_counter()
    subprocess.run(cmd + (["--quick"] if quick else []), cwd=ROOT, check=True)
    wall = time.perf_counter() - start
    busy1, total1 = _cpu_jiffies()
    own = _children_cpu_seconds() - own0
    all_busy = (busy1 - busy0) / hz
    capacity = (total1 - total0) / hz  # = wall x number of CPUs
    meta = json.loads((out / "results.json").read_text())["meta"]
    return {
        **meta,
        "command_wall_seconds": round(wall, 1),
        "load": {
            "load_average_before": load_before,
            "load_average_after": [round(v, 2) for v in os.getloadavg()],
            "cpus": ncpu,
            "run_cpu_seconds": round(own, 1),
            "all_cpu_busy_seconds": round(all_busy, 1),
            # What other processes took, as a share of the machine's CPU time during the run.
            "other_cpu_share": round(max(0.0, all_busy - own) / capacity, 3) if capacity else None,
        },
    }


def scores(results: dict) -> list:
    """Every method's headline numbers, for comparing two runs."""
    keep = ("method", "variant", "macro_f1_mean", "accuracy_mean", "ari_mean")
    return sorted(
        (
            tuple(entry.get(k) for k in keep) + (json.dumps(entry.get("learning_curve"), sort_keys=True),)
            for entry in results.get("methods", [])
        ),
        key=str,
    )


def _save(path: Path, run: dict) -> None:
    path.write_text(json.dumps(run, indent=1, ensure_ascii=False), encoding="utf-8")


def timed_pair(data: Path, cache: Path, results_dir: Path) -> bool:
    """Warm rerun on the cold run's cache (must reproduce results.json) and a quick run from an empty cache."""
    committed = json.loads((results_dir / "results.json").read_text())
    with tempfile.TemporaryDirectory() as tmp:
        warm = timed_run(data, Path(tmp) / "warm", cache, quick=False)
        same = scores(json.loads((Path(tmp) / "warm" / "results.json").read_text())) == scores(committed)
        _save(results_dir / "warm_rerun.json", warm)
        quick = timed_run(data, Path(tmp) / "quick", Path(tmp) / "empty_cache", quick=True)
        _save(results_dir / "quick_run.json", quick)
    print(
        f"warm rerun {warm['command_wall_seconds']} s (misses {warm['cache']['misses']}, reproduces the results: {same}); "
        f"quick cold {quick['command_wall_seconds']} s"
    )
    return (
        same
        and warm["cache"]["misses"] == 0
        and warm["command_wall_seconds"] < BUDGETS["warm"]
        and quick["command_wall_seconds"] < BUDGETS["quick"]
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(DATA))
    parser.add_argument("--cache", default=str(ROOT / "cache" / "veille"), help="cache of the full run")
    parser.add_argument("--results-dir", default=str(ROOT / "docs" / "veille_results"))
    parser.add_argument("--cold", action="store_true", help="empty the cache and time the full run first")
    parser.add_argument("--expected-minutes", type=float, default=45, help="written in the lock file")
    args = parser.parse_args()
    results_dir, cache, data = Path(args.results_dir), Path(args.cache), Path(args.data)
    if not args.cold:
        return 0 if timed_pair(data, cache, results_dir) else 1
    end = datetime.now(UTC) + timedelta(minutes=args.expected_minutes)
    # Held for the three timed runs: the warm and quick times are only comparable on the same idle machine.
    LOCK.write_text(f"veille cold run (benchmarks/veille_run_times.py), expected end {end.isoformat(timespec='minutes')}\n")
    try:
        if cache.exists():
            print(f"emptying {cache} for a cold run", file=sys.stderr)
            shutil.rmtree(cache)
        cold = timed_run(data, results_dir, cache, quick=False)
        _save(results_dir / "cold_run.json", cold)
        ok = cold["cache"]["hits"] == 0 and cold["command_wall_seconds"] < BUDGETS["cold"]
        print(
            f"cold full run {cold['command_wall_seconds']} s (budget {BUDGETS['cold']} s), "
            f"other processes' CPU share {cold['load']['other_cpu_share']}, load {cold['load']}"
        )
        ok &= timed_pair(data, cache, results_dir)
    finally:
        LOCK.unlink(missing_ok=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

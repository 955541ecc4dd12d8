"""Measure the veille benchmark's run times and store them beside the committed results.

Usage (from the project root, after a full run whose cache is in cache/veille):
    python benchmarks/veille_run_times.py --data ../shared/data/flipkart/flipkart_com-ecommerce_sample_1050.csv

Writes docs/veille_results/warm_rerun.json (the full run again, everything cached) and
docs/veille_results/quick_run.json (a `--quick` run with an empty cache, as in CI): the `meta` block of
each run plus the wall time of the whole command, which `python -m veille render` inserts in the note.

With --cold it instead times the full run from an empty cache (best on an otherwise idle machine),
writes docs/veille_results/cold_run.json, and checks that the cold run reproduces the committed
results.json (same method scores to the last digit): the benchmark is deterministic.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def timed_run(data: str, out: Path, cache: Path, quick: bool) -> dict:
    cmd = [sys.executable, "-m", "veille", "run", "--data", data, "--out", str(out), "--cache", str(cache)]
    start = time.perf_counter()
    subprocess.run(cmd + (["--quick"] if quick else []), cwd=ROOT, check=True)
    wall = time.perf_counter() - start
    meta = json.loads((out / "results.json").read_text())["meta"]
    return {**meta, "command_wall_seconds": round(wall, 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--cache", default=str(ROOT / "cache" / "veille"), help="cache of the full run")
    parser.add_argument("--results-dir", default=str(ROOT / "docs" / "veille_results"))
    parser.add_argument("--cold", action="store_true", help="time the full run from an empty cache instead")
    args = parser.parse_args()
    results_dir = Path(args.results_dir)
    if args.cold:
        return cold(args.data, results_dir)
    with tempfile.TemporaryDirectory() as tmp:
        warm = timed_run(args.data, Path(tmp) / "warm", Path(args.cache), quick=False)
        (results_dir / "warm_rerun.json").write_text(json.dumps(warm, indent=1, ensure_ascii=False))
        quick = timed_run(args.data, Path(tmp) / "quick", Path(tmp) / "empty_cache", quick=True)
        (results_dir / "quick_run.json").write_text(json.dumps(quick, indent=1, ensure_ascii=False))
    print(
        f"warm rerun {warm['command_wall_seconds']} s (misses {warm['cache']['misses']}), "
        f"quick cold {quick['command_wall_seconds']} s"
    )
    return 0


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


def cold(data: str, results_dir: Path) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        run = timed_run(data, Path(tmp) / "cold", Path(tmp) / "empty_cache", quick=False)
        fresh = json.loads((Path(tmp) / "cold" / "results.json").read_text())
    committed = json.loads((results_dir / "results.json").read_text())
    same = scores(fresh) == scores(committed) and bool(scores(fresh))
    (results_dir / "cold_run.json").write_text(json.dumps(run, indent=1, ensure_ascii=False))
    print(f"cold full run {run['command_wall_seconds']} s; reproduces the committed results: {same}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())

"""Measure the veille benchmark's run times and store them beside the committed results.

Usage (from the project root, after a full run whose cache is in cache/veille):
    python benchmarks/veille_run_times.py --data ../shared/data/flipkart/flipkart_com-ecommerce_sample_1050.csv

Writes docs/veille_results/warm_rerun.json (the full run again, everything cached) and
docs/veille_results/quick_run.json (a `--quick` run with an empty cache, as in CI): the `meta` block of
each run plus the wall time of the whole command, which `python -m veille render` inserts in the note.
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
    args = parser.parse_args()
    results_dir = Path(args.results_dir)
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


if __name__ == "__main__":
    sys.exit(main())

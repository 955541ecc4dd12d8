"""Scoring-core speed: synthetic generation at full Kaggle scale and `train --synthetic 50000`.

python -m benchmarks.scoring_speed --out benchmarks/results/scoring_speed.json
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import ROOT, save
from scoring.synthetic import KAGGLE_TEST_ROWS, KAGGLE_TRAIN_ROWS, generate_applications


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--train-clients", type=int, default=50_000)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()

    started = time.perf_counter()
    train, test = generate_applications(KAGGLE_TRAIN_ROWS, KAGGLE_TEST_ROWS, seed=1)
    generate_s = time.perf_counter() - started
    rows = len(train) + len(test)
    del train, test

    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "scoring",
                "train",
                "--synthetic",
                str(args.train_clients),
                "--out",
                str(Path(tmp) / "artifacts"),
            ],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        train_s = time.perf_counter() - started
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    save(
        {
            "generate_full_scale_s": round(generate_s, 2),
            "generated_rows": rows,
            "train_clients": args.train_clients,
            "train_wall_s": round(train_s, 1),
            "train_peak_rss_mb": round(children.ru_maxrss / 1024, 1),
            "targets": {"generate_full_scale_s": 60, "train_wall_s": 120},
        },
        args.out,
    )


if __name__ == "__main__":
    main()

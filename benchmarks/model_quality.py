"""Is the product's cross-validated training as strong as a plain XGBoost, and stable from one seed to the next?

    python -m benchmarks.model_quality --seeds 5 --synthetic 0 --out benchmarks/results/model_quality_real.json
    python -m benchmarks.model_quality --no-real --synthetic 12000 --synthetic-seeds 2 \
        --out benchmarks/results/model_quality_synthetic.json
    python -m benchmarks.model_quality --no-real --synthetic 0 --time-build 307511 \
        --out benchmarks/results/model_build_356255.json   # `make run`'s build, phase by phase

For each data set (the real 1,000-client Home Credit sample when ``../shared/data`` has it; a synthetic
portfolio) and each seed: ``scoring.crossval.train`` exactly as ``scoring train`` runs it (settings by data
size, stratified folds and fold draws, per-fold feature transforms, rounds chosen on the mean out-of-fold log
loss, Platt and threshold on the out-of-fold predictions, final refit) and the plain baseline
(``scoring.baseline``) on the same folds (the first draw). Reported:
- product and baseline out-of-fold AUC per seed and their mean paired difference (1,000 clients are few:
  repeated CV is the comparison, one split is noise);
- seed-to-seed standard deviation of the product's out-of-fold AUC, with the folds changing with the seed
  (what a user retraining sees; includes the noise of the evaluation itself) and, with ``--fixed-folds``,
  with the folds fixed (only the model's own randomness);
- share of clients whose decision flips between the final models of two consecutive seeds.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from benchmarks.common import ROOT, save
from scoring.baseline import baseline_matrix, baseline_oof
from scoring.crossval import auc, product_cv, train
from scoring.model import TrainConfig, fold_ids, sized_config

REAL_SAMPLE = ROOT.parent / "shared" / "data" / "home_credit" / "application_train_sample1000.csv"


def measure(frame, seeds: list[int], config: TrainConfig, *, fixed_folds: bool = False) -> dict:
    from scoring.schema import TARGET_COLUMN

    y = frame[TARGET_COLUMN].to_numpy().astype(int)
    config = sized_config(len(y), config)
    matrix = baseline_matrix(frame, config.protected)
    rows, refused, started = [], [], time.perf_counter()
    for seed in seeds:
        wall, cpu = time.perf_counter(), time.process_time()
        folds = fold_ids(y, config.folds, seed)
        trained = train(frame, y, folds, replace(config, seed=seed))
        product_seconds = [time.perf_counter() - wall, time.process_time() - cpu]
        baseline = auc(y, baseline_oof(matrix, y, folds, seed, config.n_jobs))
        refused.append(trained.refused(trained.transform.transform(frame)))
        rows.append(
            {
                "seed": seed,
                "product_auc": auc(y, trained.cv.oof_margin),
                "baseline_auc": baseline,
                "n_rounds": trained.cv.n_rounds,
                "threshold": trained.threshold,
                "refusal_rate": float(refused[-1].mean()),
                "product_seconds_wall_cpu": [round(v, 1) for v in product_seconds],
            }
        )
        print(rows[-1], flush=True)
    product = np.array([r["product_auc"] for r in rows])
    baseline = np.array([r["baseline_auc"] for r in rows])
    flips = [float((a != b).mean()) for a, b in zip(refused, refused[1:], strict=False)]
    result = {
        "n": int(len(y)),
        "positives": int(y.sum()),
        "settings": {
            name: getattr(config, name)
            for name in (
                "folds",
                "repeats",
                "learning_rate",
                "max_depth",
                "min_child_weight",
                "max_rounds",
                "early_stopping_rounds",
                "parallel_trees",
                "final_tree_factor",
                "max_bin",
                "n_jobs",
            )
        },
        "per_seed": rows,
        "product_auc_mean": float(product.mean()),
        "baseline_auc_mean": float(baseline.mean()),
        "paired_difference_mean": float((product - baseline).mean()),
        "paired_difference_std": float((product - baseline).std(ddof=1)) if len(seeds) > 1 else None,
        "product_auc_std_folds_change": float(product.std(ddof=1)) if len(seeds) > 1 else None,
        "decision_flips_between_consecutive_seeds": flips,
        "decision_flips_mean": float(np.mean(flips)) if flips else None,
        "seconds": round(time.perf_counter() - started, 1),
        "targets": {"auc_at_least_baseline": True, "seed_std_max": 0.005, "decision_flips_max": 0.02},
    }
    if fixed_folds:
        fixed = fold_ids(y, config.folds, seeds[0])
        aucs = [auc(y, product_cv(frame, y, fixed, replace(config, seed=s)).oof_margin) for s in seeds]
        result["fixed_folds_aucs"] = aucs
        result["product_auc_std_folds_fixed"] = float(np.std(aucs, ddof=1)) if len(seeds) > 1 else None
    return result


def time_build(n: int) -> dict:
    """`python -m scoring train --synthetic N` as `make run` builds the default: wall-clock, CPU (user+sys of
    the child, less sensitive to the machine's load than wall-clock), each phase from the manifest, load."""
    out = Path("/tmp") / f"model_quality_build_{n}"
    load_before = os.getloadavg()
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "scoring", "train", "--synthetic", str(n), "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    seconds = time.perf_counter() - started
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    manifest_path = out / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.is_file() else {}
    metrics_path = out / "metrics.json"
    metrics = json.loads(metrics_path.read_text()) if metrics_path.is_file() else {}
    shutil.rmtree(out, ignore_errors=True)
    return {
        "n": n,
        "seconds": round(seconds, 1),
        "cpu_seconds": round(cpu, 1),
        "train_seconds": manifest.get("train_seconds"),
        "phases": manifest.get("timings"),
        "load_average_before": [round(v, 2) for v in load_before],
        "load_average_after": [round(v, 2) for v in os.getloadavg()],
        "cpus": os.cpu_count(),
        "ok": result.returncode == 0,
        "out_of_fold_auc": metrics.get("roc_auc"),
        "n_rounds": metrics.get("n_rounds"),
        "baseline": metrics.get("baseline"),
        "stability": metrics.get("stability"),
        "log": (result.stdout + result.stderr)[-4000:],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--no-real", action="store_true", help="skip the real 1,000-client sample")
    parser.add_argument("--synthetic", type=int, default=12_000, help="synthetic labelled clients (0: skip)")
    parser.add_argument("--synthetic-seeds", type=int, default=2)
    parser.add_argument("--fixed-folds", action="store_true", help="also the spread with the folds fixed")
    parser.add_argument("--time-build", type=int, default=0, metavar="N", help="also time `scoring train --synthetic N`")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "model_quality.json")
    args = parser.parse_args()

    import pandas as pd

    from scoring.loading import clean_anomalies
    from scoring.synthetic import generate_applications

    config = TrainConfig()
    result: dict = {"load_average_at_start": [round(v, 2) for v in os.getloadavg()], "cpus": os.cpu_count()}
    if REAL_SAMPLE.is_file() and not args.no_real:
        print("Real sample", flush=True)
        real, _ = clean_anomalies(pd.read_csv(REAL_SAMPLE))
        seeds = list(range(1, args.seeds + 1))
        result["real_sample_1000"] = measure(real, seeds, config, fixed_folds=args.fixed_folds)
    if args.synthetic:
        print(f"Synthetic {args.synthetic}", flush=True)
        synthetic, _ = generate_applications(args.synthetic, 0, seed=11)
        seeds = list(range(1, args.synthetic_seeds + 1))
        result[f"synthetic_{args.synthetic}"] = measure(
            clean_anomalies(synthetic)[0], seeds, config, fixed_folds=args.fixed_folds
        )
    if args.time_build:
        print(f"Build of {args.time_build:,} synthetic clients", flush=True)
        result["build"] = time_build(args.time_build)
        print({k: v for k, v in result["build"].items() if k != "log"}, flush=True)
    result["load_average_at_end"] = [round(v, 2) for v in os.getloadavg()]
    save(result, args.out)


if __name__ == "__main__":
    main()

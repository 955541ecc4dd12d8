"""What leaving the protected fields out costs in held-out AUC, and how well the rest stands in for them.

Two models on identical splits, the default (CODE_GENDER and NAME_FAMILY_STATUS out) and one with them in
(``protected=()``), compared:

- on the real 1,000-client Home Credit sample (``../shared/data``, never in the repository): repeated
  stratified 5-fold cross-validation, paired by fold; the out-of-fold scores of the first repetition also
  feed a fairness audit of each model (decisions at each fold's own cost-optimal threshold);
- on a synthetic portfolio: one held-out test split (the pipeline's), with a paired bootstrap interval
  of the AUC difference.

Proxy check on both: AUC of a small classifier predicting sex and family status from the model's inputs.

python -m benchmarks.protected_cost --out benchmarks/results/protected_cost.json
"""

from __future__ import annotations

import argparse
import os
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import RepeatedStratifiedKFold, train_test_split

from benchmarks.common import ROOT, save
from scoring.fairness import AUDITED, audit, proxy_strength
from scoring.features import FeatureTransform
from scoring.loading import clean_anomalies, load_application_file
from scoring.model import Split, TrainConfig, margin, split_indices, train_booster
from scoring.schema import TARGET_COLUMN
from scoring.synthetic import generate_applications
from scoring.threshold import best_threshold

REAL_SAMPLE = Path(os.environ.get("SHARED_DATA", ROOT.parent / "shared" / "data")) / "home_credit"
REAL_SAMPLE = REAL_SAMPLE / "application_train_sample1000.csv"
CONFIGS = {"without_protected": TrainConfig(), "with_protected": replace(TrainConfig(), protected=())}


def fit_and_score(frame, y, fit_rows, valid_rows, score_rows, config: TrainConfig):
    """Train on ``fit_rows`` (early stopping and calibration on ``valid_rows``); calibrated scores of
    ``score_rows`` and the cost-optimal threshold chosen on ``valid_rows``."""
    transform = FeatureTransform.fit(frame.iloc[fit_rows], config.protected)
    features = transform.transform(frame)
    split = Split(fit_rows, valid_rows, score_rows)
    booster, platt = train_booster(features, y, split, config, transform.feature_names)
    valid_proba = platt.proba(margin(booster, features[valid_rows]))
    threshold = best_threshold(y[valid_rows], valid_proba, config.cost_fn, config.cost_fp)
    return platt.proba(margin(booster, features[score_rows])), threshold, features, transform


def paired_summary(a: np.ndarray, b: np.ndarray) -> dict:
    diff = np.asarray(a) - np.asarray(b)
    half = 1.96 * diff.std(ddof=1) / np.sqrt(len(diff)) if len(diff) > 1 else float("nan")
    return {
        "mean_without_protected": float(np.mean(a)),
        "mean_with_protected": float(np.mean(b)),
        "mean_difference": float(diff.mean()),
        "difference_interval_95": [float(diff.mean() - half), float(diff.mean() + half)],
        "folds_where_removal_lowers_auc": int((diff < 0).sum()),
        "folds": len(diff),
    }


def real_cv(path: Path, splits: int, repeats: int, seed: int) -> dict:
    frame = load_application_file(path, require_target=True).reset_index(drop=True)
    y = frame[TARGET_COLUMN].to_numpy().astype(int)
    cv = RepeatedStratifiedKFold(n_splits=splits, n_repeats=repeats, random_state=seed)
    auc = {name: [] for name in CONFIGS}
    oof = {name: np.full(len(y), np.nan) for name in CONFIGS}
    oof_refused = {name: np.zeros(len(y), dtype=bool) for name in CONFIGS}
    proxies = []
    for fold, (train_rows, test_rows) in enumerate(cv.split(np.zeros(len(y)), y)):
        fit_rows, valid_rows = train_test_split(train_rows, test_size=0.15, stratify=y[train_rows], random_state=seed)
        fit_rows, valid_rows = np.sort(fit_rows), np.sort(valid_rows)
        for name, config in CONFIGS.items():
            proba, threshold, features, transform = fit_and_score(frame, y, fit_rows, valid_rows, test_rows, config)
            auc[name].append(roc_auc_score(y[test_rows], proba))
            if fold < splits:  # first repetition: every client scored once, out of fold
                oof[name][test_rows] = proba
                oof_refused[name][test_rows] = proba >= threshold
                if name == "without_protected":
                    proxies.append(
                        proxy_strength(
                            features, transform.feature_names, frame, train_rows, test_rows, attributes=AUDITED, seed=seed
                        )["attributes"]
                    )
    fairness = {}
    for name in CONFIGS:
        decided = audit(y, oof[name], 0.5, frame, n_boot=1000, seed=seed, refused=oof_refused[name])
        fairness[name] = {k: decided[k] for k in ("n", "auc", "refusal_rate", "groups", "summary")}
    return {
        "data": f"{path.name}: {len(y):,} real clients, {y.mean():.1%} defaulters",
        "protocol": f"{repeats} x stratified {splits}-fold CV, 15 % of each training part for early stopping, "
        "calibration and threshold; same folds for both models",
        "auc": paired_summary(np.array(auc["without_protected"]), np.array(auc["with_protected"])),
        "auc_per_fold": {name: [round(v, 4) for v in values] for name, values in auc.items()},
        "out_of_fold_auc": {name: float(roc_auc_score(y, oof[name])) for name in CONFIGS},
        "proxies": summarise_proxies(proxies),
        "fairness_out_of_fold": fairness,
    }


def summarise_proxies(per_fold: list[dict]) -> dict:
    out = {}
    for key in per_fold[0]:
        aucs = [fold[key]["auc"] for fold in per_fold if fold.get(key, {}).get("auc") is not None]
        shares: dict[str, float] = {}
        for fold in per_fold:
            for item in fold.get(key, {}).get("strongest", []):
                shares[item["feature"]] = shares.get(item["feature"], 0.0) + item["share"] / len(per_fold)
        out[key] = {
            "auc_mean": float(np.mean(aucs)) if aucs else None,
            "auc_per_fold": [round(a, 4) for a in aucs],
            "strongest": sorted(
                ({"feature": f, "mean_share": round(s, 4)} for f, s in shares.items()), key=lambda item: -item["mean_share"]
            )[:5],
        }
    return out


def synthetic_holdout(n: int, seed: int, n_boot: int = 1000) -> dict:
    train, _ = generate_applications(n, 0, seed=seed)
    train, _ = clean_anomalies(train)
    y = train[TARGET_COLUMN].to_numpy().astype(int)
    split = split_indices(y, TrainConfig(seed=seed))
    scores, seconds = {}, {}
    proxies = None
    for name, config in CONFIGS.items():
        started = time.perf_counter()
        config = replace(config, seed=seed)
        proba, _, features, transform = fit_and_score(train, y, split.train, split.valid, split.test, config)
        scores[name] = proba
        seconds[name] = round(time.perf_counter() - started, 1)
        if name == "without_protected":
            proxies = proxy_strength(
                features, transform.feature_names, train, split.train, split.test, attributes=AUDITED, seed=seed
            )["attributes"]
    y_test = y[split.test]
    aucs = {name: float(roc_auc_score(y_test, p)) for name, p in scores.items()}
    rng = np.random.default_rng(seed)
    diffs = []
    for _ in range(n_boot):  # paired: both models on the same resampled clients
        rows = rng.integers(0, len(y_test), len(y_test))
        if 0 < y_test[rows].sum() < len(rows):
            diffs.append(
                roc_auc_score(y_test[rows], scores["without_protected"][rows])
                - roc_auc_score(y_test[rows], scores["with_protected"][rows])
            )
    return {
        "data": f"synthetic, {n:,} labelled clients (seed {seed}); test split {len(split.test):,} clients",
        "auc": aucs,
        "difference": aucs["without_protected"] - aucs["with_protected"],
        "difference_interval_95": [float(np.quantile(diffs, 0.025)), float(np.quantile(diffs, 0.975))],
        "train_seconds": seconds,
        "proxies": proxies,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--synthetic", type=int, default=100_000, help="labelled synthetic clients (default 100,000)")
    parser.add_argument("--splits", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    result: dict = {}
    if REAL_SAMPLE.is_file():
        started = time.perf_counter()
        result["real_sample_cv"] = real_cv(REAL_SAMPLE, args.splits, args.repeats, args.seed)
        result["real_sample_cv"]["seconds"] = round(time.perf_counter() - started, 1)
    else:
        result["real_sample_cv"] = f"skipped: {REAL_SAMPLE} not found (set SHARED_DATA)"
    started = time.perf_counter()
    result["synthetic_holdout"] = synthetic_holdout(args.synthetic, args.seed)
    result["synthetic_holdout"]["seconds"] = round(time.perf_counter() - started, 1)
    save(result, args.out)


if __name__ == "__main__":
    main()

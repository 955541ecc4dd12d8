"""What the monotone constraints on the credit terms cost in held-out AUC, and what they buy.

    python -m benchmarks.monotone_cost --synthetic 307511 --out benchmarks/results/monotone_cost.json

Two boosters per data set, identical but for ``TrainConfig.monotone`` (the registry's ``monotone`` attribute
on the credit-term features):
- synthetic portfolio: the pipeline's own stratified split (train / validation for early stopping / held-out
  test), AUC on the held-out test split;
- the real 1,000-row Home Credit sample (when ``../shared/data`` has it): repeated stratified 5-fold
  cross-validation, each training part split again for early stopping, AUC on the left-out fold; the cost is
  the mean paired difference over folds, with its standard deviation (95 defaulters: single folds are noisy).

Then, for refused clients just above the threshold, the share whose probability never rises along
"borrow less" (amount and instalment scaled together from 1.0 to 0.3, same duration) and "repay over longer"
(same amount, duration from the current one to 120 months, instalment by the repayment formula), for each
booster: the property the advice relies on.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from benchmarks.common import ROOT, save
from scoring.features import FeatureTransform
from scoring.fields import FIELDS, MODEL_CANDIDATES
from scoring.model import TrainConfig, margin, split_indices, train_booster
from scoring.schema import TARGET_COLUMN

REAL_SAMPLE = ROOT.parent / "shared" / "data" / "home_credit" / "application_train_sample1000.csv"


def _auc(y, score) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, score))


def fit_pair(x, y, split, names, config: TrainConfig) -> dict:
    """Unconstrained and constrained boosters on one split; their held-out AUCs."""
    out = {}
    for label, monotone in (("free", False), ("monotone", True)):
        booster, platt = train_booster(x, y, split, replace(config, monotone=monotone), names)
        out[label] = {"booster": booster, "platt": platt, "auc": _auc(y[split.test], margin(booster, x[split.test]))}
    return out


def path_monotone_shares(frame, transform, pair, threshold_of, n_clients: int = 300) -> dict:
    """Share of refused clients near the threshold whose probability never rises along each advice direction."""
    from scoring.simulate import implied_duration, instalment

    shares = {}
    for label, model in pair.items():
        booster, platt = model["booster"], model["platt"]
        x = transform.transform(frame)
        proba = platt.proba(margin(booster, x))
        threshold = threshold_of(label)
        candidates = np.flatnonzero(proba >= threshold)
        candidates = candidates[np.argsort(proba[candidates])][:n_clients]
        scales = np.linspace(1.0, 0.3, 15)
        amount_ok = duration_ok = duration_n = 0
        for i in candidates:
            row = {c: frame[c].to_numpy()[[i]] for c in transform.required_columns}
            credit, annuity = float(row["AMT_CREDIT"][0]), float(row["AMT_ANNUITY"][0])
            rows = {c: np.repeat(v, len(scales)) for c, v in row.items()}
            rows["AMT_CREDIT"] = credit * scales
            rows["AMT_ANNUITY"] = annuity * scales
            p = platt.proba(margin(booster, transform.transform(rows)))
            amount_ok += bool(np.all(np.diff(p) <= 1e-9))
            months = implied_duration(credit, annuity)
            if months is None or str(row["NAME_CONTRACT_TYPE"][0]) != "Cash loans":
                continue
            grid = np.linspace(months, 120, 15)
            rows = {c: np.repeat(v, len(grid)) for c, v in row.items()}
            rows["AMT_ANNUITY"] = np.array([instalment(credit, m) for m in grid])
            p = platt.proba(margin(booster, transform.transform(rows)))
            duration_n += 1
            duration_ok += bool(np.all(np.diff(p) <= 1e-9))
        shares[label] = {
            "clients": int(len(candidates)),
            "borrow_less_never_riskier": round(amount_ok / max(len(candidates), 1), 3),
            "cash_loans_checked_for_duration": duration_n,
            "longer_never_riskier": round(duration_ok / max(duration_n, 1), 3),
        }
    return shares


def synthetic_cost(n_train: int, seed: int) -> dict:
    from scoring.loading import clean_anomalies
    from scoring.synthetic import generate_applications
    from scoring.threshold import best_threshold

    train, _ = generate_applications(n_train, 0, seed=seed)
    train, _ = clean_anomalies(train)
    config = TrainConfig(seed=seed)
    y = train[TARGET_COLUMN].to_numpy().astype(int)
    split = split_indices(y, config)
    transform = FeatureTransform.fit(train.iloc[split.train], config.protected)
    x = transform.transform(train)
    started = time.perf_counter()
    pair = fit_pair(x, y, split, transform.feature_names, config)
    seconds = time.perf_counter() - started

    def threshold_of(label):
        booster, platt = pair[label]["booster"], pair[label]["platt"]
        return best_threshold(y[split.valid], platt.proba(margin(booster, x[split.valid])), config.cost_fn, config.cost_fp)

    test_frame = train.iloc[split.test].reset_index(drop=True)
    return {
        "clients": n_train,
        "held_out_clients": int(len(split.test)),
        "auc_free": round(pair["free"]["auc"], 4),
        "auc_monotone": round(pair["monotone"]["auc"], 4),
        "auc_cost": round(pair["free"]["auc"] - pair["monotone"]["auc"], 4),
        "rounds": {k: int(v["booster"].num_boosted_rounds()) for k, v in pair.items()},
        "train_seconds_both": round(seconds, 1),
        "along_advice_directions": path_monotone_shares(test_frame, transform, pair, threshold_of),
    }


def real_cv_cost(path: Path, repeats: int, seed: int) -> dict:
    from sklearn.model_selection import StratifiedKFold, train_test_split

    from scoring.loading import clean_anomalies, load_application_file
    from scoring.model import Split

    frame, _ = clean_anomalies(load_application_file(path, require_target=True))
    y = frame[TARGET_COLUMN].to_numpy().astype(int)
    config = TrainConfig(seed=seed)
    free, mono = [], []
    for repeat in range(repeats):
        folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=seed + repeat)
        for fit_index, test_index in folds.split(np.zeros(len(y)), y):
            train_index, valid_index = train_test_split(
                fit_index, test_size=0.2, stratify=y[fit_index], random_state=seed + repeat
            )
            split = Split(np.sort(train_index), np.sort(valid_index), np.sort(test_index))
            transform = FeatureTransform.fit(frame.iloc[split.train], config.protected)
            x = transform.transform(frame)
            pair = fit_pair(x, y, split, transform.feature_names, config)
            free.append(pair["free"]["auc"])
            mono.append(pair["monotone"]["auc"])
    diff = np.asarray(free) - np.asarray(mono)
    return {
        "clients": int(len(y)),
        "defaulters": int(y.sum()),
        "folds": len(diff),
        "auc_free_mean": round(float(np.mean(free)), 4),
        "auc_monotone_mean": round(float(np.mean(mono)), 4),
        "auc_cost_mean": round(float(diff.mean()), 4),
        "auc_cost_sd": round(float(diff.std(ddof=1)), 4),
        "auc_cost_standard_error": round(float(diff.std(ddof=1) / np.sqrt(len(diff))), 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--synthetic", type=int, default=307_511, help="labelled synthetic clients (0: skip)")
    parser.add_argument("--repeats", type=int, default=4, help="repeats of the 5-fold CV on the real sample")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    result = {
        "constrained_features": {n: FIELDS[n].monotone for n in MODEL_CANDIDATES if FIELDS[n].monotone},
    }
    if args.synthetic:
        result["synthetic"] = synthetic_cost(args.synthetic, args.seed)
    if REAL_SAMPLE.is_file():
        result["real_sample_cv"] = real_cv_cost(REAL_SAMPLE, args.repeats, args.seed)
    else:
        result["real_sample_cv"] = f"skipped: {REAL_SAMPLE} not found"
    save(result, args.out)


if __name__ == "__main__":
    main()

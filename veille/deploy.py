"""A deployable classifier for the recommended method: calibrated probabilities, an abstention rule that
sends unsure descriptions to a person, and its memory measured as a service would hold it (PSS).
"""

from __future__ import annotations

import pickle
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedGroupKFold

# Below this calibrated probability of its best guess, a description goes to a person.
THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.9)


def make_calibrated(c: float) -> CalibratedClassifierCV:
    """Logistic regression at the tuned C, probabilities recalibrated by Platt scaling on inner folds."""
    return CalibratedClassifierCV(LogisticRegression(C=c, max_iter=3000), method="sigmoid", cv=3)


def expected_calibration_error(confidence: np.ndarray, correct: np.ndarray, bins: int = 10) -> float:
    """Mean gap between confidence and accuracy over equal-width confidence bins, weighted by bin size."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    total = 0.0
    for b in range(bins):
        mask = which == b
        if mask.any():
            total += mask.mean() * abs(confidence[mask].mean() - correct[mask].mean())
    return float(total)


def abstention_table(confidence: np.ndarray, correct: np.ndarray, thresholds: Sequence[float] = THRESHOLDS) -> list[dict]:
    """For each threshold: share of items sent to a person and accuracy on the items kept."""
    rows = []
    for t in thresholds:
        kept = confidence >= t
        rows.append(
            {
                "threshold": t,
                "abstained_share": round(float(1 - kept.mean()), 4),
                "accuracy_kept": round(float(correct[kept].mean()), 4) if kept.any() else None,
            }
        )
    return rows


def out_of_fold(x: np.ndarray, y: np.ndarray, groups: np.ndarray, c: float, seed: int, folds: int = 5) -> dict:
    """Grouped out-of-fold probabilities of the raw and the calibrated classifier, and the abstention table."""
    raw_conf, cal_conf = np.empty(len(y)), np.empty(len(y))
    raw_ok, cal_ok = np.empty(len(y), bool), np.empty(len(y), bool)
    splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train, test in splitter.split(x, y, groups):
        for model, conf, ok in (
            (LogisticRegression(C=c, max_iter=3000), raw_conf, raw_ok),
            (make_calibrated(c), cal_conf, cal_ok),
        ):
            model.fit(x[train], y[train])
            proba = model.predict_proba(x[test])
            conf[test] = proba.max(axis=1)
            ok[test] = model.classes_[proba.argmax(axis=1)] == y[test]
    return {
        "accuracy": round(float(cal_ok.mean()), 4),
        "ece_raw": round(expected_calibration_error(raw_conf, raw_ok), 4),
        "ece_calibrated": round(expected_calibration_error(cal_conf, cal_ok), 4),
        "abstention": abstention_table(cal_conf, cal_ok),
        "folds": folds,
    }


def _pss_mb() -> float | None:
    """Proportional set size of this process (shared pages counted pro rata), Linux only."""
    try:
        with open("/proc/self/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def service_job(method: str, model_dir: str | None, classifier_path: str, texts: Sequence[str]) -> dict:
    """What a service does (meant for a fresh process): load encoder and classifier, classify, report PSS."""
    from veille.costs import _encoder

    start = time.perf_counter()
    encode = _encoder(method, model_dir, [])
    classifier = pickle.loads(Path(classifier_path).read_bytes())
    load_seconds = time.perf_counter() - start
    t0 = time.perf_counter()
    proba = classifier.predict_proba(np.asarray(encode(list(texts))))
    seconds = time.perf_counter() - t0
    return {
        "pss_mb": None if _pss_mb() is None else round(_pss_mb(), 1),
        "load_seconds": round(load_seconds, 2),
        "seconds_per_1000_docs": round(1000 * seconds / len(texts), 3),
        "n_texts": len(texts),
        "classifier_kb": round(Path(classifier_path).stat().st_size / 1024, 1),
        "mean_confidence": round(float(proba.max(axis=1).mean()), 4),
    }

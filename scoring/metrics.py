"""Held-out metrics of a scored sample at a business threshold."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import average_precision_score, brier_score_loss, log_loss, roc_auc_score

from scoring.calibration import expected_calibration_error
from scoring.threshold import bayes_threshold, business_cost


def evaluate(y_true: np.ndarray, proba: np.ndarray, threshold: float, cost_fn: float, cost_fp: float) -> dict:
    y = np.asarray(y_true).astype(int)
    p = np.asarray(proba, dtype=float)
    at_threshold = business_cost(y, p, threshold, cost_fn, cost_fp)
    accept_all = business_cost(y, p, np.inf, cost_fn, cost_fp)
    refuse_all = business_cost(y, p, -np.inf, cost_fn, cost_fp)
    n = len(y)
    return {
        "roc_auc": float(roc_auc_score(y, p)),
        "pr_auc": float(average_precision_score(y, p)),
        "brier": float(brier_score_loss(y, p)),
        "log_loss": float(log_loss(y, np.clip(p, 1e-7, 1 - 1e-7))),
        "expected_calibration_error": expected_calibration_error(y, p),
        "default_rate": float(y.mean()),
        "mean_predicted": float(p.mean()),
        "threshold": float(threshold),
        "bayes_threshold": bayes_threshold(cost_fn, cost_fp),
        "cost_per_1000_clients": {
            "model": 1000 * at_threshold.cost / n,
            "accept_all": 1000 * accept_all.cost / n,
            "refuse_all": 1000 * refuse_all.cost / n,
        },
        "confusion_matrix": {"tn": at_threshold.tn, "fp": at_threshold.fp, "fn": at_threshold.fn, "tp": at_threshold.tp},
        "refusal_rate": float((p >= threshold).mean()),
        "recall_defaulters": at_threshold.tp / max(at_threshold.tp + at_threshold.fn, 1),
        "precision_refusals": at_threshold.tp / max(at_threshold.tp + at_threshold.fp, 1),
    }

"""What the model page draws, computed once at training time on the held-out clients.

ROC curve points, a reliability diagram (observed default rate against the predicted probability, per
tenth of the clients) and the business cost per 1,000 clients at every threshold. The page reads these
from the artifact folder (``performance.json``); nothing is recomputed per request.
"""

from __future__ import annotations

import numpy as np

from scoring.threshold import business_cost

ROC_POINTS = 150
RELIABILITY_BINS = 10
COST_GRID = np.round(np.arange(0, 1.0001, 0.01), 2)


def roc_points(y_true: np.ndarray, proba: np.ndarray, max_points: int = ROC_POINTS) -> dict:
    """(false positive rate, true positive rate) along the curve, thinned to about ``max_points``."""
    from sklearn.metrics import roc_auc_score, roc_curve

    fpr, tpr, _ = roc_curve(np.asarray(y_true).astype(int), np.asarray(proba, dtype=float))
    if len(fpr) > max_points:  # evenly spaced along the curve's index, ends kept
        keep = np.unique(np.r_[np.linspace(0, len(fpr) - 1, max_points).round().astype(int), len(fpr) - 1])
        fpr, tpr = fpr[keep], tpr[keep]
    return {
        "fpr": [round(float(v), 5) for v in fpr],
        "tpr": [round(float(v), 5) for v in tpr],
        "auc": float(roc_auc_score(np.asarray(y_true).astype(int), proba)),
    }


def wilson(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson 95 % interval of a proportion (sound for small counts and rates near 0)."""
    if n == 0:
        return (float("nan"), float("nan"))
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (float(max(centre - half, 0.0)), float(min(centre + half, 1.0)))


def reliability(y_true: np.ndarray, proba: np.ndarray, bins: int = RELIABILITY_BINS) -> list[dict]:
    """Equal-count bins of predicted probability: mean predicted vs observed default rate (Wilson interval)."""
    y = np.asarray(y_true).astype(int)
    p = np.asarray(proba, dtype=float)
    order = np.argsort(p, kind="stable")
    out = []
    for chunk in np.array_split(order, bins):
        if not len(chunk):
            continue
        defaults = int(y[chunk].sum())
        low, high = wilson(defaults, len(chunk))
        out.append(
            {
                "n": int(len(chunk)),
                "predicted_low": float(p[chunk[0]]),
                "predicted_high": float(p[chunk[-1]]),
                "mean_predicted": float(p[chunk].mean()),
                "observed": defaults / len(chunk),
                "observed_ci": [low, high],
            }
        )
    return out


def cost_curve(y_true: np.ndarray, proba: np.ndarray, threshold: float, cost_fn: float, cost_fp: float) -> list[dict]:
    """Cost per 1,000 clients and refusal rate when refusing every client at or above each threshold."""
    y = np.asarray(y_true).astype(int)
    p = np.asarray(proba, dtype=float)
    grid = sorted({*map(float, COST_GRID), float(threshold)})
    rows = []
    for t in grid:
        cost = business_cost(y, p, t, cost_fn, cost_fp)
        rows.append(
            {
                "threshold": t,
                "cost_per_1000": 1000 * cost.cost / len(y),
                "refusal_rate": float((p >= t).mean()),
                "chosen": t == float(threshold),
            }
        )
    return rows


def page_metrics(y_true: np.ndarray, proba: np.ndarray, threshold: float, cost_fn: float, cost_fp: float) -> dict:
    """Everything the model page draws about held-out performance."""
    return {
        "roc": roc_points(y_true, proba),
        "reliability": reliability(y_true, proba),
        "cost_curve": cost_curve(y_true, proba, threshold, cost_fn, cost_fp),
    }

"""Business-cost decision threshold: a missed defaulter (FN) costs ``cost_fn``, a refused good client
(FP) costs ``cost_fp``."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class CostSummary:
    threshold: float
    cost: float  # total cost on the sample
    fn: int
    fp: int
    tp: int
    tn: int


def confusion(y_true: np.ndarray, proba: np.ndarray, threshold: float) -> tuple[int, int, int, int]:
    """(tn, fp, fn, tp) when refusing every client with ``proba >= threshold``."""
    y = np.asarray(y_true).astype(bool)
    refuse = np.asarray(proba) >= threshold
    return int((~y & ~refuse).sum()), int((~y & refuse).sum()), int((y & ~refuse).sum()), int((y & refuse).sum())


def business_cost(y_true: np.ndarray, proba: np.ndarray, threshold: float, cost_fn: float, cost_fp: float) -> CostSummary:
    tn, fp, fn, tp = confusion(y_true, proba, threshold)
    cost = cost_fn * fn + cost_fp * fp
    return CostSummary(float(threshold), float(cost), fn, fp, tp, tn)


def cost_curve(y_true: np.ndarray, proba: np.ndarray, cost_fn: float, cost_fp: float) -> tuple[np.ndarray, np.ndarray]:
    """Cost at every distinct candidate threshold, in one sorted pass (exact, O(n log n))."""
    y = np.asarray(y_true).astype(bool)
    p = np.asarray(proba, dtype=float)
    order = np.argsort(-p, kind="stable")
    p_sorted, y_sorted = p[order], y[order]
    # Refusing the top k clients: FP = negatives among them, FN = positives left.
    tp = np.concatenate([[0], np.cumsum(y_sorted)])
    fp = np.concatenate([[0], np.cumsum(~y_sorted)])
    fn = y.sum() - tp
    cost = cost_fn * fn + cost_fp * fp
    # Threshold for "refuse the top k": just at p_sorted[k-1]; k = 0 means refuse nobody.
    thresholds = np.concatenate([[np.inf], p_sorted])
    # Only cut between distinct probabilities, otherwise ties would be split.
    distinct = np.concatenate([[True], p_sorted[1:] != p_sorted[:-1], [True]])
    keep = np.concatenate([[True], distinct[1:]])
    return thresholds[keep], cost[keep]


def best_threshold(y_true: np.ndarray, proba: np.ndarray, cost_fn: float = 10.0, cost_fp: float = 1.0) -> float:
    """Threshold minimising ``cost_fn * FN + cost_fp * FP`` on the given predictions."""
    if cost_fn <= 0 or cost_fp <= 0:
        raise ValueError("costs must be positive")
    thresholds, cost = cost_curve(y_true, proba, cost_fn, cost_fp)
    best = int(np.argmin(cost))
    return float(min(thresholds[best], 1.0))


def bayes_threshold(cost_fn: float, cost_fp: float) -> float:
    """Optimal threshold for perfectly calibrated probabilities: refuse when p*cost_fn > (1-p)*cost_fp."""
    return cost_fp / (cost_fp + cost_fn)

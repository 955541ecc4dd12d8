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


N_BOOT = 200
INTERVAL = 0.95


def _grouped(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    return values if len(starts) == len(values) else np.add.reduceat(values, starts)


def weighted_auc(w: np.ndarray, y: np.ndarray, starts: np.ndarray) -> float:
    """ROC AUC with ties counted half, clients weighted by ``w``; rows sorted by score, ``starts`` = tie groups."""
    pos = _grouped(w * y, starts)
    neg = _grouped(w, starts) - pos
    below = np.cumsum(neg) - neg
    denominator = pos.sum() * neg.sum()
    return float((pos * (below + 0.5 * neg)).sum() / denominator) if denominator else float("nan")


def weighted_average_precision(w: np.ndarray, y: np.ndarray, starts: np.ndarray) -> float:
    """Average precision as scikit-learn computes it (a step per distinct score, highest first), weighted."""
    pos = _grouped(w * y, starts)[::-1]
    total = _grouped(w, starts)[::-1]
    tp, seen = np.cumsum(pos), np.cumsum(total)
    if tp[-1] == 0:
        return float("nan")
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(seen > 0, tp / np.where(seen > 0, seen, 1), 0.0)
    return float((pos / tp[-1] * precision).sum())


def bootstrap_intervals(
    y_true: np.ndarray,
    proba: np.ndarray,
    threshold: float,
    cost_fn: float,
    cost_fp: float,
    *,
    n_boot: int | None = None,
    seed: int = 0,
) -> dict[str, list[float]]:
    """95 % percentile-bootstrap intervals (clients resampled with replacement) of the headline metrics.

    Poisson(1) weights stand for "drawn k times" (the Poisson bootstrap: same intervals at this size, no
    sampling of indices); one sort, then O(n) per resample.
    """
    order = np.argsort(np.asarray(proba, dtype=float), kind="stable")
    p = np.asarray(proba, dtype=float)[order]
    y = np.asarray(y_true).astype(float)[order]
    starts = np.flatnonzero(np.r_[True, p[1:] != p[:-1]])
    refused = (p >= threshold).astype(float)
    cost = cost_fn * y * (1 - refused) + cost_fp * (1 - y) * refused
    squared = (p - y) ** 2
    rng = np.random.default_rng(seed)
    n = len(y)
    if n_boot is None:  # past 50,000 clients the intervals are narrow; 100 resamples place them well enough
        n_boot = N_BOOT if n <= 50_000 else N_BOOT // 2
    draws: dict[str, list[float]] = {"roc_auc": [], "pr_auc": [], "brier": [], "cost_per_1000": [], "refusal_rate": []}
    for _ in range(n_boot):
        w = rng.poisson(1.0, n).astype(float)
        draws["roc_auc"].append(weighted_auc(w, y, starts))
        draws["pr_auc"].append(weighted_average_precision(w, y, starts))
        total = w.sum()
        draws["brier"].append(float(w @ squared / total))
        draws["cost_per_1000"].append(float(1000 * (w @ cost) / total))
        draws["refusal_rate"].append(float(w @ refused / total))
    tail = (1 - INTERVAL) / 2
    out = {}
    for name, values in draws.items():
        values = np.asarray(values)
        values = values[np.isfinite(values)]
        out[name] = [float(v) for v in np.quantile(values, [tail, 1 - tail])] if len(values) >= 10 else None
    return out


def evaluate_with_intervals(
    y_true: np.ndarray, proba: np.ndarray, threshold: float, cost_fn: float, cost_fp: float, *, seed: int = 0
) -> dict:
    """``evaluate`` plus ``intervals``: the bootstrap interval of each headline metric."""
    out = evaluate(y_true, proba, threshold, cost_fn, cost_fp)
    out["intervals"] = bootstrap_intervals(y_true, proba, threshold, cost_fn, cost_fp, seed=seed)
    out["n"] = int(len(y_true))
    return out


EXTERNAL_SCORES = ("EXT_SOURCE_1", "EXT_SOURCE_2", "EXT_SOURCE_3")
SEGMENT_MIN_CLASS = 5  # fewer defaulters or good payers than this: no AUC, only counts


def segment_masks(frame) -> dict[str, np.ndarray]:
    """Clients without external scores: all three missing, and each one missing."""
    missing = {name: frame[name].isna().to_numpy() for name in EXTERNAL_SCORES}
    masks = {"no_external_scores": np.logical_and.reduce(list(missing.values()))}
    masks.update({f"missing_{name}": mask for name, mask in missing.items()})
    return masks


def segment_metrics(frame, y_true: np.ndarray, proba: np.ndarray, threshold: float, *, seed: int = 0) -> dict:
    """Out-of-fold figures of each segment: how sure the model is for a client without external scores.

    ``auc_ci`` is a 95 % bootstrap interval; AUC and interval are null when a segment holds fewer than
    ``SEGMENT_MIN_CLASS`` defaulters or good payers.
    """
    y = np.asarray(y_true).astype(float)
    p = np.asarray(proba, dtype=float)
    out = {}
    for key, mask in segment_masks(frame).items():
        ys, ps = y[mask], p[mask]
        n, positives = int(mask.sum()), int(ys.sum())
        row = {
            "n": n,
            "share": float(n / max(len(y), 1)),
            "positives": positives,
            "default_rate": float(positives / n) if n else None,
            "mean_predicted": float(ps.mean()) if n else None,
            "refusal_rate": float((ps >= threshold).mean()) if n else None,
            "auc": None,
            "auc_ci": None,
        }
        if positives >= SEGMENT_MIN_CLASS and n - positives >= SEGMENT_MIN_CLASS:
            order = np.argsort(ps, kind="stable")
            ps, ys = ps[order], ys[order]
            starts = np.flatnonzero(np.r_[True, ps[1:] != ps[:-1]])
            row["auc"] = weighted_auc(np.ones(n), ys, starts)
            rng = np.random.default_rng(seed)
            draws = [weighted_auc(rng.poisson(1.0, n).astype(float), ys, starts) for _ in range(N_BOOT)]
            draws = np.asarray(draws)[np.isfinite(draws)]
            tail = (1 - INTERVAL) / 2
            row["auc_ci"] = [float(v) for v in np.quantile(draws, [tail, 1 - tail])]
        out[key] = row
    return out

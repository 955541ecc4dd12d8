"""Interval estimates and paired tests for resampled scores (pure functions)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy import stats


def mean_ci95(values: Sequence[float], test_train_ratio: float | None = None) -> tuple[float, float]:
    """Mean and half-width of a 95% t-interval.

    With `test_train_ratio` (n_test / n_train), the variance is inflated as in the corrected resampled
    t-test (Nadeau & Bengio, 2003): cross-validation scores share training data, so the naive
    interval is too narrow.
    """
    x = np.asarray(values, dtype=float)
    n = len(x)
    if n < 2:
        return float(x.mean()) if n else math.nan, math.nan
    factor = 1.0 / n + (test_train_ratio or 0.0)
    se = math.sqrt(factor * x.var(ddof=1))
    return float(x.mean()), float(stats.t.ppf(0.975, n - 1) * se)


def corrected_resampled_ttest(
    scores_a: Sequence[float], scores_b: Sequence[float], test_train_ratio: float
) -> tuple[float, float]:
    """Two-sided corrected resampled t-test (Nadeau & Bengio, 2003; Bouckaert & Frank, 2004).

    `scores_a[j]` and `scores_b[j]` come from the same split j of a repeated k-fold CV.
    t = mean(d) / sqrt((1/n + n_test/n_train) * var(d)), with n - 1 degrees of freedom.
    Returns (t, p). Identical scores give (0, 1).
    """
    d = np.asarray(scores_a, dtype=float) - np.asarray(scores_b, dtype=float)
    n = len(d)
    if n < 2:
        raise ValueError("need at least two paired scores")
    var = d.var(ddof=1)
    if var == 0.0:
        return (0.0, 1.0) if d.mean() == 0 else (math.copysign(math.inf, d.mean()), 0.0)
    t = d.mean() / math.sqrt((1.0 / n + test_train_ratio) * var)
    p = 2.0 * stats.t.sf(abs(t), n - 1)
    return float(t), float(p)


def paired_ttest(scores_a: Sequence[float], scores_b: Sequence[float]) -> tuple[float, float]:
    """Plain paired t-test over independent draws (learning curve). Returns (t, p)."""
    return corrected_resampled_ttest(scores_a, scores_b, test_train_ratio=0.0)

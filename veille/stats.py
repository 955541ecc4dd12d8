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


def tost(differences: Sequence[float], margin: float, test_train_ratio: float = 0.0) -> dict:
    """Two one-sided tests (Schuirmann, 1987): is the mean difference inside (-margin, +margin)?

    Equivalence is shown when both one-sided p-values are below 0.05, i.e. when the 90 % interval of
    the mean difference lies inside the margin. With `test_train_ratio`, the variance is corrected as in
    the resampled t-test (cross-validation scores). Returns the larger p-value, the 90 % interval and
    the verdict; fewer than two differences give no verdict (None).
    """
    d = np.asarray(differences, dtype=float)
    n = len(d)
    if margin <= 0:
        raise ValueError("the equivalence margin must be positive")
    if n < 2:
        return {"margin": margin, "p_value": None, "ci90": None, "equivalent": None, "n": n}
    mean = float(d.mean())
    se = math.sqrt((1.0 / n + test_train_ratio) * d.var(ddof=1))
    if se == 0.0:
        inside = abs(mean) < margin
        return {"margin": margin, "p_value": 0.0 if inside else 1.0, "ci90": [mean, mean], "equivalent": inside, "n": n}
    p_lower = float(stats.t.sf((mean + margin) / se, n - 1))  # H0: mean <= -margin
    p_upper = float(stats.t.cdf((mean - margin) / se, n - 1))  # H0: mean >= +margin
    half = float(stats.t.ppf(0.95, n - 1) * se)
    p = max(p_lower, p_upper)
    return {"margin": margin, "p_value": p, "ci90": [mean - half, mean + half], "equivalent": p < 0.05, "n": n}


def holm(p_values: Sequence[float | None]) -> list[float | None]:
    """Holm's step-down adjustment of a family of p-values (missing ones stay missing, not counted)."""
    present = sorted((p, i) for i, p in enumerate(p_values) if p is not None)
    m = len(present)
    adjusted: list[float | None] = [None] * len(p_values)
    running = 0.0
    for rank, (p, i) in enumerate(present):
        running = max(running, min(1.0, (m - rank) * p))
        adjusted[i] = running
    return adjusted

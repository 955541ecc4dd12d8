"""Platt scaling on the booster's margin.

Because it is affine in log-odds, SHAP contributions stay exactly additive after calibration:
calibrated logit = a * (base + sum(phi)) + b = (a * base + b) + sum(a * phi).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Platt:
    a: float = 1.0
    b: float = 0.0

    def logit(self, margin: np.ndarray) -> np.ndarray:
        return self.a * np.asarray(margin, dtype=float) + self.b

    def proba(self, margin: np.ndarray) -> np.ndarray:
        return sigmoid(self.logit(margin))


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float)))


def fit_platt(margin: np.ndarray, y_true: np.ndarray) -> Platt:
    from sklearn.linear_model import LogisticRegression  # training only: keeps sklearn out of the web workers

    model = LogisticRegression(C=1e6, max_iter=1000)
    model.fit(np.asarray(margin, dtype=float).reshape(-1, 1), np.asarray(y_true).astype(int))
    return Platt(float(model.coef_[0, 0]), float(model.intercept_[0]))


def expected_calibration_error(y_true: np.ndarray, proba: np.ndarray, bins: int = 10) -> float:
    """Weighted mean |observed rate - mean predicted| over equal-count bins."""
    y = np.asarray(y_true, dtype=float)
    p = np.asarray(proba, dtype=float)
    order = np.argsort(p)
    error = 0.0
    for chunk in np.array_split(order, bins):
        if len(chunk):
            error += len(chunk) * abs(y[chunk].mean() - p[chunk].mean())
    return float(error / len(p))

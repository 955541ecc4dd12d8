"""SHAP explanations with XGBoost's native TreeSHAP (exact, no ``shap`` import needed)."""

from __future__ import annotations

import numpy as np
import xgboost as xgb

from scoring.calibration import Platt
from scoring.fields import FIELDS
from scoring.model import dmatrix


def raw_contributions(booster: xgb.Booster, features: np.ndarray) -> np.ndarray:
    """TreeSHAP on the booster margin: (n, F + 1), last column the base value."""
    return booster.predict(dmatrix(features, booster.feature_names), pred_contribs=True)


def calibrated_contributions(raw: np.ndarray, platt: Platt) -> tuple[np.ndarray, np.ndarray]:
    """(contributions, base) in calibrated log-odds: sum + base = logit of the calibrated probability."""
    return raw[:, :-1] * platt.a, raw[:, -1] * platt.a + platt.b


def global_importance(contributions: np.ndarray) -> np.ndarray:
    """Mean |SHAP| per feature."""
    return np.abs(contributions).mean(axis=0)


def raw_column_weights(features: list[str], raw_columns: list[str]) -> np.ndarray:
    """Matrix (F, R) spreading each feature's contribution equally over the raw columns it uses."""
    index = {c: i for i, c in enumerate(raw_columns)}
    weights = np.zeros((len(features), len(raw_columns)), dtype=np.float32)
    for i, name in enumerate(features):
        sources = FIELDS[name].sources
        for column in sources:
            weights[i, index[column]] = 1.0 / len(sources)
    return weights


def aggregate_to_raw(contributions: np.ndarray, features: list[str], raw_columns: list[str]) -> np.ndarray:
    """Contributions per raw column (sum preserved)."""
    return contributions @ raw_column_weights(features, raw_columns)

"""SHAP explanations with XGBoost's native TreeSHAP (exact, no ``shap`` import needed)."""

from __future__ import annotations

import numpy as np
import xgboost as xgb

from scoring.calibration import Platt
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

"""The plain XGBoost every model card is compared with (issue 19): what a data scientist writes in twenty lines.

Every column of the application table but the protected ones (categories as integer codes), plus five common
ratios; 400 trees, learning rate 0.03, depth 4, min_child_weight 5, subsample 0.8, colsample 0.6; no early
stopping, no monotone constraint. It is fitted on the product's own folds, so both out-of-fold AUCs are
measured on the same clients.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from scoring.derived import ratio
from scoring.schema import CATEGORICAL_COLUMNS, ID_COLUMN, TARGET_COLUMN, TRAIN_COLUMNS

if TYPE_CHECKING:
    import pandas as pd

PARAMS = {
    "objective": "binary:logistic",
    "tree_method": "hist",
    "learning_rate": 0.03,
    "max_depth": 4,
    "min_child_weight": 5,
    "subsample": 0.8,
    "colsample_bytree": 0.6,
}
ROUNDS = 400
RATIOS = (
    ("CREDIT_INCOME", "AMT_CREDIT", "AMT_INCOME_TOTAL"),
    ("ANNUITY_INCOME", "AMT_ANNUITY", "AMT_INCOME_TOTAL"),
    ("PAYMENT_RATE", "AMT_ANNUITY", "AMT_CREDIT"),
    ("CREDIT_GOODS", "AMT_CREDIT", "AMT_GOODS_PRICE"),
    ("EMPLOYED_BIRTH", "DAYS_EMPLOYED", "DAYS_BIRTH"),
)


def baseline_matrix(frame: pd.DataFrame, protected: tuple[str, ...]) -> np.ndarray:
    """Float32 matrix: application columns (minus id, target, protected), then the five ratios."""
    columns = []
    for name in TRAIN_COLUMNS:
        if name in (ID_COLUMN, TARGET_COLUMN) or name in protected:
            continue
        if name in CATEGORICAL_COLUMNS:
            codes = frame[name].astype("category").cat.codes.to_numpy(dtype=float)
            codes[codes < 0] = np.nan
            columns.append(codes)
        else:
            columns.append(frame[name].to_numpy(dtype=float, na_value=np.nan))
    for _, num, den in RATIOS:
        columns.append(
            ratio(frame[num].to_numpy(dtype=float, na_value=np.nan), frame[den].to_numpy(dtype=float, na_value=np.nan))
        )
    return np.column_stack(columns).astype(np.float32)


def baseline_oof(matrix: np.ndarray, y: np.ndarray, folds: np.ndarray, seed: int, n_jobs: int = 2) -> np.ndarray:
    """Out-of-fold probabilities of the plain baseline on the given folds."""
    import xgboost as xgb

    y = np.asarray(y).astype(int)
    params = {**PARAMS, "seed": seed, "nthread": n_jobs}
    oof = np.empty(len(y), dtype=float)
    for fold in range(int(folds.max()) + 1):
        fit, held = folds != fold, folds == fold
        booster = xgb.train(params, xgb.DMatrix(matrix[fit], label=y[fit], missing=np.nan, nthread=n_jobs), ROUNDS)
        oof[held] = booster.predict(xgb.DMatrix(matrix[held], missing=np.nan, nthread=n_jobs))
    return oof

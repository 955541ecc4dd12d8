"""Cross-validated runs of the product model and of the plain baseline on shared folds.

Used by training (scoring/pipeline.py) and by benchmarks/model_quality.py, so that what the benchmark
measures is what ``scoring train`` does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
import xgboost as xgb

from scoring.baseline import baseline_matrix, baseline_oof
from scoring.calibration import Platt
from scoring.features import FeatureTransform
from scoring.model import (
    CrossValidation,
    TrainConfig,
    cross_validate,
    fit_final,
    fold_ids,
    learning_rate_for,
    margin,
    oof_calibrated,
    positive_weight,
)
from scoring.threshold import best_threshold

if TYPE_CHECKING:
    import pandas as pd


def fold_matrices(
    frame: pd.DataFrame, folds: np.ndarray, protected: tuple[str, ...], extra: tuple[str, ...] = ()
) -> tuple[list[np.ndarray], list[str]]:
    """Each fold's feature matrix over every row (its transform fitted on its own training rows).

    ``extra``: raw numeric columns appended as they are (the benchmark measures candidate inputs with it).
    """
    matrices, names = [], []
    for fold in range(int(folds.max()) + 1):
        transform = FeatureTransform.fit(frame.iloc[np.flatnonzero(folds != fold)], protected)
        x = transform.transform(frame)
        if extra:
            x = np.column_stack([x] + [frame[c].to_numpy(dtype=np.float32, na_value=np.nan) for c in extra])
        matrices.append(x)
        names = transform.feature_names + list(extra)
    return matrices, names


def product_cv(
    frame: pd.DataFrame,
    y: np.ndarray,
    folds: np.ndarray,
    config: TrainConfig,
    *,
    seed: int | None = None,
    extra: tuple[str, ...] = (),
    progress: Callable[[str], None] = lambda _: None,
) -> CrossValidation:
    matrices, names = fold_matrices(frame, folds, config.protected, extra)
    positives = max(int(y.sum()), 1)
    params = config.xgb_params((len(y) - positives) / positives, names, seed=seed)
    return cross_validate(
        matrices,
        y,
        folds,
        params,
        names,
        max_rounds=config.max_rounds,
        patience=config.early_stopping_rounds,
        progress=progress,
    )


@dataclass(frozen=True)
class Trained:
    """One complete training: cross-validation, calibration and threshold on its out-of-fold predictions,
    and the final model refit on every given row."""

    cv: CrossValidation
    transform: FeatureTransform
    booster: xgb.Booster
    platt: Platt
    oof_proba: np.ndarray
    threshold: float

    def refused(self, features: np.ndarray) -> np.ndarray:
        return self.platt.proba(margin(self.booster, features)) >= self.threshold


def train(
    frame: pd.DataFrame,
    y: np.ndarray,
    folds: np.ndarray,
    config: TrainConfig,
    progress: Callable[[str], None] = lambda _: None,
) -> Trained:
    if config.learning_rate is None:
        config = replace(config, learning_rate=learning_rate_for(len(y)))
    cv = product_cv(frame, y, folds, config, progress=progress)
    platt, proba = oof_calibrated(cv, y)
    threshold = best_threshold(y, proba, config.cost_fn, config.cost_fp)
    transform = FeatureTransform.fit(frame, config.protected)
    features = transform.transform(frame)
    names = transform.feature_names
    booster = fit_final(features, y, config.xgb_params(positive_weight(y), names), names, cv.n_rounds)
    return Trained(cv, transform, booster, platt, proba, threshold)


def auc(y: np.ndarray, score: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(np.asarray(y).astype(int), score))


def comparison(
    frame: pd.DataFrame,
    y: np.ndarray,
    folds: np.ndarray,
    config: TrainConfig,
    first: Trained,
    *,
    baseline: bool = True,
    stability: bool = True,
    progress: Callable[[str], None] = lambda _: None,
) -> dict:
    """Baseline on the same folds, and a complete second training with the next seed (other folds, other
    subsampling) for stability. ``first`` is the product trained on these rows and folds with ``config.seed``."""
    out: dict = {"n": int(len(y)), "folds": int(folds.max()) + 1, "product_auc": auc(y, first.cv.oof_margin)}
    if baseline:
        oof = baseline_oof(baseline_matrix(frame, config.protected), y, folds, config.seed, config.n_jobs)
        out["baseline_auc"] = auc(y, oof)
        out["difference"] = out["product_auc"] - out["baseline_auc"]
        progress(f"Plain baseline on the same folds: AUC {out['baseline_auc']:.4f} (product {out['product_auc']:.4f})")
    if stability:
        seed = config.seed + 1
        second = train(frame, y, fold_ids(y, int(folds.max()) + 1, seed), replace(config, seed=seed))
        aucs = [out["product_auc"], auc(y, second.cv.oof_margin)]
        # Decisions of the two served models on the same clients (each with its own calibration and threshold).
        refused = [t.refused(t.transform.transform(frame)) for t in (first, second)]
        out["stability"] = {
            "seeds": [config.seed, seed],
            "auc": aucs,
            "auc_spread": abs(aucs[0] - aucs[1]),
            "n_rounds": [first.cv.n_rounds, second.cv.n_rounds],
            "thresholds": [first.threshold, second.threshold],
            "decision_flips": float((refused[0] != refused[1]).mean()),
            "oof_decision_flips": float(
                ((first.oof_proba >= first.threshold) != (second.oof_proba >= second.threshold)).mean()
            ),
        }
        progress(
            f"Second seed: out-of-fold AUC {aucs[1]:.4f} ({abs(aucs[0] - aucs[1]):.4f} apart); "
            f"{out['stability']['decision_flips']:.2%} of the final model's decisions flip"
        )
    return out

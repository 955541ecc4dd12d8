"""XGBoost training: stratified K-fold cross-validation, then one model refit on every labelled client.

Out-of-fold predictions (each client scored by a model that never saw it) choose the number of trees and
feed the Platt calibration, the cost threshold, the metrics and the fairness audit: at 1,000 clients a single
validation split holds ~60 defaulters and makes all of these vary with the seed; K folds use every client.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import xgboost as xgb

from scoring.calibration import Platt, fit_platt
from scoring.fields import DEFAULT_PROTECTED, FIELDS


@dataclass(frozen=True)
class TrainConfig:
    cost_fn: float = 10.0
    cost_fp: float = 1.0
    seed: int = 42
    # Cross-validation: folds=None picks by size (folds_for); holdout is a never-touched share for a final check.
    folds: int | None = None
    holdout: float = 0.0
    # Defaults chosen by repeated CV on the real 1,000-client sample and on synthetic data (benchmarks/model_quality.py).
    # None: by data size (learning_rate_for); 0.03 measured best at 1,000 clients (repeated CV).
    learning_rate: float | None = None
    max_depth: int = 4
    min_child_weight: float = 5.0
    subsample: float = 0.8
    colsample_bytree: float = 0.6
    reg_lambda: float = 1.0
    max_rounds: int = 2000
    early_stopping_rounds: int = 100
    # Re-weighting defaulters made the out-of-fold AUC no better and the trees count noisier (measured);
    # Platt scaling would undo its prior shift anyway.
    scale_pos_weight: bool = False
    n_jobs: int = 2
    # Plain XGBoost baseline fitted on the same folds, and a second seed for the stability figures.
    baseline: bool = True
    stability: bool = True
    # Above this many labelled clients, the baseline and the second seed are compared on a stratified sample
    # of this size (same folds): keeps the default 307,511-client build within its time budget.
    comparison_sample: int = 40_000
    # Protected grounds never enter the features (scoring/fields.py documents the default list).
    protected: tuple[str, ...] = DEFAULT_PROTECTED
    # Monotone constraints from the registry's ``monotone`` attribute (credit terms): borrowing less or over
    # longer never raises the risk, so counterfactual advice cannot say "borrow less" one day and "more" the next.
    monotone: bool = True

    def xgb_params(self, scale_pos_weight: float = 1.0, names: list[str] | None = None, seed: int | None = None) -> dict:
        params = {
            "objective": "binary:logistic",
            "eval_metric": "auc",
            "tree_method": "hist",
            "learning_rate": self.learning_rate or SMALL_DATA_LEARNING_RATE,
            "max_depth": self.max_depth,
            "min_child_weight": self.min_child_weight,
            "subsample": self.subsample,
            "colsample_bytree": self.colsample_bytree,
            "reg_lambda": self.reg_lambda,
            "scale_pos_weight": scale_pos_weight if self.scale_pos_weight else 1.0,
            "seed": self.seed if seed is None else seed,
            "nthread": self.n_jobs,
        }
        constraints = monotone_constraints(names or [])
        if self.monotone and any(constraints):
            params["monotone_constraints"] = "(" + ",".join(str(c) for c in constraints) + ")"
        return params


def monotone_constraints(names: list[str]) -> tuple[int, ...]:
    """XGBoost's per-feature constraint (+1, -1 or 0), in the transform's feature order, from the registry."""
    return tuple(FIELDS[name].monotone for name in names)


SMALL_DATA_LEARNING_RATE = 0.03
LARGE_DATA_LEARNING_RATE = 0.1
LARGE_DATA = 100_000


def learning_rate_for(n: int) -> float:
    """0.03 at small sizes (repeated CV on the real 1,000-client sample: 0.772 against 0.765 at 0.05 and
    0.751 at the former 0.08); 0.1 past 100,000 clients, where many trees are needed at a slow rate and
    the 307,511-client build must stay within four minutes."""
    return SMALL_DATA_LEARNING_RATE if n <= LARGE_DATA else LARGE_DATA_LEARNING_RATE


def folds_for(n: int) -> int:
    """Number of folds by data size: 5 while a fold's model still learns from too few clients, 3 beyond
    100,000 (each fold then trains on 200,000+ clients and the build stays within its time budget)."""
    return 5 if n <= LARGE_DATA else 3


def fold_ids(y: np.ndarray, folds: int, seed: int) -> np.ndarray:
    """Stratified fold number (0..folds-1) of every row."""
    from sklearn.model_selection import StratifiedKFold  # training only: keeps sklearn out of the web workers

    out = np.empty(len(y), dtype=np.int8)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for k, (_, rows) in enumerate(splitter.split(np.zeros(len(y)), y)):
        out[rows] = k
    return out


def holdout_rows(y: np.ndarray, fraction: float, seed: int) -> np.ndarray:
    """Boolean mask of a stratified never-touched share (all False when ``fraction`` is 0)."""
    mask = np.zeros(len(y), dtype=bool)
    if fraction <= 0:
        return mask
    from sklearn.model_selection import train_test_split

    _, rows = train_test_split(np.arange(len(y)), test_size=fraction, stratify=y, random_state=seed)
    mask[rows] = True
    return mask


def dmatrix(features: np.ndarray, names: list[str], label: np.ndarray | None = None, nthread: int = -1) -> xgb.DMatrix:
    """DMatrix with the transform's feature names (XGBoost checks them at predict time).

    ``nthread=1`` in the web workers: one OpenMP thread, no pool (and building a small DMatrix with every
    core of a busy machine costs tens of milliseconds, measured).
    """
    return xgb.DMatrix(features, label=label, feature_names=list(names), missing=np.nan, nthread=nthread)


def margin(booster: xgb.Booster, features: np.ndarray, nthread: int = -1) -> np.ndarray:
    return booster.predict(dmatrix(features, booster.feature_names, nthread=nthread), output_margin=True)


@dataclass(frozen=True)
class CrossValidation:
    """Out-of-fold margins at the chosen number of trees, and how that number was chosen."""

    oof_margin: np.ndarray
    n_rounds: int
    fold_auc: list[float]  # each fold's AUC at n_rounds (its own held-out rows)
    mean_auc_curve: list[float]  # mean fold AUC after each round, up to where training stopped


def positive_weight(y: np.ndarray) -> float:
    positives = max(int(y.sum()), 1)
    return (len(y) - positives) / positives


def cross_validate(
    fold_features: list[np.ndarray],
    y: np.ndarray,
    folds: np.ndarray,
    params: dict,
    names: list[str],
    *,
    max_rounds: int,
    patience: int,
    progress: Callable[[str], None] = lambda _: None,
) -> CrossValidation:
    """Boost one model per fold in lockstep and stop on the mean held-out AUC (as ``xgb.cv``), keeping the
    fold models so that every client gets its out-of-fold margin at the one chosen number of trees.

    ``fold_features[k]`` is the matrix of every row as fold k's transform computes it: category codes are
    ordered by default rate, so each fold learns them from its own training rows only (no leak into the
    out-of-fold figures).
    """
    y = np.asarray(y).astype(int)
    k = int(folds.max()) + 1
    parts = []
    for fold in range(k):
        fit, held = folds != fold, folds == fold
        features = fold_features[fold]
        dtrain = dmatrix(features[fit], names, y[fit])
        dheld = dmatrix(features[held], names, y[held])
        booster = xgb.Booster(params, [dtrain, dheld])
        parts.append((booster, dtrain, dheld, held))
    curve: list[float] = []
    best, best_round = -np.inf, 0
    log_every = max(max_rounds // 10, 1)
    for round_ in range(max_rounds):
        aucs = []
        for booster, dtrain, dheld, _ in parts:
            booster.update(dtrain, round_)
            aucs.append(float(booster.eval(dheld, "held", round_).rsplit(":", 1)[1]))
        curve.append(float(np.mean(aucs)))
        if curve[-1] > best:
            best, best_round = curve[-1], round_
        if round_ % log_every == 0:
            progress(f"  round {round_}: mean out-of-fold AUC {curve[-1]:.4f}")
        if round_ - best_round >= patience:
            break
    n_rounds = best_round + 1
    oof = np.empty(len(y), dtype=float)
    fold_auc = []
    from sklearn.metrics import roc_auc_score

    for booster, _, dheld, held in parts:
        oof[held] = booster.predict(dheld, output_margin=True, iteration_range=(0, n_rounds))
        fold_auc.append(float(roc_auc_score(y[held], oof[held])) if 0 < y[held].sum() < held.sum() else float("nan"))
    return CrossValidation(oof, n_rounds, fold_auc, curve)


def fit_final(features: np.ndarray, y: np.ndarray, params: dict, names: list[str], n_rounds: int) -> xgb.Booster:
    """The served model: every labelled (non-holdout) client, the cross-validated number of trees."""
    return xgb.train(params, dmatrix(features, names, np.asarray(y).astype(int)), num_boost_round=n_rounds)


def oof_calibrated(cv: CrossValidation, y: np.ndarray) -> tuple[Platt, np.ndarray]:
    """Platt scaling fitted on the out-of-fold margins, and the calibrated out-of-fold probabilities."""
    platt = fit_platt(cv.oof_margin, y)
    return platt, platt.proba(cv.oof_margin)


# ---------------------------------------------------------------- single split (kept for the older benchmarks)


@dataclass(frozen=True)
class Split:
    train: np.ndarray
    valid: np.ndarray
    test: np.ndarray


def split_indices(y: np.ndarray, config: TrainConfig, valid_fraction: float = 0.15, test_fraction: float = 0.15) -> Split:
    """Stratified train / validation / held-out test (benchmarks/monotone_cost.py and protected_cost.py)."""
    from sklearn.model_selection import train_test_split

    index = np.arange(len(y))
    holdout = valid_fraction + test_fraction
    train, rest = train_test_split(index, test_size=holdout, stratify=y, random_state=config.seed)
    valid, test = train_test_split(rest, test_size=test_fraction / holdout, stratify=y[rest], random_state=config.seed)
    return Split(np.sort(train), np.sort(valid), np.sort(test))


def train_booster(
    features: np.ndarray,
    y: np.ndarray,
    split: Split,
    config: TrainConfig,
    names: list[str],
    progress: Callable[[str], None] = lambda _: None,  # noqa: ARG001 - kept for callers
) -> tuple[xgb.Booster, Platt]:
    """One model with early stopping on ``split.valid`` and Platt scaling there (single-split benchmarks)."""
    y = np.asarray(y).astype(int)
    dtrain = dmatrix(features[split.train], names, y[split.train])
    dvalid = dmatrix(features[split.valid], names, y[split.valid])
    booster = xgb.train(
        config.xgb_params(positive_weight(y[split.train]), names),
        dtrain,
        num_boost_round=config.max_rounds,
        evals=[(dvalid, "valid")],
        early_stopping_rounds=config.early_stopping_rounds,
        verbose_eval=False,
    )
    booster = booster[: booster.best_iteration + 1]
    platt = fit_platt(margin(booster, features[split.valid]), y[split.valid])
    return booster, platt

"""XGBoost training: stratified K-fold cross-validation, then one model refit on every labelled client.

Out-of-fold predictions (each client scored by a model that never saw it) choose the number of trees and
feed the Platt calibration, the cost threshold, the metrics and the fairness audit: at 1,000 clients a single
validation split holds ~60 defaulters and makes all of these vary with the seed; K folds use every client.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import xgboost as xgb

from scoring.calibration import Platt, fit_platt
from scoring.fields import DEFAULT_PROTECTED, FIELDS


@dataclass(frozen=True)
class SizeDefaults:
    """Training settings for data up to ``up_to`` labelled clients (None: any size)."""

    up_to: int | None
    learning_rate: float
    max_depth: int
    min_child_weight: float
    max_rounds: int
    patience: int
    folds: int
    repeats: int  # fold draws: each client's out-of-fold margin is the mean over them
    parallel_trees: int  # XGBoost num_parallel_tree: bagged boosting, each round averages this many trees
    max_bin: int
    threads: int
    final_tree_factor: int  # the served model averages this many times more trees per round than the fold models


# Chosen by measurement (benchmarks/model_quality.py, README "Model and threshold"):
# - up to 20,000 clients the seed decides a lot (1,000 real clients hold ~95 defaulters): a slow rate, trees
#   chosen on the out-of-fold log loss averaged over 3 fold draws, 5 bagged trees per round. Real 1,000-client
#   sample: out-of-fold AUC above the plain baseline, seed-to-seed std <= 0.005, decisions flipping < 2 %.
# - 20,000 to 100,000 clients: the former measured defaults (one draw, one tree per round).
# - past 100,000 clients one draw is stable enough and the 307,511-client default build must stay within
#   four minutes on two cores: 3 folds, a faster rate, a bounded number of trees, 128 histogram bins.
# - one thread up to 20,000 clients: on a busy two-core machine, 100 rounds on 800 rows took 0.18 s with one
#   OpenMP thread and 14 s with two (threads spinning at every barrier while the other core is taken).
# - the served model of small data averages 3 x 5 trees per round, at the rounds the 5-tree fold models chose
#   (the same expected model, less of its own variance): synthetic 12,000, seeds 1 and 2, 1.2 % of the
#   decisions flip instead of 2.0 %, for the cost of three more fold models.
SIZE_TABLE = (
    SizeDefaults(20_000, 0.03, 4, 5.0, 2000, 100, 5, 3, 5, 256, 1, 3),
    SizeDefaults(100_000, 0.03, 4, 5.0, 2000, 100, 5, 1, 1, 256, 2, 1),
    SizeDefaults(None, 0.1, 4, 5.0, 300, 20, 3, 1, 1, 128, 2, 1),
)


def size_defaults(n: int) -> SizeDefaults:
    return next(row for row in SIZE_TABLE if row.up_to is None or n <= row.up_to)


REPORTED_PARAMS = (
    "learning_rate",
    "max_depth",
    "min_child_weight",
    "subsample",
    "colsample_bytree",
    "reg_lambda",
    "num_parallel_tree",
    "max_bin",
)


@dataclass(frozen=True)
class TrainConfig:
    cost_fn: float = 10.0
    cost_fp: float = 1.0
    seed: int = 42
    # None: by data size (``sized_config``, SIZE_TABLE). holdout is a never-touched share for a final check.
    folds: int | None = None
    repeats: int | None = None
    holdout: float = 0.0
    learning_rate: float | None = None
    max_depth: int | None = None
    min_child_weight: float | None = None
    max_rounds: int | None = None
    early_stopping_rounds: int | None = None
    parallel_trees: int | None = None
    final_tree_factor: int | None = None
    max_bin: int | None = None
    # Size-independent defaults, measured by repeated CV on the real 1,000-client sample.
    subsample: float = 0.8
    colsample_bytree: float = 0.6
    reg_lambda: float = 1.0
    # Re-weighting defaulters made the out-of-fold AUC no better and the trees count noisier (measured);
    # Platt scaling would undo its prior shift anyway.
    scale_pos_weight: bool = False
    n_jobs: int | None = None
    # Plain XGBoost baseline fitted on the same folds, and a second seed for the stability figures.
    baseline: bool = True
    stability: bool = True
    # Above this many labelled clients, the baseline and the second seed are compared on a stratified sample
    # of this size (same folds): keeps the default 307,511-client build within its time budget.
    comparison_sample: int = 20_000
    # Protected grounds never enter the features (scoring/fields.py documents the default list).
    protected: tuple[str, ...] = DEFAULT_PROTECTED
    # Monotone constraints from the registry's ``monotone`` attribute (credit terms): borrowing less or over
    # longer never raises the risk, so counterfactual advice cannot say "borrow less" one day and "more" the next.
    monotone: bool = True

    def xgb_params(self, scale_pos_weight: float = 1.0, names: list[str] | None = None, seed: int | None = None) -> dict:
        # Unsized settings (a config not passed through sized_config) take the small-data row.
        small = SIZE_TABLE[0]
        params = {
            "objective": "binary:logistic",
            "eval_metric": "logloss",
            "tree_method": "hist",
            "learning_rate": self.learning_rate or small.learning_rate,
            "max_depth": self.max_depth or small.max_depth,
            "min_child_weight": small.min_child_weight if self.min_child_weight is None else self.min_child_weight,
            "subsample": self.subsample,
            "colsample_bytree": self.colsample_bytree,
            "reg_lambda": self.reg_lambda,
            "num_parallel_tree": self.parallel_trees or 1,
            "max_bin": self.max_bin or small.max_bin,
            "scale_pos_weight": scale_pos_weight if self.scale_pos_weight else 1.0,
            "seed": self.seed if seed is None else seed,
            "nthread": self.n_jobs or small.threads,
        }
        constraints = monotone_constraints(names or [])
        if self.monotone and any(constraints):
            params["monotone_constraints"] = "(" + ",".join(str(c) for c in constraints) + ")"
        return params

    def reported_params(self, names: list[str] | None = None) -> dict:
        """The tree settings written to metrics.json and the model card (the same for every engine)."""
        params = self.xgb_params(1.0, names)
        return {name: params[name] for name in REPORTED_PARAMS}


def sized_config(n_labelled: int, config: TrainConfig | None = None) -> TrainConfig:
    """``config`` with every setting left to None filled from the data size's row of SIZE_TABLE."""
    config = config or TrainConfig()
    row = size_defaults(n_labelled)
    chosen = {
        "folds": row.folds,
        "repeats": row.repeats,
        "learning_rate": row.learning_rate,
        "max_depth": row.max_depth,
        "min_child_weight": row.min_child_weight,
        "max_rounds": row.max_rounds,
        "early_stopping_rounds": row.patience,
        "parallel_trees": row.parallel_trees,
        "final_tree_factor": row.final_tree_factor,
        "max_bin": row.max_bin,
        "n_jobs": row.threads,
    }
    return replace(config, **{name: value for name, value in chosen.items() if getattr(config, name) is None})


def final_config(config: TrainConfig) -> TrainConfig:
    """The served model's settings: ``final_tree_factor`` times the fold models' trees per round."""
    return replace(config, parallel_trees=(config.parallel_trees or 1) * (config.final_tree_factor or 1))


def monotone_constraints(names: list[str]) -> tuple[int, ...]:
    """XGBoost's per-feature constraint (+1, -1 or 0), in the transform's feature order, from the registry."""
    return tuple(FIELDS[name].monotone for name in names)


def learning_rate_for(n: int) -> float:
    return size_defaults(n).learning_rate


def folds_for(n: int) -> int:
    """Number of folds by data size: 5 while a fold's model still learns from too few clients, 3 beyond
    100,000 (each fold then trains on 200,000+ clients and the build stays within its time budget)."""
    return size_defaults(n).folds


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

    oof_margin: np.ndarray  # mean over the fold draws of each client's out-of-fold margin
    n_rounds: int
    fold_auc: list[float]  # each fold model's AUC at n_rounds on its own held-out rows (all draws)
    mean_logloss_curve: list[float]  # mean held-out log loss after each round, up to where training stopped
    draws: int = 1


def positive_weight(y: np.ndarray) -> float:
    positives = max(int(y.sum()), 1)
    return (len(y) - positives) / positives


def cross_validate(
    draws: list[tuple[np.ndarray, list[np.ndarray]]],
    y: np.ndarray,
    params: dict,
    names: list[str],
    *,
    max_rounds: int,
    patience: int,
    progress: Callable[[str], None] = lambda _: None,
) -> CrossValidation:
    """Boost one model per fold of every fold draw in lockstep and stop on their mean held-out log loss,
    keeping the fold models so that every client gets its out-of-fold margin at the one chosen number of trees.

    ``draws``: (fold number of every row, [fold k's matrix of every row]) per draw. Category codes are ordered
    by default rate, so each fold learns them from its own training rows only (no leak into the out-of-fold
    figures). Log loss, not AUC: it also weighs calibration, and on ~100 defaulters its minimum moves far less
    with the seed than the AUC's maximum (measured: benchmarks/model_quality.py).
    """
    y = np.asarray(y).astype(int)
    params = {**params, "eval_metric": "logloss"}
    parts = []
    for folds, fold_features in draws:
        for fold in range(int(folds.max()) + 1):
            fit, held = folds != fold, folds == fold
            dtrain = dmatrix(fold_features[fold][fit], names, y[fit], params["nthread"])
            dheld = dmatrix(fold_features[fold][held], names, y[held], params["nthread"])
            parts.append((xgb.Booster(params, [dtrain, dheld]), dtrain, dheld, held))
    curve: list[float] = []
    best, best_round = np.inf, 0
    log_every = max(max_rounds // 10, 1)
    for round_ in range(max_rounds):
        losses = []
        for booster, dtrain, dheld, _ in parts:
            booster.update(dtrain, round_)
            losses.append(float(booster.eval(dheld, "held", round_).rsplit(":", 1)[1]))
        curve.append(float(np.mean(losses)))
        if curve[-1] < best:
            best, best_round = curve[-1], round_
        if round_ % log_every == 0:
            progress(f"  round {round_}: mean out-of-fold log loss {curve[-1]:.4f}")
        if round_ - best_round >= patience:
            break
    n_rounds = best_round + 1
    oof = np.zeros(len(y), dtype=float)
    fold_auc = []
    from sklearn.metrics import roc_auc_score

    for booster, _, dheld, held in parts:
        part = booster.predict(dheld, output_margin=True, iteration_range=(0, n_rounds))
        oof[held] += part / len(draws)
        fold_auc.append(float(roc_auc_score(y[held], part)) if 0 < y[held].sum() < held.sum() else float("nan"))
    return CrossValidation(oof, n_rounds, fold_auc, curve, len(draws))


def fit_final(features: np.ndarray, y: np.ndarray, params: dict, names: list[str], n_rounds: int) -> xgb.Booster:
    """The served model: every labelled (non-holdout) client, the cross-validated number of trees."""
    labelled = dmatrix(features, names, np.asarray(y).astype(int), params["nthread"])
    return xgb.train(params, labelled, num_boost_round=n_rounds)


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
    """One model with early stopping on ``split.valid`` and Platt scaling there (single-split benchmarks;
    one tree per round, as these benchmarks were measured)."""
    y = np.asarray(y).astype(int)
    config = sized_config(len(split.train), replace(config, parallel_trees=config.parallel_trees or 1))
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

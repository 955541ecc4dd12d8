"""XGBoost training with early stopping, class-imbalance weighting and Platt calibration."""

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
    valid_fraction: float = 0.15
    test_fraction: float = 0.15
    learning_rate: float = 0.08
    max_depth: int = 5
    max_rounds: int = 1000
    early_stopping_rounds: int = 40
    n_jobs: int = 2
    # Protected grounds never enter the features (scoring/fields.py documents the default list).
    protected: tuple[str, ...] = DEFAULT_PROTECTED
    # Monotone constraints from the registry's ``monotone`` attribute (credit terms): borrowing less or over
    # longer never raises the risk, so counterfactual advice cannot say "borrow less" one day and "more" the next.
    monotone: bool = True

    def xgb_params(self, scale_pos_weight: float, names: list[str] | None = None) -> dict:
        params = {
            "objective": "binary:logistic",
            "eval_metric": "auc",
            "tree_method": "hist",
            "learning_rate": self.learning_rate,
            "max_depth": self.max_depth,
            "min_child_weight": 5,
            "subsample": 0.8,
            "colsample_bytree": 0.7,
            "reg_lambda": 1.0,
            # Re-weight defaulters so that trees look for them; Platt scaling undoes the prior shift.
            "scale_pos_weight": scale_pos_weight,
            "seed": self.seed,
            "nthread": self.n_jobs,
        }
        constraints = monotone_constraints(names or [])
        if self.monotone and any(constraints):
            params["monotone_constraints"] = "(" + ",".join(str(c) for c in constraints) + ")"
        return params


def monotone_constraints(names: list[str]) -> tuple[int, ...]:
    """XGBoost's per-feature constraint (+1, -1 or 0), in the transform's feature order, from the registry."""
    return tuple(FIELDS[name].monotone for name in names)


@dataclass(frozen=True)
class Split:
    train: np.ndarray
    valid: np.ndarray
    test: np.ndarray


def split_indices(y: np.ndarray, config: TrainConfig) -> Split:
    """Stratified train / validation (early stopping, calibration, threshold) / held-out test."""
    from sklearn.model_selection import train_test_split  # training only: keeps sklearn out of the web workers

    index = np.arange(len(y))
    holdout = config.valid_fraction + config.test_fraction
    train, rest = train_test_split(index, test_size=holdout, stratify=y, random_state=config.seed)
    valid, test = train_test_split(
        rest, test_size=config.test_fraction / holdout, stratify=y[rest], random_state=config.seed
    )
    return Split(np.sort(train), np.sort(valid), np.sort(test))


def dmatrix(features: np.ndarray, names: list[str], label: np.ndarray | None = None, nthread: int = -1) -> xgb.DMatrix:
    """DMatrix with the transform's feature names (XGBoost checks them at predict time).

    ``nthread=1`` in the web workers: one OpenMP thread, no pool (and building a small DMatrix with every
    core of a busy machine costs tens of milliseconds, measured).
    """
    return xgb.DMatrix(features, label=label, feature_names=list(names), missing=np.nan, nthread=nthread)


def margin(booster: xgb.Booster, features: np.ndarray, nthread: int = -1) -> np.ndarray:
    return booster.predict(dmatrix(features, booster.feature_names, nthread=nthread), output_margin=True)


def train_booster(
    features: np.ndarray,
    y: np.ndarray,
    split: Split,
    config: TrainConfig,
    names: list[str],
    progress: Callable[[str], None] = lambda _: None,
) -> tuple[xgb.Booster, Platt]:
    y = np.asarray(y).astype(int)
    positives = max(int(y[split.train].sum()), 1)
    scale = (len(split.train) - positives) / positives
    dtrain = dmatrix(features[split.train], names, y[split.train])
    dvalid = dmatrix(features[split.valid], names, y[split.valid])
    log_every = max(config.max_rounds // 10, 1)

    class _Progress(xgb.callback.TrainingCallback):
        def after_iteration(self, model, epoch, evals_log):  # noqa: ARG002 - xgboost's signature
            if epoch % log_every == 0:
                auc = evals_log["valid"]["auc"][-1]
                progress(f"  round {epoch}: validation AUC {auc:.4f}")
            return False

    booster = xgb.train(
        config.xgb_params(scale, names),
        dtrain,
        num_boost_round=config.max_rounds,
        evals=[(dvalid, "valid")],
        early_stopping_rounds=config.early_stopping_rounds,
        verbose_eval=False,
        callbacks=[_Progress()],
    )
    # Keep only the trees up to the best iteration so that every later predict agrees.
    booster = booster[: booster.best_iteration + 1]
    platt = fit_platt(margin(booster, features[split.valid]), y[split.valid])
    return booster, platt

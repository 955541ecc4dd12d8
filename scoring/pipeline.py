"""End to end: raw application frames -> trained model -> scored portfolio -> artifact folder."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from scoring import crossval
from scoring.artifacts import PORTFOLIO_DIR, Artifacts, write_manifest
from scoring.calibration import Platt
from scoring.explain import calibrated_contributions, global_importance, raw_contributions
from scoring.fairness import audit, audited_attributes, proxy_strength
from scoring.fields import FIELDS, STORED_RAW_COLUMNS
from scoring.metrics import evaluate_with_intervals, segment_metrics
from scoring.model import TrainConfig, fold_ids, folds_for, holdout_rows, learning_rate_for, margin
from scoring.model_card import render_model_card
from scoring.performance import page_metrics
from scoring.schema import ID_COLUMN, TARGET_COLUMN

GREY_ZONE_WIDTH = 0.25  # +/- 25 % of the threshold, relative: close calls go to a human
_CHUNK = 50_000
MIN_PER_CLASS = 10
# Past this many labelled clients the fairness audit's bootstraps run on a stratified sample of this size
# (group intervals are already narrow; the default 307,511-client build keeps within its time budget).
FAIRNESS_SAMPLE = 100_000


def grey_zone(threshold: float) -> tuple[float, float]:
    return (threshold * (1 - GREY_ZONE_WIDTH), min(threshold * (1 + GREY_ZONE_WIDTH), 1.0))


def score(booster, platt: Platt, features: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Calibrated probabilities, calibrated SHAP contributions (float32) and base value, chunked."""
    n = len(features)
    proba = np.empty(n, dtype=np.float32)
    contrib = np.empty((n, features.shape[1]), dtype=np.float32)
    base = platt.b
    for start in range(0, n, _CHUNK):
        part = slice(start, min(start + _CHUNK, n))
        raw = raw_contributions(booster, features[part])
        values, bases = calibrated_contributions(raw, platt)
        contrib[part] = values
        proba[part] = platt.proba(margin(booster, features[part]))
        base = float(bases[0])
    return proba, contrib, base


def train_and_write(
    train: pd.DataFrame,
    test: pd.DataFrame | None,
    out: Path,
    config: TrainConfig,
    *,
    data_source: str,
    progress: Callable[[str], None] = print,
) -> Artifacts:
    """Cross-validate and train on the labelled ``train``, score ``train`` + ``test`` as the portfolio and
    write the artifacts."""
    started = time.perf_counter()
    y_all = train[TARGET_COLUMN].to_numpy().astype(int)
    holdout = holdout_rows(y_all, config.holdout, config.seed)
    y = y_all[~holdout]
    if y.sum() < MIN_PER_CLASS or (len(y) - y.sum()) < MIN_PER_CLASS:
        from scoring.errors import DataError

        raise DataError(
            f"TARGET needs at least {MIN_PER_CLASS} defaulters and {MIN_PER_CLASS} non-defaulters to train"
            + (" (outside the holdout)" if holdout.any() else "")
        )
    labelled = train[~holdout].reset_index(drop=True)
    if config.learning_rate is None:
        config = replace(config, learning_rate=learning_rate_for(len(y)))
    k = config.folds or folds_for(len(y))
    folds = fold_ids(y, k, config.seed)
    progress(
        f"{k}-fold cross-validation on {len(y):,} labelled clients"
        + (f" ({int(holdout.sum()):,} more held out, never touched)" if holdout.any() else "")
        + f"; protected fields left out: {', '.join(config.protected) or 'none'}"
    )
    trained = crossval.train(labelled, y, folds, config, progress)
    transform, booster, platt, threshold = trained.transform, trained.booster, trained.platt, trained.threshold
    proba = trained.oof_proba
    progress(f"{len(transform.features)} features; {trained.cv.n_rounds} trees chosen on the mean out-of-fold AUC")
    metrics = evaluate_with_intervals(y, proba, threshold, config.cost_fn, config.cost_fp, seed=config.seed)
    metrics.update(
        {
            "cost_fn": config.cost_fn,
            "cost_fp": config.cost_fp,
            "n_labelled": int(len(y)),
            "n_folds": int(k),
            "n_holdout": int(holdout.sum()),
            "n_rounds": int(trained.cv.n_rounds),
            "fold_auc": trained.cv.fold_auc,
            "params": {
                name: value
                for name, value in config.xgb_params(1.0, transform.feature_names).items()
                if name in ("learning_rate", "max_depth", "min_child_weight", "subsample", "colsample_bytree", "reg_lambda")
            },
            "calibration": (
                "Platt scaling of the XGBoost margin fitted on the out-of-fold margins of every labelled client; "
                "the threshold is chosen on, and applied to, calibrated probabilities."
            ),
            "threshold_selection": "minimum of cost_fn*FN + cost_fp*FP on the out-of-fold predictions",
            "evaluated_on": (
                f"out-of-fold predictions of {len(y):,} clients ({k} folds): each client scored by a model that "
                "never saw it; 95% bootstrap intervals"
            ),
            "data_source": data_source,
        }
    )
    progress(
        f"Out-of-fold ROC AUC {metrics['roc_auc']:.4f} "
        f"[{metrics['intervals']['roc_auc'][0]:.4f}, {metrics['intervals']['roc_auc'][1]:.4f}], threshold {threshold:.4f}"
    )
    if holdout.any():
        held = train[holdout]
        held_proba = platt.proba(margin(booster, transform.transform(held)))
        metrics["holdout"] = evaluate_with_intervals(
            y_all[holdout], held_proba, threshold, config.cost_fn, config.cost_fp, seed=config.seed
        )
        progress(f"Holdout ROC AUC {metrics['holdout']['roc_auc']:.4f} on {int(holdout.sum()):,} never-touched clients")
    metrics["segments"] = segment_metrics(labelled, y, proba, threshold, seed=config.seed)
    metrics.update(_compare(labelled, y, folds, config, trained, progress))
    # The model page and the fairness audit read these; the dashboard never recomputes them per request.
    performance = page_metrics(y, proba, threshold, config.cost_fn, config.cost_fp)
    attributes = audited_attributes(transform.protected)
    audited = _sample(y, FAIRNESS_SAMPLE, config.seed)
    progress(f"Fairness audit on {len(audited):,} out-of-fold predictions (by {', '.join(a.key for a in attributes)})")
    fairness = audit(y[audited], proba[audited], threshold, labelled.iloc[audited], attributes=attributes, seed=config.seed)
    fairness["protected"] = list(transform.protected)
    fairness["evaluated_on"] = (
        metrics["evaluated_on"]
        if len(audited) == len(y)
        else (f"out-of-fold predictions of a stratified sample of {len(audited):,} of the {len(y):,} labelled clients")
    )
    progress("Looking for proxies: how well the model's inputs predict each protected attribute")
    features = transform.transform(labelled)
    fairness["proxies"] = proxy_strength(
        features,
        transform.feature_names,
        labelled,
        np.flatnonzero(folds != 0),
        np.flatnonzero(folds == 0),
        attributes=attributes,
        seed=config.seed,
        n_jobs=config.n_jobs,
    )

    portfolio = train if test is None else pd.concat([train, test], ignore_index=True)
    order = np.argsort(portfolio[ID_COLUMN].to_numpy(), kind="stable")
    portfolio = portfolio.iloc[order].reset_index(drop=True)
    portfolio_features = transform.transform(portfolio)
    progress(f"Scoring and explaining the portfolio ({len(portfolio):,} clients)")
    proba, contrib, base = score(booster, platt, portfolio_features)

    # 0 = learnt from (every labelled client outside the holdout), 2 = holdout, 3 = unlabelled.
    split_code = np.full(len(train) + (0 if test is None else len(test)), 3, dtype=np.int8)
    split_code[: len(train)] = np.where(holdout, 2, 0)
    target = np.full(len(split_code), -1, dtype=np.int8)
    target[: len(y_all)] = y_all

    out = Path(out)
    tmp = out.with_name(out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / PORTFOLIO_DIR).mkdir(parents=True)
    booster.save_model(str(tmp / "model.ubj"))
    _write_json(tmp / "transform.json", transform.to_dict())
    decision = {
        "threshold": threshold,
        "cost_fn": config.cost_fn,
        "cost_fp": config.cost_fp,
        "platt": {"a": platt.a, "b": platt.b},
        "base_value": base,
        "grey_zone": list(grey_zone(threshold)),
    }
    _write_json(tmp / "decision.json", decision)
    importance = global_importance(contrib)
    _write_json(tmp / "metrics.json", metrics)
    _write_json(tmp / "performance.json", performance)
    _write_json(tmp / "fairness.json", fairness)
    arrays = {
        "ids": portfolio[ID_COLUMN].to_numpy(dtype=np.int64),
        "proba": proba,
        "contrib": contrib,
        # Column-major: comparisons read whole feature columns, which are then contiguous pages.
        "features": np.asfortranarray(portfolio_features, dtype=np.float32),
        "target": target[order],
        "split": split_code[order],
        "importance": importance.astype(np.float32),
    }
    categories: dict[str, list[str]] = {}
    for column in STORED_RAW_COLUMNS:
        values = portfolio[column]
        if FIELDS[column].categorical:
            codes, levels = pd.factorize(values, sort=True)
            arrays[f"raw_{column}"] = codes.astype(np.int16)  # -1 = missing
            categories[column] = [str(v) for v in levels]
        else:
            arrays[f"raw_{column}"] = values.to_numpy(dtype=np.float32, na_value=np.nan)
    for name, array in arrays.items():
        np.save(tmp / PORTFOLIO_DIR / f"{name}.npy", array)
    _write_json(tmp / PORTFOLIO_DIR / "categories.json", categories)
    (tmp / "model_card.md").write_text(
        render_model_card(metrics, decision, importance, transform.feature_names, len(portfolio), fairness),
        encoding="utf-8",
    )
    write_manifest(
        tmp,
        {
            "data_source": data_source,
            "n_clients": int(len(portfolio)),
            "seed": config.seed,
            "train_seconds": round(time.perf_counter() - started, 1),
        },
    )
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)  # readers never see a half-written folder
    progress(f"Artifacts written to {out} in {time.perf_counter() - started:.1f} s")
    return Artifacts(out)


def _sample(y: np.ndarray, size: int, seed: int) -> np.ndarray:
    """Sorted row numbers of a stratified sample of ``size`` rows (every row when there are not more)."""
    if len(y) <= size:
        return np.arange(len(y))
    from sklearn.model_selection import train_test_split

    rows, _ = train_test_split(np.arange(len(y)), train_size=size, stratify=y, random_state=seed)
    return np.sort(rows)


def _compare(
    labelled: pd.DataFrame,
    y: np.ndarray,
    folds: np.ndarray,
    config: TrainConfig,
    trained: crossval.Trained,
    progress: Callable[[str], None],
) -> dict:
    """``baseline`` and ``stability`` entries of metrics.json (empty when the config turns both off).

    Up to ``config.comparison_sample`` clients they use the training run itself; beyond, the product is
    cross-validated again on a stratified sample, same folds, so that both sides see the same clients.
    """
    if not (config.baseline or config.stability):
        return {}
    rows = _sample(y, config.comparison_sample, config.seed)
    if len(rows) < len(y):
        progress(f"Comparisons on a stratified sample of {len(rows):,} clients (same folds)")
        frame, y, folds = labelled.iloc[rows].reset_index(drop=True), y[rows], folds[rows]
        trained = crossval.train(frame, y, folds, config)
    else:
        frame = labelled
    result = crossval.comparison(
        frame, y, folds, config, trained, baseline=config.baseline, stability=config.stability, progress=progress
    )
    out = {}
    if config.baseline:
        out["baseline"] = {
            "description": (
                "plain XGBoost: 400 trees, learning rate 0.03, depth 4, min_child_weight 5, subsample 0.8, "
                "colsample 0.6; every application column but the protected ones, plus 5 ratios"
            ),
            "n": result["n"],
            "folds": result["folds"],
            "product_auc": result["product_auc"],
            "baseline_auc": result["baseline_auc"],
            "difference": result["difference"],
            "sampled": bool(len(rows) < len(labelled)),
        }
    if config.stability:
        out["stability"] = {**result["stability"], "n": result["n"], "sampled": bool(len(rows) < len(labelled))}
    return out


def _write_json(path: Path, data: dict) -> None:
    # allow_nan=False: a NaN would make invalid JSON; the writers turn undefined values into null.
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False), encoding="utf-8")

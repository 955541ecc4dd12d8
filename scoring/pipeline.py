"""End to end: raw application frames -> trained model -> scored portfolio -> artifact folder."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from scoring.artifacts import PORTFOLIO_DIR, Artifacts, write_manifest
from scoring.calibration import Platt
from scoring.explain import calibrated_contributions, global_importance, raw_contributions
from scoring.fairness import audit, audited_attributes, proxy_strength
from scoring.features import FeatureTransform
from scoring.fields import FIELDS, STORED_RAW_COLUMNS
from scoring.metrics import evaluate
from scoring.model import TrainConfig, margin, split_indices, train_booster
from scoring.model_card import render_model_card
from scoring.performance import page_metrics
from scoring.schema import ID_COLUMN, TARGET_COLUMN
from scoring.threshold import best_threshold

GREY_ZONE_WIDTH = 0.25  # +/- 25 % of the threshold, relative: close calls go to a human
_CHUNK = 50_000


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
    """Train on ``train``, score ``train`` + ``test`` as the portfolio and write the artifacts."""
    started = time.perf_counter()
    y = train[TARGET_COLUMN].to_numpy().astype(int)
    if y.sum() < 10 or (len(y) - y.sum()) < 10:
        from scoring.errors import DataError

        raise DataError("TARGET needs at least 10 defaulters and 10 non-defaulters to train")
    split = split_indices(y, config)
    progress(f"Fitting the feature transform on {len(split.train):,} training clients")
    transform = FeatureTransform.fit(train.iloc[split.train], config.protected)
    features = transform.transform(train)
    progress(
        f"Training XGBoost ({len(transform.features)} features, protected fields left out: "
        f"{', '.join(transform.protected) or 'none'}; early stopping on {len(split.valid):,} clients)"
    )
    booster, platt = train_booster(features, y, split, config, transform.feature_names, progress)

    valid_proba = platt.proba(margin(booster, features[split.valid]))
    threshold = best_threshold(y[split.valid], valid_proba, config.cost_fn, config.cost_fp)
    test_proba = platt.proba(margin(booster, features[split.test]))
    metrics = evaluate(y[split.test], test_proba, threshold, config.cost_fn, config.cost_fp)
    metrics.update(
        {
            "cost_fn": config.cost_fn,
            "cost_fp": config.cost_fp,
            "n_train": int(len(split.train)),
            "n_valid": int(len(split.valid)),
            "n_test": int(len(split.test)),
            "n_rounds": int(booster.num_boosted_rounds()),
            "calibration": (
                "Platt scaling of the XGBoost margin fitted on the validation split (the model is trained "
                "with scale_pos_weight, which shifts raw scores); the threshold is chosen on, and applied "
                "to, calibrated probabilities."
            ),
            "threshold_selection": "minimum of cost_fn*FN + cost_fp*FP on the validation split",
            "evaluated_on": "held-out test split, never used for training, early stopping, calibration or threshold",
            "data_source": data_source,
        }
    )
    progress(f"Held-out ROC AUC {metrics['roc_auc']:.4f}, threshold {threshold:.4f}")
    # The model page and the fairness audit read these; the dashboard never recomputes them per request.
    performance = page_metrics(y[split.test], test_proba, threshold, config.cost_fn, config.cost_fp)
    attributes = audited_attributes(transform.protected)
    progress(f"Fairness audit on the {len(split.test):,} held-out clients (by {', '.join(a.key for a in attributes)})")
    fairness = audit(y[split.test], test_proba, threshold, train.iloc[split.test], attributes=attributes, seed=config.seed)
    fairness["protected"] = list(transform.protected)
    fairness["evaluated_on"] = metrics["evaluated_on"]
    progress("Looking for proxies: how well the model's inputs predict each protected attribute")
    fairness["proxies"] = proxy_strength(
        features,
        transform.feature_names,
        train,
        split.train,
        split.test,
        attributes=attributes,
        seed=config.seed,
        n_jobs=config.n_jobs,
    )

    portfolio = train if test is None else pd.concat([train, test], ignore_index=True)
    order = np.argsort(portfolio[ID_COLUMN].to_numpy(), kind="stable")
    portfolio = portfolio.iloc[order].reset_index(drop=True)
    portfolio_features = features if test is None else np.vstack([features, transform.transform(test)])
    portfolio_features = portfolio_features[order]
    progress(f"Scoring and explaining the portfolio ({len(portfolio):,} clients)")
    proba, contrib, base = score(booster, platt, portfolio_features)

    split_code = np.full(len(train) + (0 if test is None else len(test)), 3, dtype=np.int8)
    split_code[split.train], split_code[split.valid], split_code[split.test] = 0, 1, 2
    target = np.full(len(split_code), -1, dtype=np.int8)
    target[: len(y)] = y

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


def _write_json(path: Path, data: dict) -> None:
    # allow_nan=False: a NaN would make invalid JSON; the writers turn undefined values into null.
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False), encoding="utf-8")

"""End to end: raw application frames -> trained model -> scored portfolio -> artifact folder."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from scoring import aggregates, crossval
from scoring.artifacts import PORTFOLIO_DIR, Artifacts, write_manifest
from scoring.calibration import Platt
from scoring.errors import DataError
from scoring.explain import calibrated_contributions, global_importance, raw_contributions
from scoring.fairness import audit, audited_attributes, proxy_strength
from scoring.fields import FIELDS, STORED_RAW_COLUMNS
from scoring.metrics import evaluate_with_intervals, segment_metrics
from scoring.model import TrainConfig, final_config, fold_ids, holdout_rows, margin, sized_config
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


@dataclass(frozen=True)
class Fitted:
    """The labelled clients (holdout apart), their folds, the sized configuration and the trained model."""

    config: TrainConfig
    y_all: np.ndarray  # every row of ``train``
    holdout: np.ndarray  # boolean mask over ``train``
    labelled: pd.DataFrame  # rows outside the holdout, renumbered
    y: np.ndarray
    folds: np.ndarray
    trained: crossval.Trained


class Phases:
    """Wall-clock and CPU seconds (user+sys of every thread of this process) of each phase, printed as they end."""

    def __init__(self, progress: Callable[[str], None]):
        self.progress = progress
        self.seconds: dict[str, dict[str, float]] = {}
        self._mark = (time.perf_counter(), time.process_time())

    def done(self, name: str) -> None:
        wall, cpu = time.perf_counter() - self._mark[0], time.process_time() - self._mark[1]
        self.seconds[name] = {"wall": round(wall, 1), "cpu": round(cpu, 1)}
        self.progress(f"[{name}: {wall:.1f} s wall, {cpu:.1f} s CPU]")
        self._mark = (time.perf_counter(), time.process_time())


def fit_model(train: pd.DataFrame, config: TrainConfig, progress: Callable[[str], None] = print) -> Fitted:
    """Holdout apart, settings by data size, stratified folds, cross-validation and the final refit."""
    y_all = train[TARGET_COLUMN].to_numpy().astype(int)
    holdout = holdout_rows(y_all, config.holdout, config.seed)
    y = y_all[~holdout]
    if y.sum() < MIN_PER_CLASS or (len(y) - y.sum()) < MIN_PER_CLASS:
        raise DataError(
            f"TARGET needs at least {MIN_PER_CLASS} defaulters and {MIN_PER_CLASS} non-defaulters to train"
            + (" (outside the holdout)" if holdout.any() else "")
        )
    labelled = train[~holdout].reset_index(drop=True)
    config = sized_config(len(y), config)
    folds = fold_ids(y, config.folds, config.seed)
    progress(
        f"{config.folds}-fold cross-validation ({config.repeats} fold draw{'s' if config.repeats > 1 else ''}, "
        f"{config.parallel_trees} tree{'s' if config.parallel_trees > 1 else ''} per round) on {len(y):,} labelled clients"
        + (f" ({int(holdout.sum()):,} more held out, never touched)" if holdout.any() else "")
        + f"; protected fields left out: {', '.join(config.protected) or 'none'}"
    )
    trained = crossval.train(labelled, y, folds, config, progress)
    progress(
        f"{len(trained.transform.features)} features; {trained.cv.n_rounds} rounds chosen on the mean out-of-fold log loss"
    )
    return Fitted(config, y_all, holdout, labelled, y, folds, trained)


def run_metrics(fitted: Fitted, train: pd.DataFrame, progress: Callable[[str], None] = print) -> dict:
    """metrics.json: out-of-fold estimates with intervals, holdout, segments (no comparison: ``comparisons``)."""
    config, trained, y = fitted.config, fitted.trained, fitted.y
    proba, threshold = trained.oof_proba, trained.threshold
    metrics = evaluate_with_intervals(y, proba, threshold, config.cost_fn, config.cost_fp, seed=config.seed)
    draws = f", mean of {config.repeats} fold draws" if config.repeats > 1 else ""
    metrics.update(
        {
            "cost_fn": config.cost_fn,
            "cost_fp": config.cost_fp,
            "n_labelled": int(len(y)),
            "n_folds": int(config.folds),
            "n_fold_draws": int(config.repeats),
            "n_holdout": int(fitted.holdout.sum()),
            "n_rounds": int(trained.cv.n_rounds),
            "n_trees": int(trained.cv.n_rounds * final_config(config).parallel_trees),
            "fold_auc": trained.cv.fold_auc,
            "params": final_config(config).reported_params(trained.transform.feature_names),
            "calibration": (
                "Platt scaling of the XGBoost margin fitted on the out-of-fold margins of every labelled client; "
                "the threshold is chosen on, and applied to, calibrated probabilities."
            ),
            "tree_count_selection": (
                f"minimum of the mean out-of-fold log loss over every fold model{draws} "
                f"({config.parallel_trees} tree(s) per round; the served model averages "
                f"{final_config(config).parallel_trees} per round)"
            ),
            "threshold_selection": (
                "minimum of the expected cost cost_fn*p (accept) vs cost_fp*(1-p) (refuse) of the probabilities "
                "calibrated on the out-of-fold margins, i.e. cost_fp/(cost_fp+cost_fn)"
            ),
            "observed_threshold": trained.observed_threshold,
            "evaluated_on": (
                f"out-of-fold predictions of {len(y):,} clients ({config.folds} folds{draws}): each client scored "
                "by models that never saw it; 95% bootstrap intervals"
            ),
        }
    )
    progress(
        f"Out-of-fold ROC AUC {metrics['roc_auc']:.4f} "
        f"[{metrics['intervals']['roc_auc'][0]:.4f}, {metrics['intervals']['roc_auc'][1]:.4f}], threshold {threshold:.4f}"
    )
    if fitted.holdout.any():
        held = train[fitted.holdout]
        held_proba = trained.platt.proba(margin(trained.booster, trained.transform.transform(held)))
        metrics["holdout"] = evaluate_with_intervals(
            fitted.y_all[fitted.holdout], held_proba, threshold, config.cost_fn, config.cost_fp, seed=config.seed
        )
        progress(
            f"Holdout ROC AUC {metrics['holdout']['roc_auc']:.4f} on {int(fitted.holdout.sum()):,} never-touched clients"
        )
    metrics["segments"] = segment_metrics(fitted.labelled, y, proba, threshold, seed=config.seed)
    return metrics


def fairness_audit(fitted: Fitted, evaluated_on: str, progress: Callable[[str], None] = print) -> dict:
    """fairness.json: group metrics on the out-of-fold predictions and the inputs' proxy strength."""
    config, trained, y, labelled = fitted.config, fitted.trained, fitted.y, fitted.labelled
    attributes = audited_attributes(trained.transform.protected)
    audited = _sample(y, FAIRNESS_SAMPLE, config.seed)
    progress(f"Fairness audit on {len(audited):,} out-of-fold predictions (by {', '.join(a.key for a in attributes)})")
    fairness = audit(
        y[audited],
        trained.oof_proba[audited],
        trained.threshold,
        labelled.iloc[audited],
        attributes=attributes,
        seed=config.seed,
    )
    fairness["protected"] = list(trained.transform.protected)
    fairness["evaluated_on"] = (
        evaluated_on
        if len(audited) == len(y)
        else (f"out-of-fold predictions of a stratified sample of {len(audited):,} of the {len(y):,} labelled clients")
    )
    progress("Looking for proxies: how well the model's inputs predict each protected attribute")
    fairness["proxies"] = proxy_strength(
        trained.transform.transform(labelled),
        trained.transform.feature_names,
        labelled,
        np.flatnonzero(fitted.folds != 0),
        np.flatnonzero(fitted.folds == 0),
        attributes=attributes,
        seed=config.seed,
        n_jobs=config.n_jobs,
    )
    return fairness


@dataclass(frozen=True)
class Scored:
    """The portfolio (labelled, holdout and unlabelled clients) sorted by id, with its scores."""

    frame: pd.DataFrame
    order: np.ndarray  # portfolio row -> row of train + test
    features: np.ndarray
    proba: np.ndarray
    contrib: np.ndarray
    base: float


def score_portfolio(
    fitted: Fitted, train: pd.DataFrame, test: pd.DataFrame | None, progress: Callable[[str], None] = print
) -> Scored:
    portfolio = train if test is None else pd.concat([train, test], ignore_index=True)
    order = np.argsort(portfolio[ID_COLUMN].to_numpy(), kind="stable")
    portfolio = portfolio.iloc[order].reset_index(drop=True)
    features = fitted.trained.transform.transform(portfolio)
    progress(f"Scoring and explaining the portfolio ({len(portfolio):,} clients)")
    proba, contrib, base = score(fitted.trained.booster, fitted.trained.platt, features)
    return Scored(portfolio, order, features, proba, contrib, base)


def write_artifacts(
    out: Path,
    fitted: Fitted,
    scored: Scored,
    metrics: dict,
    fairness: dict,
    manifest: dict,
    progress: Callable[[str], None] = print,
) -> Artifacts:
    """Write the artifact folder next to ``out`` and swap it in whole: readers never see a half-written one."""
    config, trained, portfolio = fitted.config, fitted.trained, scored.frame
    # 0 = learnt from (every labelled client outside the holdout), 2 = holdout, 3 = unlabelled.
    split_code = np.full(len(portfolio), 3, dtype=np.int8)
    split_code[: len(fitted.y_all)] = np.where(fitted.holdout, 2, 0)
    target = np.full(len(portfolio), -1, dtype=np.int8)
    target[: len(fitted.y_all)] = fitted.y_all

    out = Path(out)
    tmp = out.with_name(out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / PORTFOLIO_DIR).mkdir(parents=True)
    trained.booster.save_model(str(tmp / "model.ubj"))
    _write_json(tmp / "transform.json", trained.transform.to_dict())
    decision = {
        "threshold": trained.threshold,
        "cost_fn": config.cost_fn,
        "cost_fp": config.cost_fp,
        "platt": {"a": trained.platt.a, "b": trained.platt.b},
        "base_value": scored.base,
        "grey_zone": list(grey_zone(trained.threshold)),
    }
    _write_json(tmp / "decision.json", decision)
    importance = global_importance(scored.contrib)
    _write_json(tmp / "metrics.json", metrics)
    # The model page and the fairness audit read these; the dashboard never recomputes them per request.
    performance = page_metrics(fitted.y, trained.oof_proba, trained.threshold, config.cost_fn, config.cost_fp)
    _write_json(tmp / "performance.json", performance)
    _write_json(tmp / "fairness.json", fairness)
    arrays = {
        "ids": portfolio[ID_COLUMN].to_numpy(dtype=np.int64),
        "proba": scored.proba,
        "contrib": scored.contrib,
        # Column-major: comparisons read whole feature columns, which are then contiguous pages.
        "features": np.asfortranarray(scored.features, dtype=np.float32),
        "target": target[scored.order],
        "split": split_code[scored.order],
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
        render_model_card(metrics, decision, importance, trained.transform.feature_names, len(portfolio), fairness),
        encoding="utf-8",
    )
    # Portfolio-wide summaries whose size does not depend on the number of clients (served without the arrays).
    found = aggregates.of_portfolio(
        portfolio, scored.features, trained.transform.features, scored.proba, scored.contrib, trained.threshold
    )
    aggregates.save(found, tmp)
    write_manifest(tmp, {**manifest, "n_clients": int(len(portfolio)), "seed": config.seed})
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)
    progress(f"Artifacts written to {out}")
    return Artifacts(out)


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
    write the artifacts; each phase's wall-clock and CPU time is printed and kept in the manifest."""
    started = time.perf_counter()
    phases = Phases(progress)
    fitted = fit_model(train, config, progress)
    phases.done("cross-validation and final model")
    metrics = run_metrics(fitted, train, progress)
    metrics["data_source"] = data_source
    phases.done("metrics")
    metrics.update(comparisons(fitted, progress))
    phases.done("baseline and stability")
    fairness = fairness_audit(fitted, metrics["evaluated_on"], progress)
    phases.done("fairness audit")
    scored = score_portfolio(fitted, train, test, progress)
    phases.done("scoring and explanations")
    seconds = round(time.perf_counter() - started, 1)
    artifacts = write_artifacts(
        out,
        fitted,
        scored,
        metrics,
        fairness,
        {"data_source": data_source, "train_seconds": seconds, "timings": phases.seconds},
        progress,
    )
    phases.done("writing")
    progress(f"Trained and written in {time.perf_counter() - started:.1f} s")
    return artifacts


def _sample(y: np.ndarray, size: int, seed: int) -> np.ndarray:
    """Sorted row numbers of a stratified sample of ``size`` rows (every row when there are not more)."""
    if len(y) <= size:
        return np.arange(len(y))
    from sklearn.model_selection import train_test_split

    rows, _ = train_test_split(np.arange(len(y)), train_size=size, stratify=y, random_state=seed)
    return np.sort(rows)


def comparisons(fitted: Fitted, progress: Callable[[str], None] = print) -> dict:
    """``baseline`` and ``stability`` entries of metrics.json (empty when the config turns both off).

    Up to ``config.comparison_sample`` clients they use the training run itself; beyond, the product is
    cross-validated again on a stratified sample, same folds and same settings, so that both sides see the
    same clients (``sampled`` says so on the model card and the model page).
    """
    config, y, folds, trained, labelled = fitted.config, fitted.y, fitted.folds, fitted.trained, fitted.labelled
    if not (config.baseline or config.stability):
        return {}
    rows = _sample(y, config.comparison_sample, config.seed)
    sampled = bool(len(rows) < len(y))
    if sampled:
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
            "sampled": sampled,
        }
    if config.stability:
        out["stability"] = {**result["stability"], "n": result["n"], "sampled": sampled}
    return out


def _write_json(path: Path, data: dict) -> None:
    # allow_nan=False: a NaN would make invalid JSON; the writers turn undefined values into null.
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False), encoding="utf-8")

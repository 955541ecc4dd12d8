"""Evaluation protocols (pure given their inputs): repeated CV, learning curve, clustering.

Every fit goes through veille.tuning.fit_tuned, so all methods are tuned by the same rule."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from joblib import Parallel, delayed
from sklearn.cluster import KMeans
from sklearn.metrics import (
    accuracy_score,
    adjusted_rand_score,
    confusion_matrix,
    f1_score,
    normalized_mutual_info_score,
)
from sklearn.model_selection import RepeatedStratifiedKFold

from veille.tuning import EstimatorFactory, fit_tuned


def cv_splits(y: np.ndarray, folds: int, repeats: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Repeated stratified k-fold splits, identical for every method (needed by the paired tests)."""
    rskf = RepeatedStratifiedKFold(n_splits=folds, n_repeats=repeats, random_state=seed)
    return list(rskf.split(np.zeros(len(y)), y))


def _one_split(x, y, make_estimator, train, test, rule: dict, seed: int):
    start = time.perf_counter()
    fitted = fit_tuned(x[train], y[train], make_estimator, seed=seed, **rule)
    seconds = time.perf_counter() - start
    return fitted.model.predict(x[test]), fitted.c, seconds


def cross_validate(
    x,
    y: np.ndarray,
    make_estimator: EstimatorFactory,
    splits: list[tuple[np.ndarray, np.ndarray]],
    c_grid: tuple[float, ...],
    inner_folds: int,
    seed: int,
    folds_per_repeat: int,
    classes: list[str],
    n_jobs: int = 1,
) -> dict:
    """Outer repeated CV; C is chosen by an inner CV on the training fold only (nested, no leakage).

    Returns per-split scores, the chosen C per split, and the confusion matrix of the first repeat
    (each document predicted exactly once) with its predictions.
    """
    rule = {"c_grid": tuple(c_grid), "inner_folds": inner_folds, "tune_min_per_class": 2, "fixed_c": c_grid[0]}
    outputs = Parallel(n_jobs=n_jobs)(
        delayed(_one_split)(x, y, make_estimator, train, test, rule, seed + i) for i, (train, test) in enumerate(splits)
    )
    f1s, accs, chosen, fit_seconds = [], [], [], []
    first_repeat_pred = np.empty(len(y), dtype=object)
    for i, ((_, test), (pred, c, seconds)) in enumerate(zip(splits, outputs, strict=True)):
        f1s.append(f1_score(y[test], pred, average="macro"))
        accs.append(accuracy_score(y[test], pred))
        chosen.append(c)
        fit_seconds.append(seconds)
        if i < folds_per_repeat:
            first_repeat_pred[test] = pred
    return {
        "macro_f1": [float(v) for v in f1s],
        "accuracy": [float(v) for v in accs],
        "chosen_c": chosen,
        "fit_seconds_mean": float(np.mean(fit_seconds)),
        "confusion_matrix": confusion_matrix(y, first_repeat_pred.astype(str), labels=classes).tolist(),
        "first_repeat_predictions": first_repeat_pred.astype(str).tolist(),
    }


@dataclass(frozen=True)
class CurveDraw:
    """One random draw: a held-out test set and nested training sets (k per class for each k)."""

    test: np.ndarray
    train: dict[int, np.ndarray]


def curve_draws(y: np.ndarray, shots: tuple[int, ...], draws: int, test_fraction: float, seed: int) -> list[CurveDraw]:
    """Nested draws: train(k) grows within one draw, so the curve compares like with like.

    Sizes larger than the per-class pool are skipped.
    """
    classes = sorted(set(y.tolist()))
    result = []
    for d in range(draws):
        rng = np.random.default_rng([seed, d])
        test, pools = [], {}
        for cls in classes:
            rows = rng.permutation(np.flatnonzero(y == cls))
            n_test = max(1, round(len(rows) * test_fraction))
            test.extend(rows[:n_test].tolist())
            pools[cls] = rows[n_test:]
        smallest_pool = min(len(p) for p in pools.values())
        train = {k: np.sort(np.concatenate([pools[cls][:k] for cls in classes])) for k in shots if k <= smallest_pool}
        result.append(CurveDraw(test=np.sort(np.asarray(test)), train=train))
    return result


def _curve_draw(x, y, make_estimator, draw: CurveDraw, rule: dict, seed: int) -> dict:
    out = {}
    for k, train in draw.train.items():
        fitted = fit_tuned(x[train], y[train], make_estimator, seed=seed, **rule)
        pred = fitted.model.predict(x[draw.test])
        point = {
            "macro_f1": float(f1_score(y[draw.test], pred, average="macro")),
            "accuracy": float(accuracy_score(y[draw.test], pred)),
            "c": fitted.c,
            "tuned": fitted.tuned,
        }
        if not fitted.tuned:  # the fixed rule: also record what every other C of the grid would give
            point["by_c"] = {
                str(c): float(
                    f1_score(
                        y[draw.test],
                        make_estimator(c, len(train)).fit(x[train], y[train]).predict(x[draw.test]),
                        average="macro",
                    )
                )
                for c in rule["c_grid"]
            }
        out[str(k)] = point
    return out


def learning_curve(
    x,
    y: np.ndarray,
    make_estimator: EstimatorFactory,
    draws: list[CurveDraw],
    rule: dict,
    seed: int,
    n_jobs: int = 1,
) -> dict:
    """Macro-F1 and accuracy per size and per draw, C chosen by the shared rule (veille.tuning).

    `rule` holds c_grid, inner_folds, tune_min_per_class and fixed_c. Below tune_min_per_class the
    scores of every C of the grid are kept too (the sensitivity of the fixed rule).
    """
    per_draw = Parallel(n_jobs=n_jobs)(
        delayed(_curve_draw)(x, y, make_estimator, draw, rule, seed + 1000 * d) for d, draw in enumerate(draws)
    )
    out: dict[str, dict[str, list]] = {}
    for points in per_draw:
        for k, point in points.items():
            entry = out.setdefault(k, {"macro_f1": [], "accuracy": [], "chosen_c": [], "tuned": []})
            entry["macro_f1"].append(point["macro_f1"])
            entry["accuracy"].append(point["accuracy"])
            entry["chosen_c"].append(point["c"])
            entry["tuned"].append(point["tuned"])
            if "by_c" in point:
                by_c = entry.setdefault("by_c", {})
                for c, v in point["by_c"].items():
                    by_c.setdefault(c, []).append(v)
    return out


def clustering(x, y: np.ndarray, seeds: int, base_seed: int) -> dict:
    """KMeans with k = number of classes in the representation's own space, several seeds."""
    n_classes = len(set(y.tolist()))
    aris, nmis = [], []
    for s in range(seeds):
        labels = KMeans(n_clusters=n_classes, n_init=10, random_state=base_seed + s).fit_predict(x)
        aris.append(float(adjusted_rand_score(y, labels)))
        nmis.append(float(normalized_mutual_info_score(y, labels)))
    return {"ari": aris, "nmi": nmis}


def tsne_2d(x, seed: int) -> np.ndarray:
    """2-D t-SNE (cosine) for the illustration and the secondary, inflated t-SNE-then-KMeans ARI."""
    from sklearn.manifold import TSNE

    dense = x.toarray() if hasattr(x, "toarray") else np.asarray(x)
    perplexity = min(30.0, max(5.0, (len(dense) - 1) / 4))
    tsne = TSNE(n_components=2, metric="cosine", init="pca", perplexity=perplexity, random_state=seed)
    return tsne.fit_transform(dense).astype(np.float32)

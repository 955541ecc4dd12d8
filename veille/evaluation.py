"""Evaluation protocols (pure given their inputs): repeated CV, learning curve, clustering."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sklearn.cluster import KMeans
from sklearn.metrics import (
    accuracy_score,
    adjusted_rand_score,
    confusion_matrix,
    f1_score,
    normalized_mutual_info_score,
)
from sklearn.model_selection import GridSearchCV, RepeatedStratifiedKFold, StratifiedKFold
from tqdm.auto import tqdm

EstimatorFactory = Callable[[float], object]


def cv_splits(y: np.ndarray, folds: int, repeats: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Repeated stratified k-fold splits, identical for every method (needed by the paired tests)."""
    rskf = RepeatedStratifiedKFold(n_splits=folds, n_repeats=repeats, random_state=seed)
    return list(rskf.split(np.zeros(len(y)), y))


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
    desc: str = "cv",
) -> dict:
    """Outer repeated CV; C is chosen by an inner CV on the training fold only (nested, no leakage).

    Returns per-split scores, the chosen C per split, and the confusion matrix of the first repeat
    (each document predicted exactly once).
    """
    f1s, accs, chosen, fit_seconds = [], [], [], []
    first_repeat_pred = np.empty(len(y), dtype=object)
    for i, (train, test) in enumerate(tqdm(splits, desc=desc, leave=False)):
        search = GridSearchCV(
            make_estimator(1.0),
            {"clf__C": list(c_grid)},
            cv=StratifiedKFold(inner_folds, shuffle=True, random_state=seed + i),
            scoring="f1_macro",
            n_jobs=1,
        )
        start = time.perf_counter()
        search.fit(x[train], y[train])
        fit_seconds.append(time.perf_counter() - start)
        pred = search.predict(x[test])
        f1s.append(f1_score(y[test], pred, average="macro"))
        accs.append(accuracy_score(y[test], pred))
        chosen.append(float(search.best_params_["clf__C"]))
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


def learning_curve(x, y: np.ndarray, make_estimator: EstimatorFactory, draws: list[CurveDraw], c: float) -> dict:
    """Macro-F1 and accuracy per k and per draw with a fixed C (too few examples for an inner CV)."""
    out: dict[str, dict[str, list[float]]] = {}
    for draw in draws:
        for k, train in draw.train.items():
            model = make_estimator(c).fit(x[train], y[train])
            pred = model.predict(x[draw.test])
            entry = out.setdefault(str(k), {"macro_f1": [], "accuracy": []})
            entry["macro_f1"].append(float(f1_score(y[draw.test], pred, average="macro")))
            entry["accuracy"].append(float(accuracy_score(y[draw.test], pred)))
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

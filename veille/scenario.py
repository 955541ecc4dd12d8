"""The company's scenario (pure given its inputs): ONE new category arrives with k labels among
well-labelled ones.

Each draw holds out a test set by near-duplicate group (a group never straddles training and test),
takes every remaining document of the established categories as training data, and adds k labelled
documents of the new category (k = 2 ... 64, nested within a draw). The new category rotates over the
draws, so every category takes that role in turn. The k labels are taken from distinct near-duplicate
groups first: an annotator labels k different products, not k copies of one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from joblib import Parallel, delayed
from sklearn.metrics import accuracy_score, f1_score

from veille.tuning import EstimatorFactory, fit_tuned


@dataclass(frozen=True)
class ScenarioDraw:
    new_class: str
    test: np.ndarray
    train: dict[int, np.ndarray]


def _grouped_test(rows: np.ndarray, groups: np.ndarray, fraction: float, rng: np.random.Generator) -> np.ndarray:
    """Whole near-duplicate groups of one class, in random order, until `fraction` of its rows."""
    order = rng.permutation(np.unique(groups[rows]))
    target, test = max(1, round(len(rows) * fraction)), []
    for g in order:
        if len(test) >= target:
            break
        test.extend(rows[groups[rows] == g].tolist())
    return np.asarray(test, dtype=int)


def _distinct_groups_first(pool: np.ndarray, groups: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Pool order for labelling: one document per group (random groups), then the remaining documents."""
    pool = rng.permutation(pool)
    _, first = np.unique(groups[pool], return_index=True)
    first = np.sort(first)
    heads = pool[rng.permutation(first)]
    rest = np.setdiff1d(pool, heads, assume_unique=True)
    return np.concatenate([heads, rng.permutation(rest)])


def new_category_draws(
    y: np.ndarray, groups: np.ndarray, shots: tuple[int, ...], draws: int, test_fraction: float, seed: int
) -> list[ScenarioDraw]:
    """Grouped draws of the one-new-category scenario; sizes above the new class's pool are skipped."""
    classes = sorted(set(y.tolist()))
    out = []
    for d in range(draws):
        rng = np.random.default_rng([seed, d, 17])
        new = classes[d % len(classes)]
        test, established, new_pool = [], [], np.array([], dtype=int)
        for cls in classes:
            rows = np.flatnonzero(y == cls)
            held = _grouped_test(rows, groups, test_fraction, rng)
            test.extend(held.tolist())
            pool = np.setdiff1d(rows, held)
            if cls == new:
                new_pool = _distinct_groups_first(pool, groups, rng)
            else:
                established.extend(pool.tolist())
        base = np.asarray(established, dtype=int)
        train = {k: np.sort(np.concatenate([base, new_pool[:k]])) for k in shots if k <= len(new_pool)}
        out.append(ScenarioDraw(new_class=new, test=np.sort(np.asarray(test, dtype=int)), train=train))
    return out


def _scenario_draw(x, y, make_estimator: EstimatorFactory, draw: ScenarioDraw, rule: dict, seed: int) -> dict:
    out = {}
    for k, train in draw.train.items():
        fitted = fit_tuned(x[train], y[train], make_estimator, seed=seed, **rule)
        pred = fitted.model.predict(x[draw.test])
        truth = y[draw.test]
        out[str(k)] = {
            "macro_f1": float(f1_score(truth, pred, average="macro")),
            "accuracy": float(accuracy_score(truth, pred)),
            "new_class_f1": float(f1_score(truth, pred, labels=[draw.new_class], average="macro", zero_division=0)),
            "c": fitted.c,
            "tuned": fitted.tuned,
        }
    return out


def evaluate(
    x, y: np.ndarray, make_estimator: EstimatorFactory, draws: list[ScenarioDraw], rule: dict, seed: int, n_jobs: int = 1
) -> dict:
    """Per k: macro-F1 over all categories, F1 of the new category, accuracy and chosen C, per draw."""
    per_draw = Parallel(n_jobs=n_jobs)(
        delayed(_scenario_draw)(x, y, make_estimator, draw, rule, seed + 1000 * d) for d, draw in enumerate(draws)
    )
    out: dict[str, dict[str, list]] = {}
    for d, points in enumerate(per_draw):
        for k, point in points.items():
            entry = out.setdefault(
                k, {"macro_f1": [], "new_class_f1": [], "accuracy": [], "chosen_c": [], "tuned": [], "draws": []}
            )
            for name in ("macro_f1", "new_class_f1", "accuracy"):
                entry[name].append(point[name])
            entry["chosen_c"].append(point["c"])
            entry["tuned"].append(point["tuned"])
            entry["draws"].append(d)
    return out

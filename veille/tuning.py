"""Classifier tuning rules shared by every method (pure given their inputs).

One rule for all methods, so that a gap between two methods is not a gap between two tunings:
- C is chosen by an inner stratified CV on the training set alone when every class has at least
  `tune_min_per_class` examples; below that there is too little data to validate on, and every method
  gets the same fixed C (the run reports how much the choice of C moves each method there).
- TF-IDF's `min_df` follows the training-set size (see `min_df_for`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sklearn.model_selection import StratifiedKFold

# make_estimator(C, n_train) -> unfitted sklearn estimator whose last step is named "clf"
EstimatorFactory = Callable[[float, int], object]

# Below this many training documents a two-document floor throws away most of the vocabulary
# (most words of a 14-document training set occur once); above it, words seen once are mostly noise.
MIN_DF_SWITCH = 500


def min_df_for(n_train: int) -> int:
    """TF-IDF document-frequency floor for a training set of `n_train` documents."""
    return 1 if n_train < MIN_DF_SWITCH else 2


@dataclass(frozen=True)
class Fitted:
    model: object
    c: float
    tuned: bool  # True: C chosen by inner CV; False: the fixed rule


def inner_cv_scores(
    x, y: np.ndarray, make_estimator: EstimatorFactory, c_grid: tuple[float, ...], folds: int, seed: int
) -> dict[float, float]:
    """Mean inner-CV macro-F1 of each C: the scores of scikit-learn's grid search, computed more cheaply.

    Per inner fold, the steps before the classifier (TF-IDF) are fitted once instead of once per C;
    the classifier itself is refitted from scratch for each C, exactly as in a grid search.
    """
    from sklearn.base import clone
    from sklearn.metrics import f1_score

    grid = sorted(c_grid)
    totals = dict.fromkeys(grid, 0.0)
    splitter = StratifiedKFold(folds, shuffle=True, random_state=seed)
    for train, valid in splitter.split(np.zeros(len(y)), y):
        pipeline = make_estimator(grid[0], len(train))
        xt, xv = x[train], x[valid]
        for _, step in pipeline.steps[:-1]:
            xt = step.fit_transform(xt, y[train])
            xv = step.transform(xv)
        for c in grid:
            clf = clone(pipeline.steps[-1][1]).set_params(C=c).fit(xt, y[train])
            totals[c] += f1_score(y[valid], clf.predict(xv), average="macro")
    return {c: totals[c] / folds for c in grid}


def fit_tuned(
    x,
    y: np.ndarray,
    make_estimator: EstimatorFactory,
    c_grid: tuple[float, ...],
    inner_folds: int,
    tune_min_per_class: int,
    fixed_c: float,
    seed: int,
) -> Fitted:
    """Fit on (x, y) with C chosen by the shared rule; the inner CV never sees anything but (x, y).

    Ties go to the smallest C (the most regularised model), as in scikit-learn's grid search.
    """
    n_train = len(y)
    smallest = int(np.unique(y, return_counts=True)[1].min())
    if smallest < tune_min_per_class:
        return Fitted(make_estimator(fixed_c, n_train).fit(x, y), float(fixed_c), False)
    if len(c_grid) < 2:
        return Fitted(make_estimator(c_grid[0], n_train).fit(x, y), float(c_grid[0]), False)
    scores = inner_cv_scores(x, y, make_estimator, c_grid, min(inner_folds, smallest), seed)
    best = max(scores, key=lambda c: (scores[c], -c))
    return Fitted(make_estimator(best, n_train).fit(x, y), float(best), True)

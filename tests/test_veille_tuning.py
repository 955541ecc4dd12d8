"""The shared tuning rule: inner CV from `tune_min_per_class` examples per class, one fixed C below, min_df by size."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import Pipeline

from veille import evaluation
from veille.methods import linear, tfidf
from veille.tuning import MIN_DF_SWITCH, fit_tuned, inner_cv_scores, min_df_for


def _blobs(per_class: int, seed: int = 0, noise: float = 1.0):
    rng = np.random.default_rng(seed)
    centres = np.array([[3.0, 0.0], [0.0, 3.0], [-3.0, -3.0]])
    x = np.vstack([c + noise * rng.normal(size=(per_class, 2)) for c in centres])
    return x, np.repeat(["a", "b", "c"], per_class)


class Spy:
    """An estimator factory that records the C of every estimator it builds."""

    def __init__(self):
        self.cs = []

    def __call__(self, c, n_train):
        self.cs.append(c)
        return linear.make_classifier(c, n_train)


def test_below_the_threshold_every_method_gets_the_fixed_c_and_no_inner_cv():
    x, y = _blobs(3)
    spy = Spy()
    fitted = fit_tuned(x, y, spy, (0.1, 1.0, 100.0), inner_folds=3, tune_min_per_class=4, fixed_c=10.0, seed=0)
    assert (fitted.c, fitted.tuned) == (10.0, False)
    assert spy.cs == [10.0]  # one fit, no search
    assert fitted.model.named_steps["clf"].C == 10.0


def test_from_the_threshold_c_comes_from_the_inner_cv_and_matches_a_grid_search():
    x, y = _blobs(12, noise=2.5)
    grid = (0.001, 0.01, 1.0, 100.0)
    fitted = fit_tuned(x, y, linear.make_classifier, grid, inner_folds=3, tune_min_per_class=4, fixed_c=10.0, seed=5)
    assert fitted.tuned and fitted.c in grid
    search = GridSearchCV(
        Pipeline([("clf", LogisticRegression(max_iter=3000))]),
        {"clf__C": list(grid)},
        cv=StratifiedKFold(3, shuffle=True, random_state=5),
        scoring="f1_macro",
    ).fit(x, y)
    assert fitted.c == search.best_params_["clf__C"]
    scores = inner_cv_scores(x, y, linear.make_classifier, grid, 3, 5)
    assert [scores[c] for c in grid] == pytest.approx(list(search.cv_results_["mean_test_score"]))
    assert scores[0.001] < scores[100.0]  # a crushed model loses: the search has something to choose


def test_inner_folds_never_exceed_the_smallest_class():
    x, y = _blobs(4)
    fitted = fit_tuned(x, y, linear.make_classifier, (0.1, 1.0), inner_folds=10, tune_min_per_class=4, fixed_c=1.0, seed=0)
    assert fitted.tuned  # 4 per class: 4 inner folds, not 10 (which would fail)


def test_min_df_follows_training_size():
    assert min_df_for(14) == 1 and min_df_for(MIN_DF_SWITCH - 1) == 1
    assert min_df_for(MIN_DF_SWITCH) == 2 and min_df_for(840) == 2
    docs = np.asarray(["red watch strap", "blue watch dial", "cotton towel soft", "bath towel cotton"], dtype=object)
    labels = np.asarray(["w", "w", "t", "t"])
    small = tfidf.make_classifier(1.0, len(docs)).fit(docs, labels).named_steps["tfidf"].vocabulary_
    assert "strap" in small and "dial" in small  # seen once: kept on a small training set
    large = tfidf.make_classifier(1.0, 10 * MIN_DF_SWITCH).fit(docs, labels).named_steps["tfidf"].vocabulary_
    assert "strap" not in large and "watch" in large and "towel" in large


def test_learning_curve_uses_the_rule_and_records_the_fixed_c_sensitivity():
    x, y = _blobs(20, noise=2.0)
    draws = evaluation.curve_draws(y, shots=(2, 8), draws=3, test_fraction=0.3, seed=1)
    rule = {"c_grid": (0.01, 1.0, 100.0), "inner_folds": 3, "tune_min_per_class": 4, "fixed_c": 1.0}
    curve = evaluation.learning_curve(x, y, linear.make_classifier, draws, rule, seed=0)
    assert curve["2"]["chosen_c"] == [1.0, 1.0, 1.0] and curve["2"]["tuned"] == [False] * 3
    assert set(curve["2"]["by_c"]) == {"0.01", "1.0", "100.0"} and all(len(v) == 3 for v in curve["2"]["by_c"].values())
    assert curve["2"]["by_c"]["1.0"] == pytest.approx(curve["2"]["macro_f1"])  # the fixed C's own scores
    assert curve["8"]["tuned"] == [True] * 3 and "by_c" not in curve["8"]
    assert all(c in rule["c_grid"] for c in curve["8"]["chosen_c"])

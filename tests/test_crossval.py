"""Cross-validated training's pure parts: folds, bootstrap intervals, segments, the baseline's inputs,
and the out-of-fold margins of ``cross_validate`` (issue 19)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import average_precision_score, roc_auc_score

from scoring.baseline import baseline_matrix
from scoring.fields import DEFAULT_PROTECTED
from scoring.metrics import (
    bootstrap_intervals,
    segment_metrics,
    weighted_auc,
    weighted_average_precision,
)
from scoring.model import (
    SIZE_TABLE,
    TrainConfig,
    cross_validate,
    final_config,
    fold_ids,
    folds_for,
    holdout_rows,
    learning_rate_for,
    sized_config,
)
from scoring.schema import TRAIN_COLUMNS


def _sorted(p, y):
    order = np.argsort(p, kind="stable")
    p, y = p[order], y[order]
    return p, y, np.flatnonzero(np.r_[True, p[1:] != p[:-1]]), order


@pytest.mark.parametrize("ties", [True, False])
def test_weighted_auc_and_average_precision_match_scikit_learn(ties):
    rng = np.random.default_rng(3)
    p = rng.random(4000)
    p = np.round(p, 2) if ties else p
    y = (rng.random(4000) < 0.3 * p).astype(float)
    w = rng.integers(0, 4, 4000).astype(float)
    ps, ys, starts, order = _sorted(p, y)
    assert weighted_auc(w[order], ys, starts) == pytest.approx(roc_auc_score(y, p, sample_weight=w), abs=1e-12)
    assert weighted_average_precision(w[order], ys, starts) == pytest.approx(
        average_precision_score(y, p, sample_weight=w), abs=1e-12
    )


def test_bootstrap_intervals_bracket_the_value_and_narrow_with_size():
    rng = np.random.default_rng(0)

    def width(n):
        p = rng.random(n)
        y = (rng.random(n) < 0.2 * p).astype(int)
        bounds = bootstrap_intervals(y, p, 0.5, 10, 1, seed=1)
        assert bounds["roc_auc"][0] < roc_auc_score(y, p) < bounds["roc_auc"][1]
        assert bounds["refusal_rate"][0] < (p >= 0.5).mean() < bounds["refusal_rate"][1]
        return bounds["roc_auc"][1] - bounds["roc_auc"][0]

    assert width(40_000) < width(2_000) / 2


def test_segments_count_clients_without_external_scores():
    rng = np.random.default_rng(1)
    n = 3000
    frame = pd.DataFrame({name: rng.random(n) for name in ("EXT_SOURCE_1", "EXT_SOURCE_2", "EXT_SOURCE_3")})
    frame.loc[:999, "EXT_SOURCE_1"] = np.nan
    frame.loc[:9, ["EXT_SOURCE_2", "EXT_SOURCE_3"]] = np.nan
    y = (rng.random(n) < 0.1).astype(int)
    p = rng.random(n)
    segments = segment_metrics(frame, y, p, 0.5)
    assert segments["no_external_scores"]["n"] == 10 and segments["no_external_scores"]["auc"] is None
    one = segments["missing_EXT_SOURCE_1"]
    assert one["n"] == 1000 and one["positives"] == int(y[:1000].sum())
    assert one["auc"] == pytest.approx(roc_auc_score(y[:1000], p[:1000]))
    assert one["auc_ci"][0] < one["auc"] < one["auc_ci"][1]


def test_folds_are_stratified_and_holdout_is_apart():
    y = np.r_[np.ones(100), np.zeros(900)].astype(int)
    folds = fold_ids(y, 5, 0)
    assert [int(y[folds == k].sum()) for k in range(5)] == [20] * 5
    assert np.array_equal(folds, fold_ids(y, 5, 0)) and not np.array_equal(folds, fold_ids(y, 5, 1))
    held = holdout_rows(y, 0.2, 0)
    assert held.sum() == 200 and y[held].sum() == 20 and not holdout_rows(y, 0.0, 0).any()
    assert folds_for(1000) == 5 and folds_for(300_000) == 3
    assert learning_rate_for(1000) < learning_rate_for(300_000)


def test_baseline_uses_every_column_but_the_protected_ones():
    frame = pd.DataFrame({c: [1.0, 2.0] for c in TRAIN_COLUMNS})
    for c in ("NAME_CONTRACT_TYPE", "CODE_GENDER", "NAME_FAMILY_STATUS", "OCCUPATION_TYPE"):
        frame[c] = ["a", None]
    full = baseline_matrix(frame, ())
    without = baseline_matrix(frame, DEFAULT_PROTECTED)
    assert full.shape[1] == len(TRAIN_COLUMNS) - 2 + 5  # id and target out, 5 ratios in
    assert without.shape[1] == full.shape[1] - len(DEFAULT_PROTECTED)


def test_out_of_fold_margins_come_from_models_that_never_saw_the_client():
    """Deep trees memorise pure-noise features in sample; the out-of-fold scores must stay at chance,
    with one fold draw and with the mean of several."""
    rng = np.random.default_rng(5)
    n = 2000
    y = (rng.random(n) < 0.2).astype(int)
    noise = rng.random((n, 2)).astype(np.float32)
    names = ["EXT_SOURCE_1", "EXT_SOURCE_2"]
    params = TrainConfig(n_jobs=1).xgb_params(1.0, names)
    params.update(max_depth=6, learning_rate=0.3, min_child_weight=0)
    draws = [(fold_ids(y, 5, seed), [noise] * 5) for seed in (0, 1)]
    for used in (draws[:1], draws):
        cv = cross_validate(used, y, params, names, max_rounds=60, patience=20)
        assert abs(roc_auc_score(y, cv.oof_margin) - 0.5) < 0.06
        assert 1 <= cv.n_rounds <= 60 and len(cv.fold_auc) == 5 * len(used) and cv.draws == len(used)
        assert len(cv.mean_logloss_curve) >= cv.n_rounds


def test_trees_stop_at_the_minimum_of_the_out_of_fold_log_loss():
    """A learnable signal: the chosen round is the minimum of the mean held-out log loss, and the patience
    stops the boosting once it has not improved for that many rounds."""
    rng = np.random.default_rng(2)
    n = 3000
    x = rng.normal(size=(n, 2)).astype(np.float32)
    y = (rng.random(n) < 1 / (1 + np.exp(-(x[:, 0] - 2)))).astype(int)
    names = ["EXT_SOURCE_1", "EXT_SOURCE_2"]
    params = TrainConfig(n_jobs=1).xgb_params(1.0, names)
    params.update(max_depth=6, learning_rate=0.3, min_child_weight=0, subsample=1.0, colsample_bytree=1.0)
    cv = cross_validate([(fold_ids(y, 3, 0), [x] * 3)], y, params, names, max_rounds=300, patience=15)
    curve = cv.mean_logloss_curve
    assert cv.n_rounds - 1 == int(np.argmin(curve))
    assert len(curve) == cv.n_rounds + 15 < 300  # over-fitting deep trees: stopped early, after the patience
    assert roc_auc_score(y, cv.oof_margin) > 0.68  # the signal itself allows ~0.73


def test_settings_follow_the_data_size_and_keep_what_the_user_set():
    small, large = sized_config(1_000), sized_config(300_000)
    assert (small.repeats, small.parallel_trees, small.folds) == (3, 5, 5)
    assert (large.repeats, large.parallel_trees, large.folds) == (1, 1, 3)
    assert large.max_rounds < small.max_rounds and large.max_bin == 128
    assert small.learning_rate == SIZE_TABLE[0].learning_rate < large.learning_rate
    mine = sized_config(1_000, TrainConfig(repeats=1, learning_rate=0.2))
    assert (mine.repeats, mine.learning_rate, mine.parallel_trees) == (1, 0.2, 5)
    params = small.xgb_params(1.0, [])
    assert params["num_parallel_tree"] == 5 and params["eval_metric"] == "logloss"
    assert sized_config(20_000).repeats == 3 and sized_config(20_001).repeats == 1
    assert final_config(small).parallel_trees == 15 and final_config(large).parallel_trees == 1

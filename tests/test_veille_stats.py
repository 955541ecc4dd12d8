"""Corrected resampled t-test and intervals, against hand-computed values."""

import math

import pytest

from veille.stats import corrected_resampled_ttest, mean_ci95, paired_ttest


def test_corrected_resampled_ttest_hand_checked():
    # d = [.01 .. .05]: mean .03, sample variance 2.5e-4; 5-fold so n_test/n_train = 1/4.
    # se = sqrt((1/5 + 1/4) * 2.5e-4) = sqrt(1.125e-4) = 0.0106066; t = .03 / .0106066 = 2.8284 (= 2*sqrt(2)).
    # Two-sided p with 4 degrees of freedom: 2 * P(T4 > 2.8284) = 0.04742 (t-table: t_4,0.975 = 2.776).
    a = [0.91, 0.92, 0.93, 0.94, 0.95]
    b = [0.90, 0.90, 0.90, 0.90, 0.90]
    t, p = corrected_resampled_ttest(a, b, test_train_ratio=0.25)
    assert t == pytest.approx(2 * math.sqrt(2), rel=1e-9)
    assert p == pytest.approx(0.04742, abs=2e-5)


def test_correction_makes_the_test_more_conservative():
    a = [0.91, 0.92, 0.93, 0.94, 0.95]
    b = [0.90] * 5
    t_naive, p_naive = paired_ttest(a, b)
    t_corr, p_corr = corrected_resampled_ttest(a, b, 0.25)
    # Naive: se = sqrt(2.5e-4 / 5) = 0.0070711, t = 4.2426.
    assert t_naive == pytest.approx(3 * math.sqrt(2), rel=1e-9)
    assert p_corr > p_naive


def test_sign_and_symmetry():
    a, b = [0.8, 0.82, 0.79, 0.81], [0.85, 0.86, 0.84, 0.88]
    t_ab, p_ab = corrected_resampled_ttest(a, b, 0.25)
    t_ba, p_ba = corrected_resampled_ttest(b, a, 0.25)
    assert t_ab < 0 < t_ba
    assert t_ab == pytest.approx(-t_ba)
    assert p_ab == pytest.approx(p_ba)


def test_identical_scores_give_p_one():
    assert corrected_resampled_ttest([0.9, 0.8, 0.7], [0.9, 0.8, 0.7], 0.25) == (0.0, 1.0)


def test_mean_ci95_hand_checked():
    # mean 2, sample sd 1 (n=3), t_2,0.975 = 4.3027: half-width 4.3027 / sqrt(3) = 2.4841.
    mean, half = mean_ci95([1.0, 2.0, 3.0])
    assert mean == 2.0
    assert half == pytest.approx(2.4841, abs=1e-4)
    # Corrected: factor 1/3 + 1/4 instead of 1/3.
    _, corrected = mean_ci95([1.0, 2.0, 3.0], test_train_ratio=0.25)
    assert corrected == pytest.approx(4.3027 * math.sqrt(1 / 3 + 1 / 4), abs=1e-3)


def test_single_value_has_no_interval():
    mean, half = mean_ci95([0.7])
    assert mean == 0.7 and math.isnan(half)

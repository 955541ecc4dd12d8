import numpy as np
import pytest

from scoring.calibration import Platt, expected_calibration_error, fit_platt, sigmoid
from scoring.threshold import bayes_threshold, best_threshold, business_cost, cost_curve


def _brute_force(y, p, cost_fn, cost_fp):
    candidates = np.concatenate([np.unique(p), [np.inf]])
    costs = [business_cost(y, p, t, cost_fn, cost_fp).cost for t in candidates]
    return candidates, np.array(costs)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_cost_curve_matches_brute_force(seed):
    rng = np.random.default_rng(seed)
    p = np.round(rng.random(300), 2)  # many ties on purpose
    y = (rng.random(300) < p * 0.5).astype(int)
    thresholds, cost = cost_curve(y, p, 10, 1)
    for t, c in zip(thresholds, cost, strict=True):
        assert c == business_cost(y, p, t, 10, 1).cost
    _, brute = _brute_force(y, p, 10, 1)
    assert cost.min() == brute.min()
    assert business_cost(y, p, best_threshold(y, p, 10, 1), 10, 1).cost == brute.min()


def test_threshold_moves_with_costs():
    rng = np.random.default_rng(4)
    p = rng.random(5000)
    y = (rng.random(5000) < p).astype(int)  # calibrated by construction
    low = best_threshold(y, p, cost_fn=20, cost_fp=1)
    high = best_threshold(y, p, cost_fn=2, cost_fp=1)
    assert low < high
    assert abs(best_threshold(y, p, 10, 1) - bayes_threshold(10, 1)) < 0.05


def test_bad_costs_rejected():
    with pytest.raises(ValueError):
        best_threshold(np.array([0, 1]), np.array([0.1, 0.9]), cost_fn=0)


def test_platt_recovers_a_known_calibration():
    rng = np.random.default_rng(0)
    margin = rng.normal(size=20_000)
    y = (rng.random(20_000) < sigmoid(0.5 * margin - 2)).astype(int)
    platt = fit_platt(margin, y)
    assert platt.a == pytest.approx(0.5, abs=0.08)
    assert platt.b == pytest.approx(-2, abs=0.1)
    assert expected_calibration_error(y, platt.proba(margin)) < 0.01
    assert expected_calibration_error(y, Platt().proba(margin)) > 0.1

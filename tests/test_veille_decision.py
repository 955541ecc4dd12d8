"""The third edition's additions, checked against hand-computed values: equivalence (TOST) and Holm's
adjustment, the one-new-category draws, label budget and euro costs, the recommendation rule, the
abstention table, `--methods` and the code-keyed cache."""

import sys
import types

import numpy as np
import pytest

from veille import decision, deploy, scenario
from veille.cache import code_digest
from veille.errors import VeilleError
from veille.selection import ALL_METHODS, parse_methods
from veille.stats import holm, tost


def test_tost_hand_checked():
    # d mean 0, sample variance 6.25e-5, se = sqrt(6.25e-5 / 5) = 0.0035355; t_0.95,4 = 2.1318.
    d = [0.01, 0.0, -0.01, 0.005, -0.005]
    wide = tost(d, margin=0.02)
    # (0 + 0.02) / 0.0035355 = 5.657: one-sided p with 4 df = 0.00241.
    assert wide["p_value"] == pytest.approx(0.00241, abs=2e-5)
    assert wide["equivalent"] is True
    assert wide["ci90"] == pytest.approx([-0.007537, 0.007537], abs=2e-6)
    narrow = tost(d, margin=0.005)  # t = 1.414: p = 0.115, not shown equivalent
    assert narrow["p_value"] == pytest.approx(0.1151, abs=5e-4)
    assert narrow["equivalent"] is False


def test_tost_refuses_a_shifted_difference_and_a_bad_margin():
    assert tost([0.05, 0.06, 0.04, 0.05], margin=0.02)["equivalent"] is False
    assert tost([0.01], margin=0.02)["equivalent"] is None
    with pytest.raises(ValueError):
        tost([0.0, 0.1], margin=0)


def test_holm_hand_checked():
    # sorted 0.01 x 3 = 0.03; 0.03 x 2 = 0.06; 0.04 x 1 = 0.04 -> kept monotone at 0.06.
    assert holm([0.01, 0.04, 0.03, None]) == pytest.approx([0.03, 0.06, 0.06, None])


def _labelled(per_class=40, classes=("a", "b", "c", "d"), twins=3):
    y = np.repeat(classes, per_class)
    # groups of `twins` consecutive documents of the same class (near-duplicates share a label)
    per_class_groups = -(-per_class // twins)
    groups = np.concatenate([i * per_class_groups + np.arange(per_class) // twins for i in range(len(classes))])
    return y, groups


def test_new_category_draws_hold_out_whole_groups_and_add_k_labels_of_one_class():
    y, groups = _labelled()
    draws = scenario.new_category_draws(y, groups, (2, 4, 8), draws=4, test_fraction=0.3, seed=1)
    assert [d.new_class for d in draws] == ["a", "b", "c", "d"]  # the new category rotates
    for d in draws:
        test_groups = set(groups[d.test].tolist())
        for k, train in d.train.items():
            assert not set(train.tolist()) & set(d.test.tolist())
            assert not set(groups[train].tolist()) & test_groups  # no group on both sides
            assert int((y[train] == d.new_class).sum()) == k
            new_rows = train[y[train] == d.new_class]
            assert len(set(groups[new_rows].tolist())) == k  # k different products, not k twins
            for other in set(y.tolist()) - {d.new_class}:  # established classes: their whole pool
                assert int((y[train] == other).sum()) == int((y == other).sum()) - int((y[d.test] == other).sum())
        assert set(d.train[2].tolist()) <= set(d.train[4].tolist()) <= set(d.train[8].tolist())  # nested


def test_scenario_evaluation_sees_the_new_class_improve_with_labels():
    rng = np.random.default_rng(0)
    y, groups = _labelled(per_class=60)
    centres = {c: rng.normal(scale=3.0, size=5) for c in "abcd"}
    x = np.vstack([centres[c] + rng.normal(size=5) for c in y])
    from veille.methods import linear

    draws = scenario.new_category_draws(y, groups, (2, 32), draws=4, test_fraction=0.3, seed=0)
    rule = {"c_grid": (0.1, 1.0, 10.0), "inner_folds": 3, "tune_min_per_class": 4, "fixed_c": 1.0}
    out = scenario.evaluate(x, y, linear.make_classifier, draws, rule, seed=0)
    assert set(out) == {"2", "32"}
    assert out["2"]["tuned"] == [False] * 4 and out["32"]["tuned"] == [True] * 4
    assert np.mean(out["32"]["new_class_f1"]) >= np.mean(out["2"]["new_class_f1"])
    assert all(0 <= v <= 1 for v in out["32"]["macro_f1"])


def test_cost_per_million_hand_checked():
    a = decision.Assumptions()
    # 36 s per 1,000 -> 36,000 s = 10 h per million; 300 MB fits a Basic dyno (7 $/month, 730 h).
    cost = decision.cost_per_million(36.0, 300.0, a)
    assert cost["hours"] == 10.0
    assert cost["dyno"] == "Basic" and cost["fits_web_dyno"] is True
    assert cost["dyno_eur"] == pytest.approx(10 * 7.0 * 0.92 / 730, abs=0.01)
    assert cost["machine_eur"] == pytest.approx(10 * 10.0 / 730, abs=0.01)
    big = decision.cost_per_million(36.0, 1400.0, a)  # 1.4 GB: Performance-M, not a web dyno
    assert big["dyno"] == "Performance-M" and big["fits_web_dyno"] is False
    assert decision.cost_per_million(None, 10.0, a) is None
    assert decision.smallest_dyno(20000.0) is None


def _scenario(new_f1: dict[int, float]) -> dict:
    return {str(k): {"new_class_f1_mean": v, "macro_f1_mean": v} for k, v in new_f1.items()}


def test_label_budget_and_labels_to_target():
    a = decision.Assumptions(labels_per_hour=60, analyst_eur_per_hour=40, target_new_class_f1=0.8)
    budget = decision.label_budget({"m": _scenario({2: 0.3, 8: 0.82, 32: 0.9})}, a)["m"]
    assert budget["labels_to_target"] == 8
    assert budget["hours_to_target"] == pytest.approx(8 / 60, abs=1e-3)
    assert budget["eur_to_target"] == pytest.approx(8 / 60 * 40, abs=0.01)
    assert [p["k"] for p in budget["points"]] == [2, 8, 32]
    assert decision.labels_to_target(_scenario({2: 0.1, 4: 0.2}), 0.8) is None


def test_recommendation_only_considers_recent_techniques():
    a = decision.Assumptions(max_age_years=4)
    scenarios = {
        "old": _scenario({2: 0.9, 8: 0.95}),
        "recent": _scenario({2: 0.5, 8: 0.85}),
        "recent_worse": _scenario({2: 0.4, 8: 0.6}),
        "classic": _scenario({2: 0.3, 8: 0.9}),
    }
    candidates = {"old": {"year": 2021}, "recent": {"year": 2024}, "recent_worse": {"year": 2023}, "classic": {"year": None}}
    rec = decision.recommend(candidates, scenarios, "classic", 2026, a)
    assert rec["method"] == "recent" and rec["release_year"] == 2024
    assert rec["ahead_of_classic_at"] == [2]
    assert rec["labels_to_target"] == 8
    assert decision.recommend({"old": {"year": 2021}}, scenarios, "classic", 2026, a) is None


def test_abstention_table_and_calibration_error():
    confidence = np.array([0.95, 0.9, 0.65, 0.55, 0.45])
    correct = np.array([True, True, False, True, False])
    rows = {r["threshold"]: r for r in deploy.abstention_table(confidence, correct, (0.5, 0.7))}
    assert rows[0.5] == {"threshold": 0.5, "abstained_share": 0.2, "accuracy_kept": 0.75}
    assert rows[0.7] == {"threshold": 0.7, "abstained_share": 0.6, "accuracy_kept": 1.0}
    # confidence 0.75 everywhere and 3 right out of 4: perfectly calibrated.
    assert deploy.expected_calibration_error(np.full(4, 0.75), np.array([1, 1, 1, 0], bool)) == pytest.approx(0.0)
    assert deploy.expected_calibration_error(np.full(4, 1.0), np.zeros(4, bool)) == pytest.approx(1.0)


def test_parse_methods():
    assert parse_methods(None) == ALL_METHODS
    assert parse_methods("tfidf,model2vec") == ("tfidf_logreg", "model2vec_logreg")
    assert parse_methods("model2vec") == ("tfidf_logreg", "model2vec_logreg")  # the baseline is always kept
    assert parse_methods("-setfit") == tuple(m for m in ALL_METHODS if m != "setfit_minilm")
    # skip SetFit but measure its cost per step (an optional probe, never run by default)
    assert parse_methods("-setfit,setfit-cost") == (*(m for m in ALL_METHODS if m != "setfit_minilm"), "setfit_cost")
    assert "setfit_cost" not in parse_methods(None)
    with pytest.raises(VeilleError, match="unknown"):
        parse_methods("tfidf,bert")
    with pytest.raises(VeilleError, match="baseline"):
        parse_methods("-tfidf")


def test_code_digest_follows_the_source(tmp_path, monkeypatch):
    def module(name: str, source: str) -> types.ModuleType:
        path = tmp_path / f"{name}.py"
        path.write_text(source)
        mod = types.ModuleType(name)
        mod.__file__ = str(path)
        return mod

    a1 = module("a_mod", "X = 1\n")
    first = code_digest(a1)
    assert code_digest(a1) == first
    (tmp_path / "a_mod.py").write_text("X = 2\n")
    assert code_digest(a1) != first
    assert code_digest(sys.modules["veille.scenario"]) == code_digest(scenario)

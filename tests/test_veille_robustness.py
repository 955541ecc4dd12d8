"""Near-duplicate groups for grouped CV, boilerplate stripping, zero-shot floor, per-class errors."""

from pathlib import Path

import numpy as np
import pytest

from veille import interpret, robustness, zeroshot
from veille.data import load_labelled_texts

FLIPKART = Path(__file__).resolve().parents[1] / "data/flipkart/flipkart_com-ecommerce_sample_1050.csv"

BASE = "analog watch for men with black leather strap and round steel dial water resistant"


def test_near_duplicates_with_the_same_label_share_a_group_and_chains_are_followed():
    texts = [
        BASE,
        BASE + " gift",  # near-duplicate of 0
        BASE + " gift box",  # near-duplicate of 1 (and 0): same group by chaining
        BASE,  # identical text but another label: never grouped with 0
        "cotton bath towel for babies soft and absorbent with hooded corner",
        "stainless steel pressure cooker with induction base and safety valve",
    ]
    y = np.asarray(["w", "w", "w", "x", "t", "k"])
    groups = robustness.near_duplicate_groups(texts, y, threshold=0.9)
    assert groups[0] == groups[1] == groups[2]
    assert groups[3] != groups[0]
    assert len({groups[3], groups[4], groups[5], groups[0]}) == 4
    stats = robustness.group_stats(groups)
    assert stats["docs_with_near_duplicate"] == 3 and stats["largest_group"] == 3


def test_grouped_splits_never_put_a_group_on_both_sides():
    y = np.repeat(["a", "b", "c"], 20)
    groups = np.arange(60)
    groups[[0, 1, 2]] = 0  # a group of three in class a
    groups[[20, 21]] = 20
    splits = robustness.grouped_cv_splits(y, groups, folds=5, repeats=2, seed=3)
    assert len(splits) == 10
    for train, test in splits:
        assert not set(groups[train]) & set(groups[test])
        assert sorted(np.concatenate([train, test]).tolist()) == list(range(60))


def test_boilerplate_is_stripped_and_product_words_kept():
    text = (
        "Maserati Time R8851116001 Analog Watch - For Boys - Buy Maserati Time R8851116001 Analog Watch - For Boys "
        "R8851116001 Online at Rs.24400 in India Only at Flipkart.com. - Great Discounts, Only Genuine Products, "
        "30 Day Replacement Guarantee, Free Shipping. Cash On Delivery!"
    )
    out = robustness.strip_boilerplate(text)
    assert out.startswith("Maserati Time R8851116001 Analog Watch")
    for cue in ("Flipkart", "Rs.", "24400", "Genuine", "Replacement", "Shipping", "Delivery", "Discounts", "Buy", "Online"):
        assert cue.lower() not in out.lower(), cue
    plain = "Cotton hooded towel, 70 x 140 cm, soft and absorbent."
    assert robustness.strip_boilerplate(plain) == plain
    assert robustness.strip_boilerplate("Buy online") == "Buy online"  # never an empty document


def test_on_the_real_catalogue_the_cues_are_gone_and_most_text_is_kept():
    data = load_labelled_texts(FLIPKART)
    texts, y = data.variants["description"], data.labels
    stripped = [robustness.strip_boilerplate(t) for t in texts]
    before = robustness.cue_shares(texts, y, data.classes)
    after = robustness.cue_shares(stripped, y, data.classes)
    assert before["Flipkart.com"]["Watches"] > 0.8 and before["Flipkart.com"]["Home Decor & Festive Needs"] == 0
    assert all(v == 0 for cue in after.values() for v in cue.values())
    assert np.mean([len(s) / len(t) for s, t in zip(stripped, texts, strict=True)]) > 0.5
    groups = robustness.near_duplicate_groups(texts, y, 0.9)
    assert 0.1 < robustness.group_stats(groups)["share_with_near_duplicate"] < 0.3


def test_zero_shot_picks_the_most_similar_category_name():
    classes = ["Baby Care", "Watches"]
    labels = np.array([[1.0, 0.0], [0.0, 1.0]])
    docs = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]])
    pred = zeroshot.predict(docs, labels, classes)
    assert pred.tolist() == ["Baby Care", "Watches", "Baby Care"]
    y = np.array(["Baby Care", "Watches", "Watches"])
    scores = zeroshot.evaluate_on_draws(pred, y, [np.array([0, 1]), np.array([1, 2])])
    assert scores["0"]["accuracy"] == [1.0, 0.5]
    assert scores["0"]["macro_f1"][0] == 1.0 and scores["0"]["macro_f1"][1] < 1.0
    assert zeroshot.label_prompts(classes) == classes  # the names, unedited


def test_class_errors_lists_the_most_frequent_confusions_with_real_examples():
    y = np.array(["a", "a", "a", "b", "b", "c"])
    pred = ["a", "b", "b", "b", "c", "c"]
    texts = ["t0", "t1", "t2", "t3", "t4", "t5"]
    out = interpret.class_errors(y, pred, texts, ["a", "b", "c"])
    assert out["n_errors"] == 3
    assert out["confusions"][0] == {"true": "a", "predicted": "b", "count": 2, "examples": ["t1", "t2"]}
    assert out["confusions"][1]["examples"] == ["t4"]
    assert out["per_class"]["a"]["recall"] == pytest.approx(1 / 3, abs=1e-4)


def test_neighbour_examples_are_ones_their_neighbours_support():
    emb = np.array([[1.0, 0.0], [0.99, 0.14], [0.98, 0.2], [0.0, 1.0], [0.1, 0.99], [0.97, 0.24]])
    emb = emb / np.linalg.norm(emb, axis=1, keepdims=True)
    y = np.array(["w", "w", "w", "t", "t", "t"])  # doc 5 is a "t" that looks like the "w" docs
    tfidf_pred = ["t", "w", "w", "t", "t", "t"]  # TF-IDF wrong on 0
    embed_pred = ["w", "w", "w", "t", "t", "w"]  # embedding wrong on 5
    out = interpret.neighbour_explanations(emb, y, [f"d{i}" for i in range(6)], tfidf_pred, embed_pred)
    assert [n["text"] for n in out] == ["d0", "d5"]
    for n in out:
        labels = [v["label"] for v in n["neighbours"]]
        assert labels.count(n["embedding_pred"]) >= 2

"""Evaluation protocol: TF-IDF refitted inside each fold, nested learning-curve draws, clustering."""

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from veille import evaluation
from veille.methods import tfidf

WORDS = {
    "watch": ["analog", "strap", "dial", "wrist", "men"],
    "mug": ["ceramic", "coffee", "printed", "kitchen", "tea"],
    "towel": ["cotton", "bath", "baby", "soft", "terry"],
}


def _corpus(n_per_class: int = 12, seed: int = 0):
    rng = np.random.default_rng(seed)
    texts, labels = [], []
    for cls, words in WORDS.items():
        for i in range(n_per_class):
            texts.append(f"{cls}{i} " + " ".join(rng.choice(words, size=6)))  # unique token per document
            labels.append(cls)
    return np.asarray(texts, dtype=object), np.asarray(labels)


class RecordingTfidf(TfidfVectorizer):
    """Records which documents each fit saw (sklearn clones it, so the log lives on the class)."""

    seen: list = []  # reset by the test

    def fit_transform(self, raw_documents, y=None):
        RecordingTfidf.seen.append(frozenset(raw_documents))
        return super().fit_transform(raw_documents, y)

    def fit(self, raw_documents, y=None):
        RecordingTfidf.seen.append(frozenset(raw_documents))
        return super().fit(raw_documents, y)


def test_tfidf_is_fitted_inside_each_training_fold_only():
    x, y = _corpus()
    RecordingTfidf.seen = []
    splits = evaluation.cv_splits(y, folds=3, repeats=1, seed=0)

    def make(c, n_train):
        return Pipeline([("tfidf", RecordingTfidf()), ("clf", LogisticRegression(C=c, max_iter=500))])

    result = evaluation.cross_validate(x, y, make, splits, (1.0, 10.0), 2, 0, 3, sorted(WORDS))
    assert RecordingTfidf.seen, "the vectorizer was never fitted"
    all_docs = frozenset(x)
    train_sets = [frozenset(x[train]) for train, _ in splits]
    test_sets = [frozenset(x[test]) for _, test in splits]
    for fitted in RecordingTfidf.seen:
        assert fitted != all_docs
        # every fit (inner or final refit) is inside one outer training fold and never sees its test fold
        assert any(fitted <= tr and not (fitted & te) for tr, te in zip(train_sets, test_sets, strict=True))
    # the final refit of each outer split used exactly that split's training fold
    assert all(tr in RecordingTfidf.seen for tr in train_sets)
    assert 0.0 <= min(result["macro_f1"]) <= max(result["macro_f1"]) <= 1.0
    assert np.sum(result["confusion_matrix"]) == len(y)  # first repeat predicts each document once


def test_project_tfidf_classifier_vectorizes_in_the_pipeline():
    model = tfidf.make_classifier(1.0, n_train=10_000)
    assert isinstance(model.steps[0][1], TfidfVectorizer)
    x, y = _corpus()
    model.fit(x[:30], y[:30])
    vocab = model.named_steps["tfidf"].vocabulary_
    assert "watch0" not in vocab  # min_df=2 for a large training set: a one-document token is not learnt


def test_curve_draws_are_nested_stratified_and_disjoint_from_test():
    y = np.repeat(["a", "b", "c"], 20)
    draws = evaluation.curve_draws(y, shots=(2, 4, 8, 64), draws=3, test_fraction=0.3, seed=7)
    assert len(draws) == 3
    for draw in draws:
        assert 64 not in draw.train  # larger than the per-class pool (14): skipped
        assert len(draw.test) == 18
        previous = set()
        for k in (2, 4, 8):
            train = set(draw.train[k].tolist())
            assert previous <= train
            assert not train & set(draw.test.tolist())
            assert sorted(np.unique(y[draw.train[k]], return_counts=True)[1]) == [k, k, k]
            previous = train
    assert not np.array_equal(draws[0].test, draws[1].test)
    again = evaluation.curve_draws(y, shots=(2, 4, 8), draws=3, test_fraction=0.3, seed=7)
    assert all(np.array_equal(a.train[8], b.train[8]) for a, b in zip(draws, again, strict=True))


def test_clustering_recovers_separated_groups():
    rng = np.random.default_rng(0)
    centres = np.eye(3) * 10
    x = np.vstack([c + rng.normal(size=(20, 3)) for c in centres])
    y = np.repeat(["a", "b", "c"], 20)
    result = evaluation.clustering(x, y, seeds=2, base_seed=0)
    assert result["ari"] == pytest.approx([1.0, 1.0])
    shuffled = evaluation.clustering(x, rng.permutation(y), seeds=1, base_seed=0)
    assert shuffled["ari"][0] < 0.2

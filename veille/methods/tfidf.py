"""The classic approach: TF-IDF bag-of-words, fitted inside each training fold."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from veille.tuning import min_df_for

TFIDF_PARAMS = {
    "lowercase": True,
    "strip_accents": "unicode",
    "stop_words": "english",
    "ngram_range": (1, 2),
    "sublinear_tf": True,
}


def make_vectorizer(n_train: int | None = None) -> TfidfVectorizer:
    """min_df follows the training size (veille.tuning.min_df_for); unknown size: the full-corpus rule."""
    return TfidfVectorizer(**TFIDF_PARAMS, min_df=min_df_for(n_train if n_train is not None else 10**6))


def make_classifier(c: float = 1.0, n_train: int | None = None) -> Pipeline:
    """Vectorizer and classifier in one pipeline, so cross-validation refits TF-IDF on each train fold."""
    return Pipeline([("tfidf", make_vectorizer(n_train)), ("clf", LogisticRegression(C=c, max_iter=3000))])


# Character n-grams inside word boundaries: robust to spelling variants, plurals and unknown compounds.
CHAR_PARAMS = {
    "analyzer": "char_wb",
    "ngram_range": (2, 5),
    "lowercase": True,
    "strip_accents": "unicode",
    "sublinear_tf": True,
}


def make_char_svm(c: float = 1.0, n_train: int | None = None) -> Pipeline:
    """The classic side at its best: word 1-2-grams and character 2-5-grams, linear SVM (hinge loss)."""
    min_df = min_df_for(n_train if n_train is not None else 10**6)
    features = FeatureUnion([("word", make_vectorizer(n_train)), ("char", TfidfVectorizer(**CHAR_PARAMS, min_df=min_df))])
    return Pipeline([("tfidf", features), ("clf", LinearSVC(C=c, max_iter=5000))])


def as_input(texts: Sequence[str]) -> np.ndarray:
    """Raw texts as an indexable array (the pipeline vectorizes them per fold)."""
    return np.asarray(list(texts), dtype=object)


def unsupervised_features(texts: Sequence[str]) -> sparse.csr_matrix:
    """TF-IDF on the whole corpus for clustering: no labels are involved, so fitting on all is fair."""
    return make_vectorizer(len(texts)).fit_transform(list(texts))

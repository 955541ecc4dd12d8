"""The classic approach: TF-IDF bag-of-words, fitted inside each training fold."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

TFIDF_PARAMS = {
    "lowercase": True,
    "strip_accents": "unicode",
    "stop_words": "english",
    "ngram_range": (1, 2),
    "min_df": 2,
    "sublinear_tf": True,
}


def make_vectorizer() -> TfidfVectorizer:
    return TfidfVectorizer(**TFIDF_PARAMS)


def make_classifier(c: float = 1.0) -> Pipeline:
    """Vectorizer and classifier in one pipeline, so cross-validation refits TF-IDF on each train fold."""
    return Pipeline([("tfidf", make_vectorizer()), ("clf", LogisticRegression(C=c, max_iter=3000))])


def as_input(texts: Sequence[str]) -> np.ndarray:
    """Raw texts as an indexable array (the pipeline vectorizes them per fold)."""
    return np.asarray(list(texts), dtype=object)


def unsupervised_features(texts: Sequence[str]) -> sparse.csr_matrix:
    """TF-IDF on the whole corpus for clustering: no labels are involved, so fitting on all is fair."""
    return make_vectorizer().fit_transform(list(texts))


def cost_job(texts: Sequence[str], labels: Sequence[str], c: float) -> dict:
    """Vectorising time (fit + transform of the corpus), training time and pickled model size."""
    import pickle
    import time

    start = time.perf_counter()
    make_vectorizer().fit_transform(list(texts))
    vectorised = time.perf_counter()
    model = make_classifier(c).fit(as_input(texts), np.asarray(labels))
    return {
        "load_seconds": 0.0,
        "encode_seconds": round(vectorised - start, 3),
        "train_seconds": round(time.perf_counter() - vectorised, 3),
        "n_docs": len(texts),
        "model_size_mb": round(len(pickle.dumps(model)) / 2**20, 2),
    }

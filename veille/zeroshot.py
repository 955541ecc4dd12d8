"""Zero-shot floor: each document gets the category whose name is most similar (no labelled example).

It is what an embedding model gives before anyone labels anything; labelling effort has to beat it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.metrics import accuracy_score, f1_score


def label_prompts(classes: Sequence[str]) -> list[str]:
    """The category names themselves, unedited: no prompt engineering, so the floor stays a floor."""
    return [str(c) for c in classes]


def predict(doc_vectors: np.ndarray, label_vectors: np.ndarray, classes: Sequence[str]) -> np.ndarray:
    """Class of highest cosine similarity (vectors are L2-normalised, so a dot product)."""
    scores = np.asarray(doc_vectors) @ np.asarray(label_vectors).T
    return np.asarray(classes, dtype=object)[np.argmax(scores, axis=1)].astype(str)


def evaluate_on_draws(pred: np.ndarray, y: np.ndarray, tests: Sequence[np.ndarray]) -> dict:
    """Scores on each draw's test set, in the learning-curve format (one size: 0 labels per class)."""
    return {
        "0": {
            "macro_f1": [float(f1_score(y[t], pred[t], average="macro")) for t in tests],
            "accuracy": [float(accuracy_score(y[t], pred[t])) for t in tests],
        }
    }

"""The classifier shared by every frozen representation: multinomial logistic regression."""

from __future__ import annotations

from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline


def make_classifier(c: float = 1.0) -> Pipeline:
    # Same family and same hyper-parameter grid as the TF-IDF side; SetFit's default head is this model too.
    return Pipeline([("clf", LogisticRegression(C=c, max_iter=3000))])

"""The classifier shared by every frozen representation: multinomial logistic regression."""

from __future__ import annotations

from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline


def make_classifier(c: float = 1.0, n_train: int | None = None) -> Pipeline:
    # Same family and same C grid as the TF-IDF side; SetFit's default head is this model too.
    # n_train is unused (the factories share one signature: TF-IDF's min_df depends on it).
    return Pipeline([("clf", LogisticRegression(C=c, max_iter=3000))])

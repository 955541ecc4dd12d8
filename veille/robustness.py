"""Robustness checks (pure functions): near-duplicate groups for grouped CV, boilerplate stripping.

Near-duplicates: two descriptions of the same product line (same label, almost the same words) put
one in the training fold and the other in the test fold, so plain CV partly measures recall of
memorised text. Grouping them keeps each group on one side of every split.

Boilerplate: the catalogue's sales formulas ("Buy ... online at Rs. 449 ... Flipkart.com. Great
Discounts, Only Genuine Products, ...") are unevenly spread over the categories (e.g. "Flipkart.com"
in most Watches descriptions and in no Home Decor one), so a classifier can learn the formula instead
of the product. Stripping them and measuring again tells how much the scores owe to these cues.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import StratifiedGroupKFold

# Sales and delivery formulas of the Flipkart catalogue, removed whole; product words are kept.
_BOILERPLATE = [
    r"\b(?:from\s+|at\s+)?flipkart\.com\s*:?",
    r"\b(?:only\s+)?(?:at|for)?\s*(?:only\s+)?rs\.?\s*[\d,]+(?:\.\d+)?",  # prices: "at Rs. 479", "only for Rs.22000"
    r"\bin india\b",
    r"\bonly at\b",
    r"\bgreat discounts\b",
    r"\blowest prices\b",
    r"\bonly genuine products\b",
    r"\b\d+\s*days?\s+replacement guarantee\b",
    r"\bfree shipping\b",
    r"\bcash on delivery\b",
    r"\bshop online for [a-z]+\b",
    r"\bat best prices?\b",
    r"\bwith\s*&",
    r"\bhuge collection of branded [a-z]+\b",
    r"\bbuy\b",
    r"\bonline\b",
]
_BOILERPLATE_RE = re.compile("|".join(f"(?:{p})" for p in _BOILERPLATE), re.IGNORECASE)
# Punctuation left dangling once the formulas are gone (". - , ." -> ".").
_DANGLING = re.compile(r"(?:\s*[-,.:!]\s*){2,}")

NEAR_DUPLICATE_TFIDF = {
    "lowercase": True,
    "strip_accents": "unicode",
    "stop_words": "english",
    "ngram_range": (1, 2),
    "min_df": 2,
    "sublinear_tf": True,
}

# Cues measured per class before and after stripping (shown in the note).
CUES = {
    "Flipkart.com": r"flipkart\.com",
    "Rs. + prix": r"\brs\.?\s*\d",
    "buy … online": r"\bbuy\b.{0,80}?\bonline\b",
    "great discounts": r"great discounts",
    "genuine products": r"genuine products",
}


def strip_boilerplate(text: str) -> str:
    """The description without the catalogue's sales formulas (never empty: falls back to the input)."""
    if not _BOILERPLATE_RE.search(text):
        return text
    # Twice: removing one formula can bring two others together ("with FREE shipping & ..." -> "with &").
    stripped = _BOILERPLATE_RE.sub(" ", _BOILERPLATE_RE.sub(" ", text))
    stripped = _DANGLING.sub(". ", stripped)
    stripped = " ".join(stripped.split()).strip(" .,-:!")
    return stripped or text


def cue_shares(texts: Sequence[str], y: np.ndarray, classes: Sequence[str]) -> dict[str, dict[str, float]]:
    """Share of each class's documents that contain each cue."""
    out = {}
    for name, pattern in CUES.items():
        hit = np.array([bool(re.search(pattern, t, re.IGNORECASE)) for t in texts])
        out[name] = {c: round(float(hit[y == c].mean()), 4) for c in classes}
    return out


def near_duplicate_groups(texts: Sequence[str], y: np.ndarray, threshold: float) -> np.ndarray:
    """Group id per document: connected components of pairs with TF-IDF cosine > threshold and the same label.

    The TF-IDF is the benchmark's own (bigrams, English stop words, min_df = 2), fitted on all texts
    without labels (a property of the corpus, as a deduplication step would be). Documents without a
    near-duplicate get a group of their own.
    """
    vectors = TfidfVectorizer(**NEAR_DUPLICATE_TFIDF).fit_transform(list(texts))
    sims = (vectors @ vectors.T).tocoo()
    parent = np.arange(len(texts))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j, s in zip(sims.row, sims.col, sims.data, strict=True):
        if i < j and s > threshold and y[i] == y[j]:
            ri, rj = root(i), root(j)
            if ri != rj:
                parent[max(ri, rj)] = min(ri, rj)
    roots = np.array([root(i) for i in range(len(texts))])
    _, groups = np.unique(roots, return_inverse=True)
    return groups


def group_stats(groups: np.ndarray) -> dict:
    sizes = np.bincount(groups)
    in_group = sizes[groups] > 1
    return {
        "n_groups": int(len(sizes)),
        "docs_with_near_duplicate": int(in_group.sum()),
        "share_with_near_duplicate": round(float(in_group.mean()), 4),
        "largest_group": int(sizes.max()),
    }


def grouped_cv_splits(
    y: np.ndarray, groups: np.ndarray, folds: int, repeats: int, seed: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Repeated stratified k-fold where a group never straddles training and test folds."""
    splits = []
    for r in range(repeats):
        sgkf = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed + r)
        splits.extend(sgkf.split(np.zeros(len(y)), y, groups))
    return splits

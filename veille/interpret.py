"""What drives the decisions: TF-IDF coefficients, nearest neighbours in embedding space, truncation."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from veille.methods import tfidf


def top_terms_per_class(texts: Sequence[str], y: np.ndarray, c: float, n_terms: int = 8) -> dict[str, list]:
    """Largest positive logistic-regression coefficients of each class (TF-IDF fitted on all rows)."""
    model = tfidf.make_classifier(c, len(texts)).fit(tfidf.as_input(texts), y)
    vocab = model.named_steps["tfidf"].get_feature_names_out()
    clf = model.named_steps["clf"]
    out = {}
    for row, cls in zip(clf.coef_, clf.classes_, strict=True):
        top = np.argsort(row)[::-1][:n_terms]
        out[str(cls)] = [[str(vocab[i]), round(float(row[i]), 2)] for i in top]
    return out


def _snippet(text: str, n: int = 140) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def neighbour_explanations(
    embeddings: np.ndarray,
    y: np.ndarray,
    texts: Sequence[str],
    pred_tfidf: Sequence[str],
    pred_embed: Sequence[str],
    n_examples: int = 3,
    k: int = 3,
) -> list[dict]:
    """Documents where the two approaches disagree, with their nearest labelled neighbours (cosine).

    A frozen-embedding classifier has no word weights; its decisions read through the closest
    examples, which is how an analyst can check them. Only cases whose neighbours' majority label is
    the embedding classifier's answer are shown: an example whose neighbours say something else would
    not illustrate this reading (the classifier is not a nearest-neighbour vote).
    """
    pred_tfidf, pred_embed = np.asarray(pred_tfidf), np.asarray(pred_embed)
    candidates = [int(i) for i in np.flatnonzero((pred_tfidf != y) & (pred_embed == y))]
    candidates += [int(i) for i in np.flatnonzero((pred_tfidf == y) & (pred_embed != y))]
    out, per_side = [], {True: 0, False: 0}
    for i in candidates:
        sims = embeddings @ embeddings[i]
        sims[i] = -np.inf
        nearest = np.argsort(sims)[::-1][:k]
        labels = [str(y[j]) for j in nearest]
        majority = max(set(labels), key=labels.count)
        side = bool(pred_embed[i] == y[i])
        if majority != str(pred_embed[i]) or labels.count(majority) * 2 <= k or per_side[side] >= n_examples:
            continue
        per_side[side] += 1
        out.append(
            {
                "text": _snippet(texts[i]),
                "true": str(y[i]),
                "tfidf_pred": str(pred_tfidf[i]),
                "embedding_pred": str(pred_embed[i]),
                "neighbours": [
                    {
                        "label": str(y[j]),
                        "similarity": round(float(sims[j]), 3),
                        "text": _snippet(texts[j], 90),
                    }
                    for j in nearest
                ],
            }
        )
    return out


def class_errors(
    y: np.ndarray, pred: Sequence[str], texts: Sequence[str], classes: Sequence[str], n_pairs: int = 3, n_examples: int = 3
) -> dict:
    """Per-class recall/precision/F1 and the most frequent confusions, each with real examples."""
    from sklearn.metrics import precision_recall_fscore_support

    pred = np.asarray(pred).astype(str)
    precision, recall, f1, support = precision_recall_fscore_support(y, pred, labels=list(classes), zero_division=0)
    per_class = {
        c: {"precision": round(float(p), 4), "recall": round(float(r), 4), "f1": round(float(f), 4), "n": int(n)}
        for c, p, r, f, n in zip(classes, precision, recall, f1, support, strict=True)
    }
    pairs: dict[tuple[str, str], list[int]] = {}
    for i in np.flatnonzero(pred != y):
        pairs.setdefault((str(y[i]), str(pred[i])), []).append(int(i))
    top = sorted(pairs.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:n_pairs]
    return {
        "per_class": per_class,
        "n_errors": int((pred != y).sum()),
        "confusions": [
            {
                "true": t,
                "predicted": p,
                "count": len(rows),
                "examples": [_snippet(texts[i], 160) for i in rows[:n_examples]],
            }
            for (t, p), rows in top
        ],
    }


def token_lengths(texts: Sequence[str], model_dir: Path) -> np.ndarray:
    """Length of each text in MiniLM word pieces, special tokens included, without truncation."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return np.array([len(e.ids) for e in tokenizer.encode_batch(list(texts))])


def truncation_stats(lengths: np.ndarray, limits: Sequence[int]) -> dict:
    return {
        "n_docs": int(len(lengths)),
        "mean_tokens": round(float(lengths.mean()), 1),
        "median_tokens": float(np.median(lengths)),
        "p90_tokens": float(np.percentile(lengths, 90)),
        "max_tokens": int(lengths.max()),
        "truncated": {str(lim): int((lengths > lim).sum()) for lim in limits},
        "truncated_share": {str(lim): round(float((lengths > lim).mean()), 4) for lim in limits},
    }


def static_token_weights(
    model, vectors: np.ndarray, texts: Sequence[str], y: np.ndarray, c: float, n_terms: int = 8, min_df: int = 3
) -> dict[str, list]:
    """Word-level reading of Model2Vec + logistic regression.

    A document vector is the mean of its token vectors (then normalised), so the class score is, up to
    a positive factor, the mean over tokens of w_class · e_token: each token has a per-class weight,
    read like a TF-IDF coefficient. Scores are centred across classes (softmax ignores a common shift);
    only whole-word tokens found in at least `min_df` documents are listed.
    """
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(C=c, max_iter=3000).fit(vectors, y)
    encodings = model.tokenizer.encode_batch(list(texts), add_special_tokens=False)
    df: dict[int, int] = {}
    for enc in encodings:
        for token_id in set(enc.ids):
            df[token_id] = df.get(token_id, 0) + 1
    id_to_token = {i: t for t, i in model.tokenizer.get_vocab().items()}
    ids = [i for i, n in df.items() if n >= min_df and id_to_token.get(i, "#").isalpha()]
    table = np.asarray(model.embedding, dtype=np.float32)
    if getattr(model, "token_mapping", None) is not None:
        table = table[np.asarray(model.token_mapping)]
    scores = table[ids] @ clf.coef_.T
    scores -= scores.mean(axis=1, keepdims=True)
    out = {}
    for col, cls in enumerate(clf.classes_):
        top = np.argsort(scores[:, col])[::-1][:n_terms]
        out[str(cls)] = [[id_to_token[ids[i]], round(float(scores[i, col]), 2)] for i in top]
    return out


def snippet(text: str, n: int = 140) -> str:
    """Whitespace-normalised text cut at n characters (with an ellipsis)."""
    return _snippet(text, n)

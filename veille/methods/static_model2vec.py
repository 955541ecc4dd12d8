"""Model2Vec (Minishlab, 2024): static token embeddings distilled from MiniLM, no transformer at inference."""

from __future__ import annotations

from collections.abc import Sequence
from importlib import metadata
from pathlib import Path

import numpy as np

from veille.errors import VeilleError


def version() -> str:
    try:
        return metadata.version("model2vec")
    except metadata.PackageNotFoundError:
        return "missing"


def distill(source: Path, out_dir: Path, pca_dims: int) -> None:
    """Distil the local MiniLM folder into a static model saved in `out_dir` (offline, ~1 min)."""
    try:
        from model2vec.distill import distill as m2v_distill
    except ImportError as exc:
        raise VeilleError(f"model2vec distillation unavailable ({exc}); install the veille extra") from None
    model = m2v_distill(model_name=str(source), pca_dims=pca_dims, device="cpu")
    model.save_pretrained(str(out_dir))


def load(model_dir: Path):
    from model2vec import StaticModel

    return StaticModel.from_pretrained(str(model_dir))


def encode(model, texts: Sequence[str]) -> np.ndarray:
    """Mean of static token vectors, then L2-normalised like the MiniLM embeddings."""
    vectors = np.asarray(model.encode(list(texts), show_progress_bar=False), dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


def distill_job(source: Path, out_dir: Path, pca_dims: int) -> dict:
    import time

    from veille.resources import dir_size_mb

    start = time.perf_counter()
    distill(source, out_dir, pca_dims)
    return {
        "distill_seconds": round(time.perf_counter() - start, 2),
        "model_size_mb": round(dir_size_mb(out_dir), 1),
    }


def encode_job(model_dir: Path, texts: Sequence[str]) -> tuple[np.ndarray, dict]:
    """Load the static model and encode (meant for a fresh process; needs no torch)."""
    import time

    start = time.perf_counter()
    model = load(model_dir)
    loaded = time.perf_counter()
    vectors = encode(model, texts)
    return vectors, {
        "load_seconds": round(loaded - start, 2),
        "encode_seconds": round(time.perf_counter() - loaded, 3),
        "n_docs": len(texts),
    }

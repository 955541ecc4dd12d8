"""On-disk cache keyed by content: embeddings (.npy), JSON results and model directories.

Keys are SHA-256 digests of a canonical JSON of (kind, parameters, text digest), so a change of
model, parameter or any input text gives a new entry and nothing stale is reused.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np


def texts_digest(texts: Sequence[str]) -> str:
    """Digest of an ordered list of texts; length-prefixed so that ["ab", "c"] != ["a", "bc"]."""
    h = hashlib.sha256()
    for text in texts:
        data = text.encode("utf-8")
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


def cache_key(kind: str, params: dict[str, Any], texts: Sequence[str] | None = None) -> str:
    """Stable key: independent of dict order, sensitive to every parameter and every text."""
    payload = {"kind": kind, "params": params, "texts": texts_digest(texts) if texts is not None else None}
    canonical = json.dumps(payload, sort_keys=True, default=str, separators=(",", ":"))
    return f"{kind}-{hashlib.sha256(canonical.encode()).hexdigest()[:24]}"


def _atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    # Write then rename, so an interrupted run never leaves a truncated entry that a rerun would trust.
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


@dataclass(frozen=True)
class Cache:
    root: Path

    def _path(self, key: str, suffix: str) -> Path:
        return self.root / key.split("-", 1)[0] / f"{key}{suffix}"

    def load_json(self, key: str) -> Any | None:
        path = self._path(key, ".json")
        return json.loads(path.read_text()) if path.is_file() else None

    def save_json(self, key: str, value: Any) -> None:
        _atomic_write(self._path(key, ".json"), lambda p: p.write_text(json.dumps(value, indent=1)))

    def json(self, key: str, compute: Callable[[], Any]) -> tuple[Any, bool]:
        """Return (value, hit): the cached value, or compute, store and return it."""
        cached = self.load_json(key)
        if cached is not None:
            return cached, True
        value = compute()
        self.save_json(key, value)
        return value, False

    def array(self, key: str, compute: Callable[[], tuple[np.ndarray, dict]]) -> tuple[np.ndarray, dict, bool]:
        """Cached array plus its metadata (e.g. the cold encoding time, reported again on a warm run)."""
        npy, meta_path = self._path(key, ".npy"), self._path(key, ".meta.json")
        if npy.is_file() and meta_path.is_file():
            return np.load(npy), json.loads(meta_path.read_text()), True
        array, meta = compute()
        _atomic_write(npy, lambda p: np.save(p, array))
        _atomic_write(meta_path, lambda p: p.write_text(json.dumps(meta, indent=1)))
        return array, meta, False

    def model_dir(self, key: str) -> Path:
        return self.root / key.split("-", 1)[0] / key


def code_digest(*modules: object) -> str:
    """Digest of the source files of the given modules: a cache entry is keyed on the code that computed
    it, so editing an evaluation invalidates its results without a hand-bumped version number."""
    h = hashlib.sha256()
    for module in sorted(modules, key=lambda m: m.__name__):
        h.update(module.__name__.encode())
        h.update(Path(module.__file__).read_bytes())
    return h.hexdigest()[:16]

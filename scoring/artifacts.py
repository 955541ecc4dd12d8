"""Artifact folder: write with a sha256 manifest, load with verification.

Layout::

    manifest.json        versions, data source, sha256 and size of every file below
    model.ubj            XGBoost booster
    transform.json       fitted feature transform
    decision.json        threshold, costs, calibration, base value, grey zone
    metrics.json         held-out metrics
    performance.json     what the model page draws: ROC points, reliability bins, cost per threshold
    fairness.json        fairness audit by sex, age band and family status, and the proxy check
    model_card.md        human-readable summary
    portfolio/*.npy      scored portfolio, float32/int arrays opened memory-mapped
    portfolio/categories.json   level names of the categorical display columns
"""

from __future__ import annotations

import hashlib
import json
import platform
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path

import numpy as np

from scoring.calibration import Platt
from scoring.decision import Decision
from scoring.errors import ArtifactError
from scoring.features import FeatureTransform

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
PORTFOLIO_DIR = "portfolio"


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def library_versions() -> dict[str, str]:
    import pandas
    import sklearn
    import xgboost

    return {
        "python": platform.python_version(),
        "xgboost": xgboost.__version__,
        "numpy": np.__version__,
        "pandas": pandas.__version__,
        "scikit-learn": sklearn.__version__,
    }


def write_manifest(folder: Path, extra: dict) -> dict:
    folder = Path(folder)
    files = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.name != MANIFEST):
        rel = path.relative_to(folder).as_posix()
        files[rel] = {"sha256": sha256_file(path), "bytes": path.stat().st_size}
    manifest = {
        "format_version": FORMAT_VERSION,
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "versions": library_versions(),
        "files": files,
        **extra,
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return manifest


def verify_manifest(folder: Path, *, check_hashes: bool = True) -> dict:
    """Return the manifest, or raise ArtifactError naming the first missing/corrupt file."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ArtifactError(f"{folder}: artifact folder not found (run `python -m scoring train` first)")
    manifest_path = folder / MANIFEST
    if not manifest_path.is_file():
        raise ArtifactError(f"{manifest_path}: missing manifest, the artifacts are incomplete")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        files = manifest["files"]
    except (ValueError, KeyError, TypeError):
        raise ArtifactError(f"{manifest_path}: corrupt manifest") from None
    if manifest.get("format_version") != FORMAT_VERSION:
        raise ArtifactError(
            f"{manifest_path}: format {manifest.get('format_version')} is not supported "
            f"(expected {FORMAT_VERSION}); retrain with this version"
        )
    for rel, meta in files.items():
        path = folder / rel
        if not path.is_file():
            raise ArtifactError(f"{path}: missing artifact file")
        if path.stat().st_size != meta["bytes"]:
            raise ArtifactError(f"{path}: corrupt artifact file (size differs from the manifest)")
        if check_hashes and sha256_file(path) != meta["sha256"]:
            raise ArtifactError(f"{path}: corrupt artifact file (checksum differs from the manifest)")
    return manifest


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise ArtifactError(f"{path}: unreadable JSON artifact") from None


class Artifacts:
    """Read-only view of an artifact folder. Arrays are memory-mapped: workers share the pages."""

    def __init__(self, folder: Path, *, check_hashes: bool = True):
        self.folder = Path(folder)
        self.manifest = verify_manifest(self.folder, check_hashes=check_hashes)
        self.metrics = _read_json(self.folder / "metrics.json")
        decision = _read_json(self.folder / "decision.json")
        try:
            self.decision = Decision(
                threshold=float(decision["threshold"]),
                cost_fn=float(decision["cost_fn"]),
                cost_fp=float(decision["cost_fp"]),
                platt=Platt(**decision["platt"]),
                base_value=float(decision["base_value"]),
                grey_zone=tuple(decision["grey_zone"]),
            )
            self.transform = FeatureTransform.from_dict(_read_json(self.folder / "transform.json"))
        except (KeyError, TypeError, ValueError) as exc:
            raise ArtifactError(f"{self.folder}: incompatible artifacts ({exc})") from None

    @property
    def version(self) -> str:
        """Short content hash, used to key caches."""
        return hashlib.sha256(json.dumps(self.manifest["files"], sort_keys=True).encode()).hexdigest()[:12]

    @property
    def synthetic(self) -> bool:
        return self.manifest.get("data_source") == "synthetic"

    def array(self, name: str) -> np.ndarray:
        path = self.folder / PORTFOLIO_DIR / f"{name}.npy"
        try:
            return np.load(path, mmap_mode="r")
        except (OSError, ValueError):
            raise ArtifactError(f"{path}: unreadable array artifact") from None

    @cached_property
    def performance(self) -> dict | None:
        """ROC points, reliability bins and cost per threshold (None for artifacts written before them)."""
        return self._optional_json("performance.json")

    @cached_property
    def fairness(self) -> dict | None:
        """The fairness audit of the held-out clients (None for artifacts written before it)."""
        return self._optional_json("fairness.json")

    def _optional_json(self, name: str) -> dict | None:
        # Only files the manifest lists (and verified): an unlisted file is not part of these artifacts.
        return _read_json(self.folder / name) if name in self.manifest["files"] else None

    @cached_property
    def categories(self) -> dict[str, list[str]]:
        return _read_json(self.folder / PORTFOLIO_DIR / "categories.json")

    @cached_property
    def booster(self):
        """The XGBoost model, loaded on first use (the dashboard never needs it: scores are precomputed)."""
        import xgboost as xgb

        booster = xgb.Booster()
        try:
            booster.load_model(str(self.folder / "model.ubj"))
        except xgb.core.XGBoostError:
            raise ArtifactError(f"{self.folder / 'model.ubj'}: unreadable XGBoost model") from None
        return booster

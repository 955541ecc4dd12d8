"""Read-side of the scored portfolio: lookups, explanations, groups and neighbours.

Everything here is computed from memory-mapped arrays, so each Gunicorn worker shares the pages and
no XGBoost call happens while serving.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from scoring.artifacts import Artifacts
from scoring.decision import Verdict
from scoring.errors import UnknownClientError
from scoring.fields import FIELDS


@dataclass(frozen=True)
class ClientExplanation:
    client_id: int
    probability: float
    threshold: float
    decision: str  # GRANTED or REFUSED
    in_grey_zone: bool
    base_value: float  # calibrated log-odds
    margin: float  # base_value + sum(contributions): logit of probability
    contributions: dict[str, float]  # feature name -> calibrated log-odds contribution
    feature_values: dict[str, float]

    @property
    def verdict(self) -> Verdict:
        return Verdict(self.decision, self.in_grey_zone)

    def top_contributions(self, n: int) -> list[tuple[str, float]]:
        return sorted(self.contributions.items(), key=lambda kv: -abs(kv[1]))[:n]

    def to_json(self) -> dict:
        return {
            "client_id": self.client_id,
            "probability": self.probability,
            "threshold": self.threshold,
            "decision": self.decision,
            "in_grey_zone": self.in_grey_zone,
            "base_value": self.base_value,
            "margin": self.margin,
            "contributions": self.contributions,
            "feature_values": {k: (None if np.isnan(v) else v) for k, v in self.feature_values.items()},
        }


def id_prefix_ranges(prefix: str, max_digits: int = 12) -> list[tuple[int, int]]:
    """Integer ranges [lo, hi) of ids whose decimal form starts with ``prefix``."""
    if not prefix.isdigit():
        return []
    p = int(prefix)
    ranges = []
    for extra in range(0, max_digits - len(prefix) + 1):
        scale = 10**extra
        if p == 0 and extra > 0:
            break  # no id starts with 0 except 0 itself
        ranges.append((p * scale, (p + 1) * scale))
    return ranges


NEAREST_BLOCK = 16_384  # rows per block of the neighbour search (~1.3 MB per temporary)


class Portfolio:
    def __init__(self, artifacts: Artifacts):
        self.artifacts = artifacts
        self.decision = artifacts.decision
        self.feature_names: tuple[str, ...] = artifacts.transform.features

    @cached_property
    def ids(self) -> np.ndarray:
        return self.artifacts.array("ids")

    @cached_property
    def proba(self) -> np.ndarray:
        return self.artifacts.array("proba")

    @cached_property
    def contrib(self) -> np.ndarray:
        return self.artifacts.array("contrib")

    @cached_property
    def features(self) -> np.ndarray:
        return self.artifacts.array("features")

    @cached_property
    def importance(self) -> np.ndarray:
        return self.artifacts.array("importance")

    def __len__(self) -> int:
        return len(self.ids)

    def index_of(self, client_id: int) -> int:
        i = int(np.searchsorted(self.ids, client_id))
        if i >= len(self.ids) or int(self.ids[i]) != client_id:
            raise UnknownClientError(f"client {client_id} is not in the portfolio")
        return i

    def search(self, prefix: str, limit: int = 20) -> list[int]:
        """Ids starting with ``prefix`` (smallest first), without scanning the whole array."""
        found: list[int] = []
        for lo, hi in id_prefix_ranges(prefix.strip()):
            a, b = np.searchsorted(self.ids, [lo, hi])
            found.extend(int(x) for x in self.ids[a : min(b, a + limit)])
        return sorted(set(found))[:limit]

    def closest_ids(self, client_id: int, n: int = 4) -> list[int]:
        """The ids numerically closest to an unknown one (a mistyped digit is often off by a little)."""
        i = int(np.searchsorted(self.ids, client_id))
        window = self.ids[max(i - n, 0) : i + n]
        return sorted(sorted((int(x) for x in window), key=lambda x: (abs(x - client_id), x))[:n])

    def explanation(self, client_id: int) -> ClientExplanation:
        i = self.index_of(client_id)
        contrib = np.asarray(self.contrib[i], dtype=float)
        probability = float(self.proba[i])
        verdict = self.decision.verdict(probability)
        margin = float(self.decision.base_value + contrib.sum())
        return ClientExplanation(
            client_id=client_id,
            probability=probability,
            threshold=self.decision.threshold,
            decision=verdict.decision,
            in_grey_zone=verdict.grey,
            base_value=self.decision.base_value,
            margin=margin,
            contributions={name: float(v) for name, v in zip(self.feature_names, contrib, strict=True)},
            feature_values={name: float(v) for name, v in zip(self.feature_names, self.features[i], strict=True)},
        )

    # --- raw display columns -------------------------------------------------------------
    def raw(self, column: str) -> np.ndarray:
        """Display column: float32 values, or int16 codes (-1 missing) for categoricals."""
        return self.artifacts.array(f"raw_{column}")

    def levels(self, column: str) -> list[str]:
        return self.artifacts.categories.get(column, [])

    def raw_value(self, column: str, index: int) -> float | str | None:
        value = self.raw(column)[index]
        if FIELDS[column].categorical:
            return None if value < 0 else self.levels(column)[int(value)]
        return None if np.isnan(value) else float(value)

    def value(self, name: str, index: int) -> float | str | None:
        """Any registry field for one client: a stored raw column, a model feature, or computed from raw columns."""
        field = FIELDS[name]
        if name in self.raw_columns:
            return self.raw_value(name, index)
        if name in self.feature_names:
            value = float(self.features[index, self.feature_names.index(name)])
            return None if np.isnan(value) else value
        row = {source: np.asarray([self.raw(source)[index]], dtype=float) for source in field.sources}
        value = float(field.compute(row)[0])
        return None if np.isnan(value) else value

    @cached_property
    def raw_columns(self) -> frozenset[str]:
        """Raw columns stored per client in this artifact folder (from its manifest)."""
        prefix, suffix = "portfolio/raw_", ".npy"
        files = self.artifacts.manifest["files"]
        return frozenset(f[len(prefix) : -len(suffix)] for f in files if f.startswith(prefix) and f.endswith(suffix))

    @cached_property
    def category_levels(self) -> dict[str, list[str]]:
        """For each categorical model feature, level names indexed by their code."""
        return {name: sorted(codes, key=codes.get) for name, codes in self.artifacts.transform.category_codes.items()}

    @cached_property
    def feature_scale(self) -> np.ndarray:
        """Robust per-feature scale (IQR) for neighbour search, from a fixed sample of rows."""
        rows = np.linspace(0, len(self) - 1, min(len(self), 20_000)).astype(int)
        sample = np.asarray(self.features[rows], dtype=float)
        q75, q25 = np.nanpercentile(sample, 75, axis=0), np.nanpercentile(sample, 25, axis=0)
        scale = q75 - q25
        return np.where(scale > 0, scale, 1.0)

    def nearest(self, index: int, k: int, among: np.ndarray | None = None) -> np.ndarray:
        """Indices of the k clients most similar to ``index`` on the model's most important features."""
        top = np.argsort(-np.asarray(self.importance))[:10]
        scale = self.feature_scale[top]
        target = np.asarray(self.features[index, top], dtype=float) / scale
        candidates = np.arange(len(self)) if among is None else np.flatnonzero(among)
        candidates = candidates[candidates != index]
        k = min(k, len(candidates))
        if k == 0:
            return candidates[:0]
        # Distances by blocks of rows: a whole-portfolio copy of the features (float64, ~28 MB at 356k per
        # temporary, five of them at once) in two workers at a time made the memory peak under load.
        dist = np.empty(len(candidates))
        for start in range(0, len(candidates), NEAREST_BLOCK):
            rows = candidates[start : start + NEAREST_BLOCK]
            values = np.asarray(self.features[rows][:, top], dtype=float) / scale
            # Missing on either side counts as a moderate difference rather than excluding the client.
            diff = np.where(np.isnan(values) | np.isnan(target), 1.0, values - target)
            dist[start : start + len(rows)] = np.einsum("ij,ij->i", diff, diff)
        best = np.argpartition(dist, k - 1)[:k]
        return candidates[best[np.argsort(dist[best], kind="stable")]]

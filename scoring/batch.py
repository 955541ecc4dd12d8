"""Batch scoring with reasons: one pure function per chunk of clients, shared by the local and Dask engines.

For each client: probability of default, decision, grey zone, and the main reasons as the dashboard and the
letter word them (reason families, ``scoring.reasons``): the family, its most weighty field, its label in every
UI language, whether it raises or lowers the risk, and its weight in percentage points of probability.
The same transform, Booster, TreeSHAP and calibration as the portfolio build and the what-if: a client scored
here has the probability the dashboard shows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from scoring.artifacts import Artifacts
from scoring.calibration import sigmoid
from scoring.explain import calibrated_contributions, raw_contributions
from scoring.messages import LANGUAGES, translations
from scoring.reasons import FAMILIES, family_of, secant_slope
from scoring.schema import ID_COLUMN

N_REASONS = 3

_slopes = np.frompyfunc(secant_slope, 2, 1)  # the one definition of the slope, applied row by row


@dataclass(frozen=True)
class FamilyMatrix:
    """Which family each model feature belongs to, as a (features × families) 0/1 matrix."""

    keys: tuple[str, ...]
    matrix: np.ndarray

    @classmethod
    def of(cls, features: tuple[str, ...]) -> FamilyMatrix:
        families = [family_of(name) for name in features]
        keys = tuple(f.key for f in FAMILIES if f.key in families)
        matrix = np.zeros((len(features), len(keys)), dtype=np.float64)
        for i, key in enumerate(families):
            matrix[i, keys.index(key)] = 1.0
        return cls(keys, matrix)


def family_labels(languages: tuple[str, ...] = LANGUAGES) -> dict[str, dict[str, str]]:
    """Family key -> language -> the advisor's wording of the family."""
    return {f.key: {code: translations(code).gettext(f.label) for code in languages} for f in FAMILIES}


@dataclass(frozen=True)
class Scorer:
    """Everything a chunk needs, built once per process (a Dask worker builds its own)."""

    artifacts: Artifacts
    n_reasons: int = N_REASONS

    @cached_property
    def families(self) -> FamilyMatrix:
        return FamilyMatrix.of(self.artifacts.transform.features)

    @cached_property
    def labels(self) -> dict[str, dict[str, str]]:
        return family_labels()

    def columns(self) -> dict[str, str]:
        """Output column -> pandas dtype (the schema of every chunk, also Dask's ``meta``)."""
        out = {ID_COLUMN: "int64", "probability": "float64", "decision": "object", "grey_zone": "bool"}
        for k in range(1, self.n_reasons + 1):
            out[f"reason_{k}_family"] = "object"
            out[f"reason_{k}_field"] = "object"
            out.update({f"reason_{k}_label_{code}": "object" for code in LANGUAGES})
            out[f"reason_{k}_direction"] = "object"
            out[f"reason_{k}_points"] = "float64"
        return out

    def empty(self) -> pd.DataFrame:
        return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in self.columns().items()})

    def score(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Score a validated chunk in the application schema (pure: same chunk, same rows)."""
        if frame.empty:
            return self.empty()
        artifacts, decision = self.artifacts, self.artifacts.decision
        features = artifacts.transform.transform(frame)
        contrib, base = calibrated_contributions(raw_contributions(artifacts.booster, features), decision.platt)
        margin = base + contrib.sum(axis=1)
        probability = sigmoid(margin)
        out = {
            ID_COLUMN: frame[ID_COLUMN].to_numpy(dtype=np.int64),
            "probability": probability.astype(np.float64),
            "decision": decision.decisions(probability),
            "grey_zone": decision.in_grey_zone(probability),
        }
        out.update(self._reasons(contrib, base, margin))
        return pd.DataFrame(out, columns=list(self.columns()))

    def _reasons(self, contrib: np.ndarray, base: np.ndarray, margin: np.ndarray) -> dict[str, np.ndarray]:
        families = self.families
        by_family = contrib @ families.matrix  # SHAP is additive: a family's weight is the sum of its features'
        points = by_family * _slopes(base, margin).astype(np.float64)[:, None]
        order = np.argsort(-np.abs(by_family), axis=1, kind="stable")[:, : self.n_reasons]
        rows = np.arange(len(contrib))
        names = np.array(self.artifacts.transform.features, dtype=object)
        out: dict[str, np.ndarray] = {}
        for k in range(order.shape[1]):
            chosen = order[:, k]
            keys = np.array(families.keys, dtype=object)[chosen]
            in_family = families.matrix[:, chosen].T.astype(bool)  # (rows, features): the chosen family's features
            weights = np.where(in_family, np.abs(contrib), -1.0)
            out[f"reason_{k + 1}_family"] = keys
            out[f"reason_{k + 1}_field"] = names[np.argmax(weights, axis=1)]
            for code in LANGUAGES:
                out[f"reason_{k + 1}_label_{code}"] = np.array([self.labels[key][code] for key in keys], dtype=object)
            weight = by_family[rows, chosen]
            out[f"reason_{k + 1}_direction"] = np.where(weight >= 0, "raises", "lowers").astype(object)
            out[f"reason_{k + 1}_points"] = np.round(points[rows, chosen] * 100, 2)
        return out


def summary(scored: Mapping[str, float]) -> str:
    """One line for the end of a run."""
    n = int(scored["clients"])
    return (
        f"{n:,} clients scored: {scored['refused'] / max(n, 1):.1%} refused, "
        f"{scored['grey'] / max(n, 1):.1%} in the grey zone"
    )

"""The model's feature transform: one fitted, JSON-serialisable object used at training and serving.

Which features exist, how each is computed and from which raw columns is the field registry's
(``scoring.fields``); the transform adds what is learnt from data (category codes) and which features
this model uses (protected fields excluded). Training, portfolio scoring and simulations all go through
``FeatureTransform.transform``: one code path.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from scoring import fields as registry
from scoring.errors import DataError
from scoring.schema import TARGET_COLUMN

if TYPE_CHECKING:  # the serving side reads the transform without paying for a pandas import
    import pandas as pd

TRANSFORM_VERSION = 2


@dataclass(frozen=True)
class FeatureTransform:
    """Fitted state: the features used, and for each categorical one, level -> code ordered by default rate."""

    features: tuple[str, ...]
    category_codes: dict[str, dict[str, int]]
    protected: tuple[str, ...] = registry.DEFAULT_PROTECTED
    version: int = TRANSFORM_VERSION

    @property
    def feature_names(self) -> list[str]:
        return list(self.features)

    @property
    def fields(self) -> tuple[registry.Field, ...]:
        return tuple(registry.FIELDS[name] for name in self.features)

    @property
    def required_columns(self) -> tuple[str, ...]:
        return registry.sources_of(self.features)

    def index(self, name: str) -> int:
        return self.features.index(name)

    @classmethod
    def fit(cls, frame: pd.DataFrame, protected: tuple[str, ...] = registry.DEFAULT_PROTECTED) -> FeatureTransform:
        """Learn category codes; ordering by default rate lets trees split on risk with few cuts."""
        unknown = [name for name in protected if name not in registry.FIELDS]
        if unknown:
            raise DataError(f"unknown protected field(s): {', '.join(unknown)}")
        chosen = tuple(f.name for f in registry.model_features(tuple(protected)))
        _check_columns(frame, registry.sources_of(chosen))
        target = frame[TARGET_COLUMN].astype(float) if TARGET_COLUMN in frame else None
        codes: dict[str, dict[str, int]] = {}
        for name in chosen:
            if not registry.FIELDS[name].categorical:
                continue
            values = frame[name]
            seen = values.notna()
            if target is not None:
                stats = target[seen].groupby(values[seen]).agg(["sum", "count"])
                prior = float(target.mean())
                risk = (stats["sum"] + 20 * prior) / (stats["count"] + 20)
                order = risk.sort_values(kind="stable").index
            else:
                order = values[seen].value_counts().index
            codes[name] = {str(level): i for i, level in enumerate(order)}
        return cls(features=chosen, category_codes=codes, protected=tuple(protected))

    def transform(self, frame: pd.DataFrame | Mapping[str, np.ndarray]) -> np.ndarray:
        """Return the float32 model matrix (rows of ``frame``, columns of ``features``).

        ``frame`` is a DataFrame, or a mapping of raw column -> 1-D array (simulations in the web workers,
        which never import pandas); both give the same matrix.
        """
        _check_columns(frame, self.required_columns)
        columns = []
        for field in self.fields:
            if field.categorical:
                columns.append(_category_codes(frame[field.name], self.category_codes[field.name]))
            else:
                columns.append(np.asarray(field.compute(frame), dtype=float))
        return np.column_stack(columns).astype(np.float32)

    def to_dict(self) -> dict:
        return {
            "version": self.version,
            "features": list(self.features),
            "protected": list(self.protected),
            "category_codes": self.category_codes,
        }

    @classmethod
    def from_dict(cls, data: dict) -> FeatureTransform:
        if data.get("version") != TRANSFORM_VERSION:
            raise ValueError("feature transform was written by another version of the code")
        features = tuple(data["features"])
        unknown = [name for name in features if name not in registry.FIELDS or not registry.FIELDS[name].model]
        if unknown:
            raise ValueError(f"unknown model features {', '.join(unknown[:5])}")
        protected = tuple(data.get("protected", registry.DEFAULT_PROTECTED))
        if set(features) & set(protected):
            raise ValueError("a protected field is a model input")
        return cls(
            features=features,
            category_codes={k: dict(v) for k, v in data["category_codes"].items()},
            protected=protected,
        )


def _category_codes(values, codes: dict[str, int]) -> np.ndarray:
    """Level -> code; missing and unseen levels are NaN (the trees' missing branch)."""
    if hasattr(values, "map"):
        return values.astype(object).map(codes).to_numpy(dtype=float, na_value=np.nan)
    return np.array([codes.get(v, np.nan) if isinstance(v, str) else np.nan for v in values], dtype=float)


def _check_columns(frame, required: tuple[str, ...]) -> None:
    present = frame.columns if hasattr(frame, "columns") else frame.keys()
    missing = [c for c in required if c not in present]
    if missing:
        raise DataError(f"missing columns for the model: {', '.join(missing[:8])}")

"""The client store protocol, its row and score types, and its errors (no backend here)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from scoring import fields as registry
from scoring.errors import ScoringError
from scoring.portfolio import ClientExplanation


class StoreUnavailable(ScoringError):
    """The client database does not answer (down, unreachable or too slow): the page says so, the rest works."""


class InvalidClientRow(ScoringError):
    """A stored client row holds values no application can have: that client cannot be shown."""


class NeighboursUnavailable(ScoringError):
    """This store cannot find similar clients."""


@dataclass(frozen=True)
class Scored:
    """The batch score of a client as stored: probability, decision and the model version that gave them."""

    probability: float
    decision: str
    model_version: str


@dataclass(frozen=True)
class ClientRow:
    """A client's raw registry fields (Kaggle names; categoricals as their level, missing as None)."""

    client_id: int
    values: Mapping[str, float | str | None]
    in_training: bool = False

    def value(self, name: str) -> float | str | None:
        """Any registry field: a raw column, or computed from raw columns (a derived model feature)."""
        if name in self.values:
            return self.values[name]
        spec = registry.FIELDS[name]
        if spec.compute is None:
            return None
        import numpy as np

        row = {s: np.asarray([_float(self.values.get(s))], dtype=float) for s in spec.sources}
        value = float(spec.compute(row)[0])
        return None if math.isnan(value) else value


def _float(value) -> float:
    return math.nan if value is None or isinstance(value, str) else float(value)


# Money a loaded row never holds at zero or below (scoring.loading.clean_anomalies makes them missing).
POSITIVE_AMOUNTS = frozenset({"AMT_INCOME_TOTAL", "AMT_CREDIT", "AMT_ANNUITY", "AMT_GOODS_PRICE"})


@runtime_checkable
class ClientStore(Protocol):
    model_version: str

    def get(self, client_id: int) -> ClientRow:
        """The client's raw row; UnknownClientError when absent."""

    def exists(self, client_id: int) -> bool: ...

    def search(self, prefix: str, limit: int = 20) -> list[int]:
        """Ids whose decimal form starts with ``prefix``, smallest first, by an index (no scan)."""

    def closest_ids(self, client_id: int, n: int = 4) -> list[int]: ...

    def scored(self, client_id: int) -> Scored | None: ...

    def explanation(self, client_id: int, row: ClientRow | None = None) -> ClientExplanation: ...

    def application(self, client_id: int, row: ClientRow | None = None):
        """The client as a what-if base (``scoring.simulate.Application``)."""

    def neighbours(self, client_id: int, k: int, group=None) -> list[int]:
        """Ids of the k nearest clients (``scoring.stores.neighbours.Group``: among a group), nearest first."""

    def features_of(self, ids: list[int]):
        """(model features, batch probabilities) of these clients, in this order."""


def check_row(row: ClientRow) -> ClientRow:
    """The row itself, or InvalidClientRow naming the first impossible value (a damaged or hand-edited row)."""
    for name, value in row.values.items():
        spec = registry.FIELDS.get(name)
        if spec is None or value is None:
            continue
        if spec.categorical:
            if spec.categories and value not in spec.categories:
                raise InvalidClientRow(f"client {row.client_id}: {name} = {value!r} is not a possible value")
            continue
        if isinstance(value, str) or not math.isfinite(float(value)):
            raise InvalidClientRow(f"client {row.client_id}: {name} = {value!r} is not a possible value")
        if name in POSITIVE_AMOUNTS and float(value) <= 0:  # the loader turns these into missing values
            raise InvalidClientRow(f"client {row.client_id}: {name} = {value!r} is not a possible value")
    return row

"""The embedded store: the artifact's memory-mapped portfolio (``make run``, the tests, one dyno without a database)."""

from __future__ import annotations

from dataclasses import replace
from functools import cached_property

import numpy as np

from scoring.artifacts import Artifacts
from scoring.derived import DAYS_PER_YEAR
from scoring.errors import UnknownClientError
from scoring.fields import FIELDS
from scoring.portfolio import ClientExplanation, Portfolio
from scoring.stores.base import ClientRow, Scored
from scoring.stores.neighbours import Group, in_group


class MemmapStore:
    def __init__(self, artifacts: Artifacts, portfolio: Portfolio | None = None):
        self.portfolio = portfolio if portfolio is not None else Portfolio(artifacts)
        self.artifacts = artifacts
        self.model_version = artifacts.version

    @cached_property
    def _split(self) -> np.ndarray:
        return self.artifacts.array("split")

    def exists(self, client_id: int) -> bool:
        try:
            self.portfolio.index_of(client_id)
        except UnknownClientError:
            return False
        return True

    @cached_property
    def _raw(self) -> dict[str, tuple[np.ndarray, list[str] | None]]:
        """Each raw column's memory map, opened once (opening ~120 files per client read took ~13 ms)."""
        p = self.portfolio
        return {
            column: (p.raw(column), p.levels(column) if FIELDS[column].categorical else None)
            for column in sorted(p.raw_columns)
        }

    def get(self, client_id: int) -> ClientRow:
        p = self.portfolio
        index = p.index_of(client_id)
        values = {}
        for column, (array, levels) in self._raw.items():
            value = array[index]
            if levels is not None:
                values[column] = None if value < 0 else levels[int(value)]
            else:
                values[column] = None if np.isnan(value) else float(value)
        # Model features that are not raw columns: kept so that ``value`` reads them as the batch computed them.
        for name, v in zip(p.feature_names, (float(v) for v in p.features[index]), strict=True):
            if name not in values:
                values[name] = None if np.isnan(v) else v
        return ClientRow(client_id, values, bool(int(self._split[index]) == 0))

    def search(self, prefix: str, limit: int = 20) -> list[int]:
        return self.portfolio.search(prefix, limit)

    def closest_ids(self, client_id: int, n: int = 4) -> list[int]:
        return self.portfolio.closest_ids(client_id, n)

    def scored(self, client_id: int) -> Scored | None:
        try:
            index = self.portfolio.index_of(client_id)
        except UnknownClientError:
            return None
        probability = float(self.portfolio.proba[index])
        return Scored(probability, self.artifacts.decision.verdict(probability).decision, self.model_version)

    def explanation(self, client_id: int, row: ClientRow | None = None) -> ClientExplanation:  # noqa: ARG002
        return self.portfolio.explanation(client_id)

    def application(self, client_id: int, row: ClientRow | None = None):  # noqa: ARG002
        from scoring.simulate import Application

        return Application.from_portfolio(self.portfolio, client_id)

    def neighbours(self, client_id: int, k: int, group: Group | None = None) -> list[int]:
        p = self.portfolio
        among = None if group is None else in_group(self._filters(), self._coded(group))
        return [int(p.ids[i]) for i in p.nearest(p.index_of(client_id), k, among=among)]

    def _coded(self, group: Group) -> Group:
        """The group with level names as the portfolio's codes (a level it lacks matches no client: -9)."""
        levels = {"gender": "CODE_GENDER", "contract": "NAME_CONTRACT_TYPE"}
        coded = {}
        for name, column in levels.items():
            value = getattr(group, name)
            if isinstance(value, str):
                names = self.portfolio.levels(column)
                coded[name] = names.index(value) if value in names else -9
        return replace(group, **coded)

    def _filters(self) -> dict[str, np.ndarray]:
        """The group filters' columns over the portfolio, as the comparison computes them."""
        p = self.portfolio
        return {
            "gender": np.asarray(p.raw("CODE_GENDER"), dtype=float),
            "contract": np.asarray(p.raw("NAME_CONTRACT_TYPE"), dtype=float),
            "refused": (np.asarray(p.proba) >= p.decision.threshold).astype(float),
            "age": np.asarray(p.raw("DAYS_BIRTH"), dtype=float) * (-1 / DAYS_PER_YEAR),
            "income": np.asarray(p.raw("AMT_INCOME_TOTAL"), dtype=float),
        }

    def features_of(self, ids: list[int]) -> tuple[np.ndarray, np.ndarray]:
        p = self.portfolio
        rows = np.array([p.index_of(int(i)) for i in ids if self.exists(int(i))], dtype=np.int64)
        return np.asarray(p.features[rows]), np.asarray(p.proba[rows], dtype=float)

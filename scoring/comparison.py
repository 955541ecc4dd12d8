"""Comparison groups and their aggregates (pure numpy on the memory-mapped portfolio).

The browser never receives raw rows: histograms and densities are computed here and only the
aggregates (or a bounded sample of points) are drawn.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np

from scoring.derived import DAYS_PER_YEAR
from scoring.fields import COMPARABLE
from scoring.portfolio import Portfolio

PROBABILITY = "PROBABILITY"
AGE_BANDS: tuple[tuple[float, float], ...] = ((18, 25), (25, 35), (35, 45), (45, 55), (55, 65), (65, 120))
INCOME_BANDS: tuple[tuple[float, float], ...] = (
    (0, 100_000),
    (100_000, 150_000),
    (150_000, 200_000),
    (200_000, 300_000),
    (300_000, float("inf")),
)
GROUP_BASES = ("all", "decision", "nearest")
K_MIN, K_MAX, K_DEFAULT = 10, 5_000, 500
ANY, SAME = "any", "same"


@dataclass(frozen=True)
class GroupSpec:
    base: str = "all"  # one of GROUP_BASES
    k: int = K_DEFAULT
    gender: str = ANY  # ANY, SAME or a level name
    age: str = ANY  # ANY, SAME or a band index as text
    income: str = ANY
    contract: str = ANY

    def key(self) -> str:
        return f"{self.base}|{self.k}|{self.gender}|{self.age}|{self.income}|{self.contract}"


def clamp_k(value) -> tuple[int, bool]:
    """(k within bounds, whether the input was valid)."""
    try:
        k = int(value)
        valid = float(value) == k and K_MIN <= k <= K_MAX
    except (TypeError, ValueError, OverflowError):
        return K_DEFAULT, False
    return min(max(k, K_MIN), K_MAX), valid


def comparable(portfolio: Portfolio) -> tuple[str, ...]:
    """The registry's comparable characteristics that this portfolio has (the score and model features)."""
    return tuple(name for name in COMPARABLE if name == PROBABILITY or name in portfolio.feature_names)


def values_of(portfolio: Portfolio, name: str) -> np.ndarray:
    """Whole column for a comparable characteristic (float, NaN = missing)."""
    if name == PROBABILITY:
        return np.asarray(portfolio.proba, dtype=float)
    return np.asarray(portfolio.features[:, portfolio.feature_names.index(name)], dtype=float)


def value_at(portfolio: Portfolio, name: str, index: int) -> float:
    """One client's value of a comparable characteristic (reads one cell, not the column)."""
    if name == PROBABILITY:
        return float(portfolio.proba[index])
    return float(portfolio.features[index, portfolio.feature_names.index(name)])


# Filters read raw columns, which every artifact folder keeps whatever features the model uses.
BAND_SOURCES = {"age": ("DAYS_BIRTH", -1 / DAYS_PER_YEAR), "income": ("AMT_INCOME_TOTAL", 1.0)}


def band_values(portfolio: Portfolio, kind: str) -> np.ndarray:
    column, scale = BAND_SOURCES[kind]
    return np.asarray(portfolio.raw(column), dtype=float) * scale


def band_value_at(portfolio: Portfolio, kind: str, index: int) -> float:
    column, scale = BAND_SOURCES[kind]
    return float(portfolio.raw(column)[index]) * scale


def band_of(value: float, bands: tuple[tuple[float, float], ...]) -> int | None:
    for i, (low, high) in enumerate(bands):
        if low <= value < high:
            return i
    return None


def band_of_values(values: np.ndarray, bands: tuple[tuple[float, float], ...]) -> np.ndarray:
    """Band index of each value; ``len(bands)`` for a missing value or one outside every band."""
    out = np.full(len(values), len(bands), dtype=np.int64)
    for i, (low, high) in enumerate(bands):
        out[(values >= low) & (values < high)] = i
    return out


NOBODY = -2  # a filter value that matches no client (unknown level or band)


@dataclass(frozen=True)
class ConcreteGroup:
    """A group with the client's own values resolved ("same as this client" -> that level or band).

    Two clients with the same resolved filters share the same group, so its aggregates are cached
    once for all of them; only the k-nearest group belongs to one client.
    """

    refused: bool | None = None  # None: any decision
    gender: int | None = None  # level code, NOBODY, or None for any
    contract: int | None = None
    age_band: int | None = None
    income_band: int | None = None
    nearest_of: int | None = None  # client index, for the k-nearest group
    k: int = 0

    def key(self) -> str:
        return "|".join(
            str(v)
            for v in (self.refused, self.gender, self.contract, self.age_band, self.income_band, self.nearest_of, self.k)
        )


def _int_or_none(text: str) -> int | None:
    try:
        return int(text)
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class ClientFacts:
    """What resolving a group needs of the client, whatever the store: decision, levels and bands."""

    refused: bool
    gender: str | None  # level name, None when missing
    contract: str | None
    age_years: float  # NaN when missing
    income: float


def facts_of(portfolio: Portfolio, index: int) -> ClientFacts:
    def level(column: str) -> str | None:
        code = int(portfolio.raw(column)[index])
        return portfolio.levels(column)[code] if code >= 0 else None

    return ClientFacts(
        refused=bool(portfolio.proba[index] >= portfolio.decision.threshold),
        gender=level("CODE_GENDER"),
        contract=level("NAME_CONTRACT_TYPE"),
        age_years=band_value_at(portfolio, "age", index),
        income=band_value_at(portfolio, "income", index),
    )


def _level_code(levels: Sequence[str], choice: str, own: str | None) -> int | None:
    if choice == ANY:
        return None
    name = own if choice == SAME else choice
    return levels.index(name) if name is not None and name in levels else NOBODY


def _band(choice: str, client_value: float, bands) -> int | None:
    if choice == ANY:
        return None
    band = band_of(client_value, bands) if choice == SAME else _int_or_none(choice)
    return band if band is not None and 0 <= band < len(bands) else NOBODY


def resolve(
    facts: ClientFacts, spec: GroupSpec, levels: Mapping[str, Sequence[str]], index: int | None = None
) -> ConcreteGroup:
    """The group of a client with level codes into ``levels`` (column -> level names of the data source).

    ``index`` names the client for the k-nearest group (its row, or its id for a store without rows).
    """
    return ConcreteGroup(
        refused=facts.refused if spec.base == "decision" else None,
        gender=_level_code(levels["CODE_GENDER"], spec.gender, facts.gender),
        contract=_level_code(levels["NAME_CONTRACT_TYPE"], spec.contract, facts.contract),
        age_band=_band(spec.age, facts.age_years, AGE_BANDS),
        income_band=_band(spec.income, facts.income, INCOME_BANDS),
        nearest_of=index if spec.base == "nearest" else None,
        k=spec.k if spec.base == "nearest" else 0,
    )


def portfolio_levels(portfolio: Portfolio) -> dict[str, list[str]]:
    return {column: portfolio.levels(column) for column in ("CODE_GENDER", "NAME_CONTRACT_TYPE")}


def resolve_group(portfolio: Portfolio, index: int, spec: GroupSpec) -> ConcreteGroup:
    return resolve(facts_of(portfolio, index), spec, portfolio_levels(portfolio), index)


def concrete_mask(portfolio: Portfolio, group: ConcreteGroup) -> np.ndarray:
    """Boolean mask of a resolved group over the whole portfolio."""
    n = len(portfolio)
    mask = np.ones(n, dtype=bool)
    for column, code in (("CODE_GENDER", group.gender), ("NAME_CONTRACT_TYPE", group.contract)):
        if code is not None:
            mask &= np.asarray(portfolio.raw(column)) == code
    for kind, band, bands in (("age", group.age_band, AGE_BANDS), ("income", group.income_band, INCOME_BANDS)):
        if band is not None:
            if band == NOBODY:
                return np.zeros(n, dtype=bool)
            values = band_values(portfolio, kind)
            low, high = bands[band]
            mask &= (values >= low) & (values < high)
    if group.refused is not None:
        mask &= (np.asarray(portfolio.proba) >= portfolio.decision.threshold) == group.refused
    if group.nearest_of is not None:
        nearest = portfolio.nearest(group.nearest_of, group.k, among=mask)
        mask = np.zeros(n, dtype=bool)
        mask[nearest] = True
    return mask


@dataclass(frozen=True)
class GroupSummary:
    """Client-independent aggregates of one characteristic over one group."""

    edges: list[float]
    granted: list[int]
    refused: list[int]
    n: int  # clients in the group
    n_values: int  # with a value for this characteristic
    median: float | None
    quantiles: list[float]  # 0, 0.1 %, ..., 100 %: ranks a client without keeping the rows


@dataclass(frozen=True)
class Histogram:
    edges: list[float]
    granted: list[int]
    refused: list[int]
    n: int
    n_values: int
    client_value: float | None
    share_below: float | None  # share of the group below the client
    median: float | None


_QUANTILE_LEVELS = np.linspace(0, 1, 1001)


def summarise(values: np.ndarray, refused: np.ndarray, mask: np.ndarray, bins: int = 30) -> GroupSummary:
    group = values[mask]
    seen = ~np.isnan(group)
    if not seen.any():
        return GroupSummary([], [], [], int(mask.sum()), 0, None, [])
    data = group[seen]
    group_refused = refused[mask][seen]
    # Display range: 0.5-99.5 percentiles, so one extreme income does not flatten the chart.
    quantiles = np.quantile(data, _QUANTILE_LEVELS)
    low, high = quantiles[5], quantiles[995]
    if high <= low:
        low, high = quantiles[0], max(quantiles[-1], quantiles[0] + 1.0)
    if np.allclose(quantiles, np.round(quantiles)) and quantiles[-1] - quantiles[0] <= bins:
        edges = np.arange(quantiles[0] - 0.5, quantiles[-1] + 1.5)  # small counts: one bar per whole value
    else:
        edges = np.linspace(low, high, bins + 1)
    clipped = np.clip(data, edges[0], edges[-1])
    granted_counts, _ = np.histogram(clipped[~group_refused], bins=edges)
    refused_counts, _ = np.histogram(clipped[group_refused], bins=edges)
    return GroupSummary(
        edges=[float(e) for e in edges],
        granted=granted_counts.tolist(),
        refused=refused_counts.tolist(),
        n=int(mask.sum()),
        n_values=int(seen.sum()),
        median=float(quantiles[500]),
        quantiles=quantiles.tolist(),
    )


def share_below(quantiles: list[float], value: float) -> float:
    """Share of the group strictly below ``value``, from the group's quantiles (to 0.1 %)."""
    q = np.asarray(quantiles)
    return float(np.searchsorted(q, value, side="left") / (len(q) - 1)) if len(q) > 1 else 0.0


def place_client(summary: GroupSummary, client_value: float) -> Histogram:
    client = None if np.isnan(client_value) else float(client_value)
    return Histogram(
        edges=summary.edges,
        granted=summary.granted,
        refused=summary.refused,
        n=summary.n,
        n_values=summary.n_values,
        client_value=client,
        share_below=None if client is None or not summary.quantiles else min(share_below(summary.quantiles, client), 1.0),
        median=summary.median,
    )


@dataclass(frozen=True)
class CrossView:
    n: int  # clients of the group with both values
    points: tuple[list[float], list[float], list[bool]] | None  # x, y, refused (small groups)
    density: tuple[list[float], list[float], list[list[int]]] | None  # x centres, y centres, counts
    client: tuple[float | None, float | None]
    group_size: int = 0  # clients of the group, with or without values
    medians: tuple[float | None, float | None] = (None, None)
    correlation: float | None = None  # Spearman rank correlation in the group (the trend, in words)


_CORRELATION_SAMPLE = 50_000


def rank_correlation(xs: np.ndarray, ys: np.ndarray) -> float | None:
    """Spearman's rho on at most 50,000 evenly spaced rows (exact enough for a sentence, bounded cost)."""
    if len(xs) < 3:
        return None
    if len(xs) > _CORRELATION_SAMPLE:
        keep = np.linspace(0, len(xs) - 1, _CORRELATION_SAMPLE).astype(int)
        xs, ys = xs[keep], ys[keep]
    rx = np.argsort(np.argsort(xs, kind="stable"), kind="stable").astype(float)
    ry = np.argsort(np.argsort(ys, kind="stable"), kind="stable").astype(float)
    if rx.std() == 0 or ry.std() == 0:
        return None
    return float(np.corrcoef(rx, ry)[0, 1])


def cross_view(
    x: np.ndarray, y: np.ndarray, refused: np.ndarray, mask: np.ndarray, max_points: int = 3_000, bins: int = 40
) -> CrossView:
    """Scatter points for small groups, a 2-D histogram for large ones (never 300k SVG points).

    Client-independent (cacheable per group); ``with_client`` adds the client's marker.
    """
    both = mask & ~np.isnan(x) & ~np.isnan(y)
    n, size = int(both.sum()), int(mask.sum())
    if n == 0:
        return CrossView(0, None, None, (None, None), size)
    xs, ys = x[both], y[both]
    extra = {
        "group_size": size,
        "medians": (float(np.median(xs)), float(np.median(ys))),
        "correlation": rank_correlation(xs, ys),
    }
    if n <= max_points:
        return CrossView(n, (xs.tolist(), ys.tolist(), refused[both].tolist()), None, (None, None), **extra)
    x_range = _widen(np.quantile(xs, [0.005, 0.995]))
    y_range = _widen(np.quantile(ys, [0.005, 0.995]))
    counts, x_edges, y_edges = np.histogram2d(
        np.clip(xs, *x_range), np.clip(ys, *y_range), bins=bins, range=[x_range, y_range]
    )
    centres = lambda e: ((e[:-1] + e[1:]) / 2).tolist()  # noqa: E731
    return CrossView(n, None, (centres(x_edges), centres(y_edges), counts.T.astype(int).tolist()), (None, None), **extra)


def with_client(view: CrossView, x_value: float, y_value: float) -> CrossView:
    client = (None if np.isnan(x_value) else float(x_value), None if np.isnan(y_value) else float(y_value))
    return replace(view, client=client)


def _widen(bounds) -> list[float]:
    low, high = float(bounds[0]), float(bounds[1])
    return [low, high] if high > low else [low - 0.5, high + 0.5]


# --- data sources of the comparison view -----------------------------------------------------
GroupParts = tuple[GroupSummary, CrossView | None]


class GroupStats(Protocol):
    """Where the comparison view's group aggregates come from.

    ``ExactStats``: the memory-mapped arrays (the embedded default). ``RowStats``: given rows, e.g. the
    k-nearest clients a store returns. ``scoring.aggregates.AggregateStats``: the build's aggregates, no
    per-client array (every group but the k-nearest).
    """

    source: str  # names the source in cache keys

    def levels(self) -> dict[str, Sequence[str]]:
        """Level names the group codes refer to (CODE_GENDER, NAME_CONTRACT_TYPE)."""
        ...

    def group_aggregates(self, group: ConcreteGroup, x_name: str, y_name: str) -> GroupParts | None:
        """The group's histogram summary of ``x_name`` and its cross view (None: empty group; a None cross
        view: this source has no cross view for the pair)."""
        ...


class ExactStats:
    """Every group from the memory-mapped portfolio: masks over the whole arrays (today's behaviour)."""

    source = "arrays"

    def __init__(self, portfolio: Portfolio, max_points: int = 3_000):
        self.portfolio = portfolio
        self.max_points = max_points

    def levels(self) -> dict[str, Sequence[str]]:
        return portfolio_levels(self.portfolio)

    def group_aggregates(self, group: ConcreteGroup, x_name: str, y_name: str) -> GroupParts | None:
        portfolio = self.portfolio
        mask = concrete_mask(portfolio, group)
        if not mask.any():
            return None
        refused = np.asarray(portfolio.proba) >= portfolio.decision.threshold
        x, y = values_of(portfolio, x_name), values_of(portfolio, y_name)
        return summarise(x, refused, mask), cross_view(x, y, refused, mask, max_points=self.max_points)


@dataclass(frozen=True)
class RowStats:
    """The aggregates of given rows (the whole set is the group): the k-nearest clients' rows from a store."""

    values: Mapping[str, np.ndarray]  # comparable name -> values of the rows (NaN = missing)
    refused: np.ndarray
    max_points: int = 3_000
    source: str = "rows"

    def group_aggregates(self, group: ConcreteGroup, x_name: str, y_name: str) -> GroupParts | None:
        refused = np.asarray(self.refused, dtype=bool)
        if not len(refused):
            return None
        mask = np.ones(len(refused), dtype=bool)
        x, y = np.asarray(self.values[x_name], dtype=float), np.asarray(self.values[y_name], dtype=float)
        return summarise(x, refused, mask), cross_view(x, y, refused, mask, max_points=self.max_points)

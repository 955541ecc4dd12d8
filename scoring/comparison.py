"""Comparison groups and their aggregates (pure numpy on the memory-mapped portfolio).

The browser never receives raw rows: histograms and densities are computed here and only the
aggregates (or a bounded sample of points) are drawn.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scoring.features import FEATURES
from scoring.portfolio import Portfolio

PROBABILITY = "PROBABILITY"
FEATURE_INDEX = {f.name: i for i, f in enumerate(FEATURES)}
# Numeric characteristics an advisor can compare (model features in business units, plus the score).
COMPARABLE: tuple[str, ...] = (
    PROBABILITY,
    "AGE_YEARS",
    "YEARS_EMPLOYED",
    "AMT_INCOME_TOTAL",
    "AMT_CREDIT",
    "AMT_ANNUITY",
    "AMT_GOODS_PRICE",
    "CREDIT_INCOME_RATIO",
    "ANNUITY_INCOME_RATIO",
    "PAYMENT_RATE",
    "INCOME_PER_PERSON",
    "EXT_SOURCE_1",
    "EXT_SOURCE_2",
    "EXT_SOURCE_3",
    "EXT_SOURCE_MEAN",
    "CNT_CHILDREN",
    "CNT_FAM_MEMBERS",
    "OWN_CAR_AGE",
    "REGION_RATING_CLIENT_W_CITY",
    "YEARS_ID_PUBLISH",
    "YEARS_LAST_PHONE_CHANGE",
)
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


def values_of(portfolio: Portfolio, name: str) -> np.ndarray:
    """Whole column for a comparable characteristic (float, NaN = missing)."""
    if name == PROBABILITY:
        return np.asarray(portfolio.proba, dtype=float)
    return np.asarray(portfolio.features[:, FEATURE_INDEX[name]], dtype=float)


def band_of(value: float, bands: tuple[tuple[float, float], ...]) -> int | None:
    for i, (low, high) in enumerate(bands):
        if low <= value < high:
            return i
    return None


def _band_mask(values: np.ndarray, choice: str, client_value: float, bands) -> np.ndarray | None:
    if choice == ANY:
        return None
    index = band_of(client_value, bands) if choice == SAME else _int_or_none(choice)
    if index is None or not 0 <= index < len(bands):
        return np.zeros(len(values), dtype=bool)  # unknown band: empty group, said in the UI
    low, high = bands[index]
    return (values >= low) & (values < high)


def _int_or_none(text: str) -> int | None:
    try:
        return int(text)
    except (TypeError, ValueError):
        return None


def _level_mask(portfolio: Portfolio, column: str, choice: str, index: int) -> np.ndarray | None:
    if choice == ANY:
        return None
    codes = np.asarray(portfolio.raw(column))
    if choice == SAME:
        code = int(codes[index])
    else:
        levels = portfolio.levels(column)
        code = levels.index(choice) if choice in levels else -2  # -2 matches nobody
    return codes == code if code >= 0 else np.zeros(len(codes), dtype=bool)


def group_mask(portfolio: Portfolio, index: int, spec: GroupSpec) -> np.ndarray:
    """Boolean mask of the comparison group for the client at ``index`` (the client included)."""
    n = len(portfolio)
    mask = np.ones(n, dtype=bool)
    filters = [
        _level_mask(portfolio, "CODE_GENDER", spec.gender, index),
        _level_mask(portfolio, "NAME_CONTRACT_TYPE", spec.contract, index),
    ]
    if spec.age != ANY:
        age = values_of(portfolio, "AGE_YEARS")
        filters.append(_band_mask(age, spec.age, age[index], AGE_BANDS))
    if spec.income != ANY:
        income = values_of(portfolio, "AMT_INCOME_TOTAL")
        filters.append(_band_mask(income, spec.income, income[index], INCOME_BANDS))
    for extra in filters:
        if extra is not None:
            mask &= extra
    if spec.base == "decision":
        refused = np.asarray(portfolio.proba) >= portfolio.decision.threshold
        mask &= refused == refused[index]
    elif spec.base == "nearest":
        nearest = portfolio.nearest(index, spec.k, among=mask)
        mask = np.zeros(n, dtype=bool)
        mask[nearest] = True
    return mask


@dataclass(frozen=True)
class Histogram:
    edges: list[float]
    granted: list[int]
    refused: list[int]
    n: int  # clients in the group
    n_values: int  # with a value for this characteristic
    client_value: float | None
    share_below: float | None  # share of the group strictly below the client
    median: float | None


def histogram(values: np.ndarray, refused: np.ndarray, mask: np.ndarray, client_value: float, bins: int = 30) -> Histogram:
    group = values[mask]
    group_refused = refused[mask]
    seen = ~np.isnan(group)
    client = None if np.isnan(client_value) else float(client_value)
    if not seen.any():
        return Histogram([], [], [], int(mask.sum()), 0, client, None, None)
    data = group[seen]
    # Clip display range to the 0.5-99.5 percentiles so one extreme income does not flatten the chart.
    low, high = np.percentile(data, [0.5, 99.5])
    if client is not None:
        low, high = min(low, client), max(high, client)
    if high <= low:
        high = low + 1.0
    distinct = np.unique(data)
    if len(distinct) <= bins and np.allclose(distinct, np.round(distinct)):
        edges = np.arange(np.floor(low) - 0.5, np.ceil(high) + 1.5)  # one bar per whole value
    else:
        edges = np.linspace(low, high, bins + 1)
    clipped = np.clip(data, edges[0], edges[-1])
    granted_counts, _ = np.histogram(clipped[~group_refused[seen]], bins=edges)
    refused_counts, _ = np.histogram(clipped[group_refused[seen]], bins=edges)
    share = None if client is None else float((data < client).mean())
    return Histogram(
        edges=[float(e) for e in edges],
        granted=granted_counts.tolist(),
        refused=refused_counts.tolist(),
        n=int(mask.sum()),
        n_values=int(seen.sum()),
        client_value=client,
        share_below=share,
        median=float(np.median(data)),
    )


@dataclass(frozen=True)
class CrossView:
    n: int
    points: tuple[list[float], list[float], list[bool]] | None  # x, y, refused (small groups)
    density: tuple[list[float], list[float], list[list[int]]] | None  # x centres, y centres, counts
    client: tuple[float | None, float | None]


def cross_view(
    x: np.ndarray, y: np.ndarray, refused: np.ndarray, mask: np.ndarray, index: int, max_points: int = 3_000, bins: int = 40
) -> CrossView:
    """Scatter points for small groups, a 2-D histogram for large ones (never 300k SVG points)."""
    both = mask & ~np.isnan(x) & ~np.isnan(y)
    client = (None if np.isnan(x[index]) else float(x[index]), None if np.isnan(y[index]) else float(y[index]))
    n = int(both.sum())
    if n == 0:
        return CrossView(0, None, None, client)
    if n <= max_points:
        rows = np.flatnonzero(both)
        return CrossView(n, (x[rows].tolist(), y[rows].tolist(), refused[rows].tolist()), None, client)
    xs, ys = x[both], y[both]
    x_range = np.percentile(xs, [0.5, 99.5])
    y_range = np.percentile(ys, [0.5, 99.5])
    if client[0] is not None:
        x_range = [min(x_range[0], client[0]), max(x_range[1], client[0])]
    if client[1] is not None:
        y_range = [min(y_range[0], client[1]), max(y_range[1], client[1])]
    counts, x_edges, y_edges = np.histogram2d(
        np.clip(xs, *x_range), np.clip(ys, *y_range), bins=bins, range=[_widen(x_range), _widen(y_range)]
    )
    centres = lambda e: ((e[:-1] + e[1:]) / 2).tolist()  # noqa: E731
    return CrossView(n, None, (centres(x_edges), centres(y_edges), counts.T.astype(int).tolist()), client)


def _widen(bounds) -> list[float]:
    low, high = float(bounds[0]), float(bounds[1])
    return [low, high] if high > low else [low - 0.5, high + 0.5]

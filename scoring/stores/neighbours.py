"""The k nearest clients from PostgreSQL, ranked as ``Portfolio.nearest`` ranks them, without a table scan.

``Portfolio.nearest`` measures clients on the model's 10 most important features, each divided by a robust
scale (IQR); a value missing on either side counts as a difference of 1; the distance is the sum of squares,
optionally among a group (equal gender / contract / decision, age and income in ranges).

Method: filter and refine with a lower bound, so the answer is exact.
1. Each client stores a 20-dimensional ``cube`` point (PostgreSQL contrib): its 10 scaled features, a missing
   one put at that feature's median, then one 0/1 flag per feature (missing). A GiST index orders rows by
   ``<->`` (Euclidean kNN), nearest first, reading only the pages it needs.
2. The query is a box, built so that its cube distance never exceeds the exact distance:
   - feature observed on the target (value t, median m): the interval [min(t, m), max(t, m)] on the value
     axis and 0 on the flag axis. A client missing it sits at m, inside the interval, and its flag 1 adds
     exactly 1; an observed client is at most |x - t| from the interval;
   - feature missing on the target: both axes spanned (distance 0); the 1 it adds to everybody is added back.
3. The worker reads candidates through a server-side cursor in that order and re-ranks them with the exact
   distance; once the next candidate's lower bound exceeds the k-th exact distance, no later row can enter
   the answer, and reading stops. At most ``MAX_SCAN`` rows are read (a bound when the group is rare near
   the client); within it the answer equals ``Portfolio.nearest``.

Why points: storing a missing value as an interval spanning its axis encoded the distance exactly in the
index, but GiST bounding boxes then spanned every axis and one query read ~60 % of the index pages at 116k
clients. Filters stay SQL conditions on the real columns, checked while the index is read: filter axes
multiplied by a penalty (to put the group first) made the tree as useless (~50 % of pages per query).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

NEAREST_FEATURES = 10  # as in Portfolio.nearest
MISSING_GAP = 1.0  # squared difference counted for a feature missing on either side
SPAN = 1e9  # half-width of the query interval on a feature the target lacks (covers every stored value)
CANDIDATES = 2  # first batch of candidates per neighbour asked; later batches double
MAX_SCAN = 50_000  # rows the index may read for one query: a bound when the group is rare near the client
FILTERS = ("gender", "contract", "refused", "age", "income")
RANGE_FILTERS = ("age", "income")


@dataclass(frozen=True)
class NeighbourSpace:
    """Which features, which scale and which stand-in for a missing value (fixed when the artifact is built)."""

    columns: tuple[int, ...]  # indices of the features in the model's feature matrix
    scale: tuple[float, ...]  # robust scale of each of those features (> 0)
    centre: tuple[float, ...]  # median of each scaled feature: where a missing value is put in the index

    @classmethod
    def from_artifact(cls, importance: np.ndarray, feature_scale: np.ndarray, sample: np.ndarray) -> NeighbourSpace:
        """The 10 most important features, as ``Portfolio.nearest`` picks them; medians from a sample of rows."""
        top = np.argsort(-np.asarray(importance))[:NEAREST_FEATURES]
        scale = np.asarray(feature_scale, dtype=float)[top]
        with np.errstate(all="ignore"):
            centre = np.nanmedian(np.asarray(np.asarray(sample)[:, top], dtype=float) / scale, axis=0)
        centre = np.where(np.isfinite(centre), centre, 0.0)
        return cls(tuple(int(i) for i in top), tuple(float(s) for s in scale), tuple(float(c) for c in centre))

    def project(self, features: np.ndarray) -> np.ndarray:
        """Scaled values of the chosen features (rows × features), NaN where missing."""
        return np.asarray(np.asarray(features)[:, list(self.columns)], dtype=float) / np.asarray(self.scale)


def embed(space: NeighbourSpace, projected: np.ndarray) -> np.ndarray:
    """The point stored per client (rows × 2·features): scaled values, a missing one at the median, then flags."""
    projected = np.asarray(projected, dtype=float)
    missing = np.isnan(projected)
    return np.hstack([np.where(missing, np.asarray(space.centre), projected), missing.astype(float)])


def restore(points: np.ndarray) -> np.ndarray:
    """The projected values back from stored points (NaN where the flag says missing)."""
    points = np.atleast_2d(np.asarray(points, dtype=float))
    f = points.shape[1] // 2
    return np.where(points[:, f:] > 0.5, np.nan, points[:, :f])


def cube_text(points: np.ndarray) -> list[str]:
    """The points in PostgreSQL's ``cube`` text form (for COPY); ``repr`` keeps every bit of a float8."""
    return ["(" + ",".join(map(repr, row)) + ")" for row in np.asarray(points, dtype=float).tolist()]


def parse_cube(text: str) -> np.ndarray:
    """Coordinates of a point read back from its text form."""
    return np.array([float(v) for v in text.strip().strip("()").split(",")])


def query_box(space: NeighbourSpace, target: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """(low, high, constant): cube distance² to this box + constant ≤ the exact distance, for every client."""
    centre = np.asarray(space.centre)
    missing = np.isnan(target)
    t = np.where(missing, centre, target)
    low = np.concatenate([np.where(missing, -SPAN, np.minimum(t, centre)), np.zeros(len(t))])
    high = np.concatenate([np.where(missing, SPAN, np.maximum(t, centre)), missing.astype(float)])
    return low, high, float(missing.sum()) * MISSING_GAP


def query_text(low: np.ndarray, high: np.ndarray) -> str:
    return f"({','.join(map(repr, np.asarray(low, dtype=float).tolist()))}),({','.join(map(repr, np.asarray(high, dtype=float).tolist()))})"


def exact_distances(projected: np.ndarray, target: np.ndarray) -> np.ndarray:
    """``Portfolio.nearest``'s distance of every row to the target row (the reference semantics)."""
    diff = np.where(np.isnan(projected) | np.isnan(target), MISSING_GAP, projected - target)
    return np.einsum("ij,ij->i", diff, diff)


@dataclass(frozen=True)
class Group:
    """Filters of a comparison group; None = no filter. Ranges are [low, high), either end may be None."""

    gender: float | None = None
    contract: float | None = None
    refused: bool | None = None
    age: tuple[float | None, float | None] | None = None
    income: tuple[float | None, float | None] | None = None


def in_group(filters: dict[str, np.ndarray], group: Group) -> np.ndarray:
    """Mask of the rows inside the group (a missing filter value is in no range and equals no code)."""
    n = len(next(iter(filters.values())))
    mask = np.ones(n, dtype=bool)
    for name in FILTERS:
        value = getattr(group, name)
        if value is None:
            continue
        column = np.asarray(filters[name], dtype=float)
        if name in RANGE_FILTERS:
            lo, hi = value
            mask &= (column >= (-np.inf if lo is None else lo)) & (column < (np.inf if hi is None else hi))
        else:
            mask &= column == float(value)
    return mask


def nearest_in_memory(projected: np.ndarray, index: int, k: int, among: np.ndarray | None = None) -> np.ndarray:
    """The fallback for small portfolios and tests: the k nearest rows to ``index``, nearest first.

    Same semantics as ``Portfolio.nearest`` (distance ties in row order), over an in-memory projected array.
    """
    candidates = np.arange(len(projected)) if among is None else np.flatnonzero(among)
    candidates = candidates[candidates != index]
    k = min(k, len(candidates))
    if k <= 0:
        return candidates[:0]
    dist = exact_distances(projected[candidates], projected[index])
    best = np.argpartition(dist, k - 1)[:k]
    return candidates[best[np.argsort(dist[best], kind="stable")]]


# --- SQL -----------------------------------------------------------------------------------------------
# Table and column names are the store's: ``columns`` maps each name of FILTERS to a SQL expression
# (e.g. {"refused": "decision = 'REFUSED'", "age": "-days_birth / 365.25"}); they are trusted code, not input.

EXTENSION_DDL = "CREATE EXTENSION IF NOT EXISTS cube"
POINT = "knn_point"  # the column added to the clients table


def column_ddl(table: str) -> list[str]:
    """Columns to add to the clients table, filled by COPY from ``cube_text``."""
    return [f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {POINT} cube"]


def index_ddl(table: str, index: str | None = None) -> str:
    """The GiST index to build after the load (kNN ordered by ``<->``)."""
    return f"CREATE INDEX IF NOT EXISTS {index or table + '_knn'} ON {table} USING gist ({POINT})"


def target_sql(table: str, id_column: str = "id") -> str:
    """The target client's stored point (no row for an unknown id)."""
    return f"SELECT {POINT}::text FROM {table} WHERE {id_column} = %(id)s"


def group_conditions(group: Group, columns: dict[str, str]) -> tuple[list[str], dict]:
    """SQL conditions on the filter columns, with their parameters."""
    conditions, params = [], {}
    for name in FILTERS:
        value = getattr(group, name)
        if value is None:
            continue
        if name in RANGE_FILTERS:
            lo, hi = value
            if lo is not None:
                conditions.append(f"({columns[name]}) >= %(f_{name}_lo)s")
                params[f"f_{name}_lo"] = float(lo)
            if hi is not None and np.isfinite(hi):
                conditions.append(f"({columns[name]}) < %(f_{name}_hi)s")
                params[f"f_{name}_hi"] = float(hi)
            if lo is None and (hi is None or not np.isfinite(hi)):
                conditions.append(f"({columns[name]}) IS NOT NULL")
        elif name == "refused":
            conditions.append(f"({columns[name]}) = %(f_{name})s")
            params[f"f_{name}"] = bool(value)
        else:
            conditions.append(f"({columns[name]}) = %(f_{name})s")
            params[f"f_{name}"] = int(value)
    return conditions, params


def candidates_sql(table: str, group: Group, columns: dict[str, str], id_column: str = "id") -> tuple[str, dict]:
    """Candidates in index order with their lower bound ``d`` (a cube distance, not squared).

    The inner LIMIT bounds the rows the index reads; the filters are checked outside it, on the subquery's
    aliases. Parameters to add: ``id`` (target), ``q`` (``query_text``), ``scan`` (rows read at most).
    """
    conditions, params = group_conditions(group, {name: f"f_{name}" for name in FILTERS})
    used = [f"({columns[name]}) AS f_{name}" for name in FILTERS if getattr(group, name) is not None]
    where = " AND ".join([f"{id_column} <> %(id)s", *conditions])
    sql = (
        f"SELECT {id_column}, {POINT}::text, d FROM ("
        f"SELECT {', '.join([id_column, POINT, *used, f'{POINT} <-> %(q)s::cube AS d'])} FROM {table} "
        f"ORDER BY {POINT} <-> %(q)s::cube LIMIT %(scan)s) c WHERE {where}"
    )
    return sql, params


def nearest_ids(connection, table: str, space: NeighbourSpace, client_id: int, k: int, group: Group,
                columns: dict[str, str], id_column: str = "id", batch: int | None = None,
                max_scan: int = MAX_SCAN, max_batches: int | None = None) -> list[int]:
    """Ids of the k clients nearest to ``client_id`` in the group, nearest first ([] for an unknown id).

    ``connection``: a psycopg 3 connection. Candidates come by a server-side cursor in batches (the first
    ``batch`` rows, default k × CANDIDATES, then doubling); the worker keeps at most k + one batch of them.
    ``max_batches`` trades exactness for time (the benchmark's approximate variants); None = exact.
    """
    row = connection.execute(target_sql(table, id_column), {"id": client_id}).fetchone()
    if row is None or row[0] is None or k <= 0:
        return []
    target = restore(parse_cube(row[0]))[0]
    low, high, constant = query_box(space, target)
    sql, params = candidates_sql(table, group, columns, id_column)
    params.update(id=client_id, q=query_text(low, high), scan=max_scan)
    size = batch or k * CANDIDATES
    best_ids, best_dist = np.empty(0, dtype=np.int64), np.empty(0)
    with connection.transaction(), connection.cursor(name="knn_candidates") as cursor:
        cursor.execute(sql, params)
        for _ in range(max_batches or max_scan):
            rows = cursor.fetchmany(size)
            if rows:
                ids = np.array([r[0] for r in rows], dtype=np.int64)
                values = restore(np.array([parse_cube(r[1]) for r in rows]))
                ids = np.concatenate([best_ids, ids])
                dist = np.concatenate([best_dist, exact_distances(values, target)])
                keep = np.lexsort((ids, dist))[:k]
                best_ids, best_dist = ids[keep], dist[keep]
            # Every later row is at least its lower bound away: stop once that exceeds the k-th distance.
            bound = rows[-1][2] ** 2 + constant if rows else np.inf
            if len(rows) < size or (len(best_dist) == k and bound > best_dist[-1] * (1 + 1e-12) + 1e-12):
                break
            size *= 2
    return [int(i) for i in best_ids]

"""Portfolio-wide aggregates whose size does not depend on the number of clients.

The comparison view needs, for any group of clients, a histogram, the median, a client's rank, a 2-D
density and a rank correlation. Without the per-client arrays (clients in PostgreSQL, or ten million of
them) these come from a summary written once by the batch build:

- base cells: decision (granted/refused) x gender level x contract level x age band x income band, each
  axis with one extra cell for "missing / other" (the groups of scoring/comparison.py). Every group but
  the k-nearest is a union of cells, so its aggregates are sums over cells;
- per cell and comparable characteristic: a fine histogram on edges fixed before the pass (from a bounded
  sample), and the score's histogram among the clients missing that characteristic (the cross view's
  medians count clients with both values);
- per cell and pair (characteristic, score): a 2-D count grid and the sums of the pair's global ranks
  (a mergeable stand-in for Spearman's rho);
- the global importance: sum of |SHAP| per feature.

``partial(spec, chunk)`` summarises one scored chunk (pure numpy); ``merge(parts)`` adds summaries
(associative and order-independent: integer counts, float sums of few terms). ``save``/``load`` write
``aggregates.npz`` (uncompressed, so its members are memory-mapped: workers share the pages and a request
touches only the cells of one characteristic) and ``aggregates.json`` (the spec: edges, levels, threshold).

Stated tolerance against the exact arrays: counts exact; the median and a client's share below exact to
one fine bin (at most ~1/128 of the sample's mass, or the value itself for whole-number characteristics);
each of the 30 chart bins within the counts of the fine bins its two edges cut.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from scoring.comparison import (
    AGE_BANDS,
    INCOME_BANDS,
    NOBODY,
    PROBABILITY,
    ConcreteGroup,
    CrossView,
    GroupSummary,
    band_of_values,
)
from scoring.errors import ArtifactError
from scoring.fields import COMPARABLE, FIELDS

NPZ, JSON = "aggregates.npz", "aggregates.json"
FORMAT = 1
QUANTILE_BINS = 128  # fine bins of equal sample mass
UNIFORM_BINS = 128  # fine bins of equal width between the sample's 0.5 and 99.5 percentiles
MAX_WHOLE_RANGE = 250  # whole-number characteristics spanning at most this many values get one bin per value
ATOM_SHARE, MAX_ATOMS = 0.005, 48  # values holding at least 0.5 % of the sample get their own fine bin
GRID = 20  # 2-D grid per axis, between the sample's 0.5 and 99.5 percentiles
SAMPLE_ROWS = 100_000  # bounded sample that fixes the edges
FILTER_COLUMNS = {"gender": "CODE_GENDER", "contract": "NAME_CONTRACT_TYPE"}
MOMENTS = 5  # sum u, sum v, sum u*u, sum v*v, sum u*v of the pair's global ranks


def registry_levels(column: str) -> tuple[str, ...]:
    """Levels fixed before the pass (the registry's), so every partition codes them alike."""
    return tuple(FIELDS[column].categories)


@dataclass(frozen=True)
class AggregateSpec:
    """Everything fixed before the pass: which characteristics, their edges, the cells and the threshold."""

    names: tuple[str, ...]  # comparable characteristics, PROBABILITY first
    edges: tuple[tuple[float, ...], ...]  # inner fine edges per name: bins (-inf,e0), [e0,e1), ..., [e_last, inf)
    whole: tuple[bool, ...]  # one fine bin per whole value
    grid: tuple[tuple[float, ...], ...]  # GRID+1 2-D edges per name (values clipped into them)
    ranks: tuple[tuple[float, ...], ...]  # global midrank in [0, 1] of each fine bin, from the sample
    features: tuple[str, ...]  # model features (importance)
    threshold: float
    may_miss: tuple[str, ...]  # names missing in the sample: the score's histogram of their missing clients is kept
    gender_levels: tuple[str, ...]
    contract_levels: tuple[str, ...]

    @property
    def pairs(self) -> tuple[tuple[str, str], ...]:
        """(characteristic, score) pairs with a 2-D grid: the cross views the page draws by default."""
        return tuple((name, PROBABILITY) for name in self.names if name != PROBABILITY)

    @property
    def cell_shape(self) -> tuple[int, ...]:
        return (2, len(self.gender_levels) + 1, len(self.contract_levels) + 1, len(AGE_BANDS) + 1, len(INCOME_BANDS) + 1)

    @property
    def n_cells(self) -> int:
        return int(np.prod(self.cell_shape))

    @property
    def fine_bins(self) -> int:
        return max(len(e) for e in self.edges) + 1

    def to_json(self) -> dict:
        return {
            "format": FORMAT,
            "names": list(self.names),
            "edges": [list(e) for e in self.edges],
            "whole": list(self.whole),
            "grid": [list(g) for g in self.grid],
            "ranks": [list(r) for r in self.ranks],
            "features": list(self.features),
            "threshold": self.threshold,
            "may_miss": list(self.may_miss),
            "gender_levels": list(self.gender_levels),
            "contract_levels": list(self.contract_levels),
            "age_bands": [list(b) for b in AGE_BANDS],
            "income_bands": [[low, None if high == float("inf") else high] for low, high in INCOME_BANDS],
        }

    @classmethod
    def from_json(cls, data: dict) -> AggregateSpec:
        if data.get("format") != FORMAT:
            raise ValueError(f"format {data.get('format')} (expected {FORMAT})")
        income = [(low, float("inf") if high is None else high) for low, high in data["income_bands"]]
        if [tuple(b) for b in data["age_bands"]] != list(AGE_BANDS) or income != list(INCOME_BANDS):
            raise ValueError("age or income bands differ from this version's")
        return cls(
            names=tuple(data["names"]),
            edges=tuple(tuple(float(v) for v in e) for e in data["edges"]),
            whole=tuple(bool(w) for w in data["whole"]),
            grid=tuple(tuple(float(v) for v in g) for g in data["grid"]),
            ranks=tuple(tuple(float(v) for v in r) for r in data["ranks"]),
            features=tuple(data["features"]),
            threshold=float(data["threshold"]),
            may_miss=tuple(data["may_miss"]),
            gender_levels=tuple(data["gender_levels"]),
            contract_levels=tuple(data["contract_levels"]),
        )


def _fine_edges(values: np.ndarray) -> tuple[tuple[float, ...], bool]:
    if len(values) == 0:
        return (0.0,), False
    low, high = float(values.min()), float(values.max())
    if np.all(values == np.round(values)) and high - low <= MAX_WHOLE_RANGE:
        return tuple(float(v) for v in np.arange(low - 0.5, high + 1.0)), True
    quantiles = np.quantile(values, np.linspace(0, 1, QUANTILE_BINS + 1))
    uniform = np.linspace(*np.quantile(values, [0.005, 0.995]), UNIFORM_BINS + 1)
    # Frequent exact values (incomes of 135,000, a ratio capped at 1) get a bin of their own, [v, next float):
    # spread over a wider fine bin, their mass would blur the chart and move the median.
    levels, counts = np.unique(values, return_counts=True)
    frequent = levels[counts >= ATOM_SHARE * len(values)]
    frequent = frequent[np.argsort(-counts[counts >= ATOM_SHARE * len(values)], kind="stable")[:MAX_ATOMS]]
    atoms = np.concatenate([frequent, np.nextafter(frequent, np.inf)])
    return tuple(float(v) for v in np.unique(np.concatenate([quantiles, uniform, atoms]))), False


def _grid_edges(values: np.ndarray) -> tuple[float, ...]:
    if len(values) == 0:
        return tuple(float(v) for v in np.linspace(-0.5, 0.5, GRID + 1))
    low, high = (float(v) for v in np.quantile(values, [0.005, 0.995]))
    if high <= low:
        low, high = low - 0.5, high + 0.5
    return tuple(float(v) for v in np.linspace(low, high, GRID + 1))


def make_spec(sample: Mapping[str, np.ndarray], features: Sequence[str], threshold: float) -> AggregateSpec:
    """Fix the edges from a bounded sample of scored rows (name -> values, NaN = missing; PROBABILITY included).

    Pass at most ~SAMPLE_ROWS rows (``sample_rows`` picks evenly spaced ones); any sample gives valid
    aggregates, a representative one gives bins of even mass.
    """
    names = (PROBABILITY, *(n for n in sample if n != PROBABILITY))
    edges, whole, grid, ranks, may_miss = [], [], [], [], []
    for name in names:
        values = np.asarray(sample[name], dtype=float)
        if np.isnan(values).any():
            may_miss.append(name)
        values = values[~np.isnan(values)]
        fine, is_whole = _fine_edges(values)
        edges.append(fine)
        whole.append(is_whole)
        grid.append(_grid_edges(values))
        # Spearman's rho from bins: each fine bin's clients take the sample's midrank of that bin.
        held = np.bincount(np.searchsorted(np.asarray(fine), values, side="right"), minlength=len(fine) + 1)
        below = np.concatenate([[0], np.cumsum(held)[:-1]])
        ranks.append(tuple(float(v) for v in (below + held / 2) / max(len(values), 1)))
    return AggregateSpec(
        names=names,
        edges=tuple(edges),
        whole=tuple(whole),
        grid=tuple(grid),
        ranks=tuple(ranks),
        features=tuple(features),
        threshold=float(threshold),
        may_miss=tuple(may_miss),
        gender_levels=registry_levels("CODE_GENDER"),
        contract_levels=registry_levels("NAME_CONTRACT_TYPE"),
    )


def sample_rows(n: int, size: int = SAMPLE_ROWS) -> np.ndarray:
    """Evenly spaced row numbers, at most ``size`` of them (deterministic)."""
    return np.unique(np.linspace(0, n - 1, min(n, size)).astype(np.int64)) if n else np.zeros(0, dtype=np.int64)


@dataclass(frozen=True)
class Chunk:
    """One scored chunk of clients, as ``partial`` reads it."""

    values: Mapping[str, np.ndarray]  # every name of the spec -> float values (NaN = missing)
    contrib: np.ndarray  # (rows, features) calibrated SHAP contributions
    gender: np.ndarray  # level names (anything else, or missing, goes to the "other" cell)
    contract: np.ndarray
    age_years: np.ndarray  # float, NaN = missing
    income: np.ndarray


def chunk_of(
    frame, features: np.ndarray, feature_names: Sequence[str], proba: np.ndarray, contrib: np.ndarray, names: Iterable[str]
) -> Chunk:
    """A ``Chunk`` from raw application rows (pandas) and their transform, scores and contributions.

    ``names``: the comparable characteristics (PROBABILITY and model features, see comparison.comparable).
    """
    index = {name: i for i, name in enumerate(feature_names)}
    values = {name: np.asarray(proba if name == PROBABILITY else features[:, index[name]], dtype=float) for name in names}
    return Chunk(
        values=values,
        contrib=np.asarray(contrib),
        gender=frame["CODE_GENDER"].to_numpy(dtype=object),
        contract=frame["NAME_CONTRACT_TYPE"].to_numpy(dtype=object),
        age_years=frame["DAYS_BIRTH"].to_numpy(dtype=float, na_value=np.nan) / -365.25,
        income=frame["AMT_INCOME_TOTAL"].to_numpy(dtype=float, na_value=np.nan),
    )


@dataclass(frozen=True)
class Aggregates:
    """Mergeable summary of a scored portfolio; every array's shape depends on the spec only.

    Counts are uint32 (exact up to 4,294,967,295 clients per bin). A summary read from a file keeps only
    its non-empty cells (``cells``: their flat numbers, sorted); one built by ``partial`` has every cell.
    """

    spec: AggregateSpec
    count: np.ndarray  # (cells,) int64 clients per cell
    hist: np.ndarray  # (names, cells, fine bins) values per fine bin
    proba_missing: np.ndarray  # (may_miss, cells, fine bins of PROBABILITY): score of clients missing the name
    grid: np.ndarray  # (pairs, cells, GRID, GRID): [x bin, y bin] counts of clients with both values
    moments: np.ndarray  # (pairs, cells, MOMENTS) float64 sums of the global ranks of clients with both
    abs_contrib: np.ndarray  # (features,) float64 sum of |SHAP|
    cells: np.ndarray | None = None  # flat cell numbers of the cell axis (None: every cell, in order)

    @property
    def n_clients(self) -> int:
        return int(np.asarray(self.count).sum())

    @property
    def importance(self) -> np.ndarray:
        """Mean |SHAP| per feature (the global importance)."""
        return np.asarray(self.abs_contrib) / max(self.n_clients, 1)

    def arrays(self) -> dict[str, np.ndarray]:
        return {name: getattr(self, name) for name in ARRAYS}

    def positions(self, cells: np.ndarray) -> np.ndarray:
        """Positions on the cell axis of the wanted flat cells (absent cells are empty: left out)."""
        if self.cells is None:
            return cells
        at = np.minimum(np.searchsorted(self.cells, cells), max(len(self.cells) - 1, 0))
        return at[self.cells[at] == cells] if len(self.cells) else at[:0]


ARRAYS = ("count", "hist", "proba_missing", "grid", "moments", "abs_contrib")
CELL_AXIS = {"count": 0, "hist": 1, "proba_missing": 1, "grid": 1, "moments": 1}


def empty(spec: AggregateSpec) -> Aggregates:
    cells, names, pairs = spec.n_cells, len(spec.names), len(spec.pairs)
    return Aggregates(
        spec,
        np.zeros(cells, dtype=np.int64),
        np.zeros((names, cells, spec.fine_bins), dtype=np.uint32),
        np.zeros((len(spec.may_miss), cells, len(spec.edges[0]) + 1), dtype=np.uint32),
        np.zeros((pairs, cells, GRID, GRID), dtype=np.uint32),
        np.zeros((pairs, cells, MOMENTS), dtype=np.float64),
        np.zeros(len(spec.features), dtype=np.float64),
    )


def dense(aggregates: Aggregates) -> Aggregates:
    """Every cell present (a summary read from a file keeps only its non-empty ones)."""
    if aggregates.cells is None:
        return aggregates
    out = empty(aggregates.spec)
    for name, axis in CELL_AXIS.items():
        target = getattr(out, name)
        index = [slice(None)] * target.ndim
        index[axis] = aggregates.cells
        target[tuple(index)] = getattr(aggregates, name)
    out.abs_contrib[:] = aggregates.abs_contrib
    return out


def _level_index(values: np.ndarray, levels: Sequence[str]) -> np.ndarray:
    out = np.full(len(values), len(levels), dtype=np.int64)  # other / missing
    for i, level in enumerate(levels):
        out[values == level] = i
    return out


def cell_index(spec: AggregateSpec, chunk: Chunk) -> np.ndarray:
    """Flat cell of each row."""
    refused = (np.asarray(chunk.values[PROBABILITY], dtype=float) >= spec.threshold).astype(np.int64)
    axes = (
        refused,
        _level_index(np.asarray(chunk.gender, dtype=object), spec.gender_levels),
        _level_index(np.asarray(chunk.contract, dtype=object), spec.contract_levels),
        band_of_values(np.asarray(chunk.age_years, dtype=float), AGE_BANDS),
        band_of_values(np.asarray(chunk.income, dtype=float), INCOME_BANDS),
    )
    return np.ravel_multi_index(axes, spec.cell_shape)


def fine_bin(spec: AggregateSpec, name: str, values: np.ndarray) -> np.ndarray:
    """Fine bin of each value (meaningless where the value is NaN)."""
    return np.searchsorted(np.asarray(spec.edges[spec.names.index(name)]), values, side="right")


def _grid_bin(spec: AggregateSpec, name: str, values: np.ndarray) -> np.ndarray:
    edges = np.asarray(spec.grid[spec.names.index(name)])
    return np.clip(np.searchsorted(edges, values, side="right") - 1, 0, GRID - 1)


def partial(spec: AggregateSpec, chunk: Chunk) -> Aggregates:
    """Aggregates of one scored chunk (pure: the same chunk gives the same arrays)."""
    out = empty(spec)
    cells = cell_index(spec, chunk)
    n_cells = spec.n_cells
    out.count[:] = np.bincount(cells, minlength=n_cells)
    values = {name: np.asarray(chunk.values[name], dtype=float) for name in spec.names}
    seen = {name: ~np.isnan(v) for name, v in values.items()}
    bins = {name: fine_bin(spec, name, v) for name, v in values.items()}  # meaningless where missing
    width_p = out.proba_missing.shape[2]
    for i, name in enumerate(spec.names):
        flat = cells[seen[name]] * spec.fine_bins + bins[name][seen[name]]
        out.hist[i] = np.bincount(flat, minlength=n_cells * spec.fine_bins).reshape(n_cells, spec.fine_bins)
        if name in spec.may_miss:
            gone = ~seen[name] & seen[PROBABILITY]
            flat = cells[gone] * width_p + bins[PROBABILITY][gone]
            at = spec.may_miss.index(name)
            out.proba_missing[at] = np.bincount(flat, minlength=n_cells * width_p).reshape(n_cells, width_p)
    grid = {name: _grid_bin(spec, name, v) for name, v in values.items() if any(name in pair for pair in spec.pairs)}
    for j, (x_name, y_name) in enumerate(spec.pairs):
        both = seen[x_name] & seen[y_name]
        c = cells[both]
        flat = (c * GRID + grid[x_name][both]) * GRID + grid[y_name][both]
        out.grid[j] = np.bincount(flat, minlength=n_cells * GRID * GRID).reshape(n_cells, GRID, GRID)
        u = np.asarray(spec.ranks[spec.names.index(x_name)])[bins[x_name][both]]
        v = np.asarray(spec.ranks[spec.names.index(y_name)])[bins[y_name][both]]
        for m, term in enumerate((u, v, u * u, v * v, u * v)):
            out.moments[j, :, m] = np.bincount(c, weights=term, minlength=n_cells)
    out.abs_contrib[:] = np.abs(np.asarray(chunk.contrib, dtype=np.float64)).sum(axis=0)
    return out


def merge(parts: Iterable[Aggregates]) -> Aggregates:
    """Sum of summaries with the same spec (associative and order-independent: counts add exactly)."""
    parts = list(parts)
    if not parts:
        raise ValueError("merge needs at least one part")
    spec = parts[0].spec
    if any(p.spec != spec for p in parts[1:]):
        raise ValueError("cannot merge aggregates built with different specs")
    total = empty(spec)
    for part in map(dense, parts):
        for name in ARRAYS:
            getattr(total, name)[...] += getattr(part, name)
    return total


def of_portfolio(
    frame,
    features: np.ndarray,
    feature_names: Sequence[str],
    proba: np.ndarray,
    contrib: np.ndarray,
    threshold: float,
    names: Sequence[str] | None = None,
    chunk_rows: int = 50_000,
) -> Aggregates:
    """The local engine: edges from an evenly spaced sample, then one chunk at a time (flat extra memory).

    ``names``: the comparable characteristics (default: ``comparable_names(feature_names)``).
    """
    names = comparable_names(feature_names) if names is None else names
    rows = sample_rows(len(frame))
    index = {name: i for i, name in enumerate(feature_names)}
    sample = {
        name: np.asarray(proba[rows] if name == PROBABILITY else features[rows, index[name]], dtype=float) for name in names
    }
    spec = make_spec(sample, feature_names, threshold)
    parts = []
    for start in range(0, len(frame), chunk_rows):
        part = slice(start, start + chunk_rows)
        chunk = chunk_of(frame.iloc[part], features[part], feature_names, proba[part], contrib[part], spec.names)
        parts.append(partial(spec, chunk))
        if len(parts) > 1:  # keep one running total, not one summary per chunk
            parts = [merge(parts)]
    return parts[0] if parts else empty(spec)


# --- files -----------------------------------------------------------------------------------


def save(aggregates: Aggregates, folder: Path) -> Path:
    """Write aggregates.npz (uncompressed, memory-mappable, non-empty cells only) and aggregates.json."""
    folder = Path(folder)
    aggregates = dense(aggregates)
    present = np.flatnonzero(np.asarray(aggregates.count) > 0)
    arrays = {"cells": present.astype(np.int64), "abs_contrib": np.asarray(aggregates.abs_contrib)}
    for name, axis in CELL_AXIS.items():
        arrays[name] = np.ascontiguousarray(np.take(getattr(aggregates, name), present, axis=axis))
    np.savez(folder / NPZ, **arrays)
    (folder / JSON).write_text(json.dumps(aggregates.spec.to_json(), allow_nan=False), encoding="utf-8")
    return folder / NPZ


def _mapped_members(path: Path) -> dict[str, np.ndarray]:
    """Members of an uncompressed .npz, memory-mapped in place (np.load would copy them into each worker)."""
    out = {}
    with open(path, "rb") as handle, zipfile.ZipFile(handle) as archive:
        for info in archive.infolist():
            if info.compress_type != zipfile.ZIP_STORED or not info.filename.endswith(".npy"):
                raise ValueError(f"member {info.filename} is compressed")
            handle.seek(info.header_offset)
            local = handle.read(30)
            if local[:4] != b"PK\x03\x04":
                raise ValueError("bad zip member header")
            name_len, extra_len = int.from_bytes(local[26:28], "little"), int.from_bytes(local[28:30], "little")
            handle.seek(info.header_offset + 30 + name_len + extra_len)
            version = np.lib.format.read_magic(handle)
            read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
            shape, fortran, dtype = read_header(handle)
            offset = handle.tell()
            end = info.header_offset + 30 + name_len + extra_len + info.file_size
            if offset + int(np.prod(shape)) * dtype.itemsize > end:
                raise ValueError(f"member {info.filename} is truncated")
            out[info.filename[:-4]] = np.memmap(
                path, dtype=dtype, mode="r", offset=offset, shape=shape, order="F" if fortran else "C"
            )
    return out


def load(folder: Path) -> Aggregates:
    """Read the aggregates of an artifact folder; ArtifactError names the file when missing or corrupt."""
    folder = Path(folder)
    npz, meta = folder / NPZ, folder / JSON
    for path in (npz, meta):
        if not path.is_file():
            raise ArtifactError(f"{path}: missing aggregates file (rebuild the artifacts with this version)")
    try:
        spec = AggregateSpec.from_json(json.loads(meta.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ArtifactError(f"{meta}: corrupt aggregates description ({exc})") from None
    try:
        arrays = _mapped_members(npz)
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        raise ArtifactError(f"{npz}: corrupt aggregates file ({exc})") from None
    template = empty(spec)
    cells = arrays.pop("cells", None)
    ok = cells is not None and set(arrays) == set(ARRAYS) and cells.ndim == 1
    if ok:
        for name in ARRAYS:
            shape = list(np.shape(getattr(template, name)))
            if name in CELL_AXIS:
                shape[CELL_AXIS[name]] = len(cells)
            ok &= arrays[name].shape == tuple(shape) and arrays[name].dtype == getattr(template, name).dtype
        ok &= bool(np.all(np.diff(cells) > 0)) and (not len(cells) or cells[0] >= 0 and cells[-1] < spec.n_cells)
    if not ok:
        raise ArtifactError(f"{npz}: corrupt aggregates file (arrays differ from its description)")
    return Aggregates(spec, **arrays, cells=np.asarray(cells))


# --- group summaries from the cells ----------------------------------------------------------


def cell_selector(spec: AggregateSpec, group: ConcreteGroup) -> np.ndarray | None:
    """Flat cells whose union is the group (None: nobody; the k-nearest group is not a union of cells)."""
    if group.nearest_of is not None:
        raise ValueError("the k-nearest group is not a union of cells: summarise the neighbours' rows")
    picks = []
    choices = (
        None if group.refused is None else int(group.refused),
        group.gender,
        group.contract,
        group.age_band,
        group.income_band,
    )
    # A chosen value is one of the named levels or bands (never the "missing / other" cell); any: every cell.
    named = (2, len(spec.gender_levels), len(spec.contract_levels), len(AGE_BANDS), len(INCOME_BANDS))
    for choice, size, axis in zip(choices, named, spec.cell_shape, strict=True):
        if choice is None:
            picks.append(np.arange(axis))
        elif choice == NOBODY or not 0 <= choice < size:
            return None
        else:
            picks.append(np.asarray([choice]))
    mesh = np.meshgrid(*picks, indexing="ij")
    return np.sort(np.ravel_multi_index([m.ravel() for m in mesh], spec.cell_shape))


def quantiles_of(spec: AggregateSpec, name: str, counts: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """Quantiles from fine-bin counts: linear within a bin, the bin's whole value for whole-number names."""
    i = spec.names.index(name)
    edges = np.asarray(spec.edges[i])
    total = counts.sum()
    cum = np.concatenate([[0], np.cumsum(counts)])  # cum[b] = count below bin b
    target = np.maximum(levels * total, 1e-9)  # level 0 lands in the first non-empty bin
    # Bin holding each target: first bin whose cumulative count reaches it (empty bins skipped).
    b = np.clip(np.searchsorted(cum[1:], target, side="left"), 0, len(counts) - 1)
    if spec.whole[i]:
        # Whole values: the bins hold the sorted values exactly, so numpy's linear quantile is exact too.
        values = _whole_values(edges)
        h = (total - 1) * np.asarray(levels, dtype=float)
        low = np.floor(h)
        at = lambda k: values[np.clip(np.searchsorted(cum[1:], k, side="right"), 0, len(counts) - 1)]  # noqa: E731
        return at(low) + (h - low) * (at(np.minimum(low + 1, total - 1)) - at(low))
    lows = np.concatenate([[edges[0]], edges])[b]
    highs = np.concatenate([edges, [edges[-1]]])[b]
    share = np.where(counts[b] > 0, (target - cum[b]) / np.maximum(counts[b], 1), 0.0)
    return lows + np.clip(share, 0, 1) * (highs - lows)


QUANTILE_LEVELS = np.linspace(0, 1, 1001)


def _whole_values(edges: np.ndarray) -> np.ndarray:
    """The value of each fine bin of a whole-number name (outer bins: one below / above the sample's range)."""
    return np.concatenate([[edges[0] - 0.5], (edges[:-1] + edges[1:]) / 2, [edges[-1] + 0.5]])


def chart_counts(spec: AggregateSpec, name: str, counts: np.ndarray, chart_edges: np.ndarray) -> np.ndarray:
    """Counts of chart bins (values outside clipped into the end bins), spreading each fine bin evenly."""
    i = spec.names.index(name)
    edges = np.asarray(spec.edges[i])
    if spec.whole[i]:  # each whole value falls in one chart bin, as np.histogram puts it (last edge included)
        values = np.clip(_whole_values(edges), chart_edges[0], chart_edges[-1])
        bins = np.clip(np.searchsorted(chart_edges, values, side="right") - 1, 0, len(chart_edges) - 2)
        return np.bincount(bins, weights=counts, minlength=len(chart_edges) - 1).round().astype(np.int64)
    cum = np.cumsum(counts)[:-1]  # at each inner edge: everything below it (the open lower bin sits on edges[0])
    at = np.interp(chart_edges, edges, cum, left=0.0, right=float(counts.sum()))
    at[0], at[-1] = 0.0, float(counts.sum())
    return np.diff(np.round(at)).astype(np.int64)


def summary(aggregates: Aggregates, group: ConcreteGroup, name: str, bins: int = 30) -> GroupSummary | None:
    """The group's GroupSummary of one characteristic (None: empty group), as comparison.summarise gives it."""
    spec = aggregates.spec
    cells = cell_selector(spec, group)
    if cells is None:
        return None
    pos = aggregates.positions(cells)
    n = int(np.asarray(aggregates.count)[pos].sum())
    if n == 0:
        return None
    i = spec.names.index(name)
    width = len(spec.edges[i]) + 1
    per_cell = np.asarray(aggregates.hist[i][pos, :width], dtype=np.int64)
    flat = pos if aggregates.cells is None else aggregates.cells[pos]
    refused_cells = np.unravel_index(flat, spec.cell_shape)[0] == 1
    granted, refused = per_cell[~refused_cells].sum(axis=0), per_cell[refused_cells].sum(axis=0)
    counts = granted + refused
    n_values = int(counts.sum())
    if n_values == 0:
        return GroupSummary([], [], [], n, 0, None, [])
    quantiles = quantiles_of(spec, name, counts, QUANTILE_LEVELS)
    low, high = quantiles[5], quantiles[995]
    if high <= low:
        low, high = quantiles[0], max(quantiles[-1], quantiles[0] + 1.0)
    if np.allclose(quantiles, np.round(quantiles)) and quantiles[-1] - quantiles[0] <= bins:  # as summarise
        edges = np.arange(quantiles[0] - 0.5, quantiles[-1] + 1.5)
    else:
        edges = np.linspace(low, high, bins + 1)
    return GroupSummary(
        edges=[float(e) for e in edges],
        granted=chart_counts(spec, name, granted, edges).tolist(),
        refused=chart_counts(spec, name, refused, edges).tolist(),
        n=n,
        n_values=n_values,
        median=float(quantiles[500]),
        quantiles=quantiles.tolist(),
    )


def _pair(spec: AggregateSpec, x_name: str, y_name: str) -> tuple[int, bool] | None:
    for j, pair in enumerate(spec.pairs):
        if pair == (x_name, y_name):
            return j, False
        if pair == (y_name, x_name):
            return j, True
    return None


def has_cross(spec: AggregateSpec, x_name: str, y_name: str) -> bool:
    return x_name == y_name or _pair(spec, x_name, y_name) is not None


def _diagonal(aggregates: Aggregates, cells: np.ndarray, name: str, size: int) -> CrossView:
    """A characteristic against itself: its histogram on the grid's diagonal."""
    spec = aggregates.spec
    i = spec.names.index(name)
    counts = np.asarray(aggregates.hist[i][cells], dtype=np.int64).sum(axis=0)[: len(spec.edges[i]) + 1]
    n = int(counts.sum())
    if n == 0:
        return CrossView(0, None, None, (None, None), size)
    edges = _used_edges(np.asarray(spec.grid[i]), counts, spec, name)
    centres = ((edges[:-1] + edges[1:]) / 2).tolist()
    grid = np.diag(chart_counts(spec, name, counts, edges)).astype(int).tolist()
    median = _median_from(spec, name, counts)
    spread = quantiles_of(spec, name, counts, np.asarray([0.0, 1.0]))
    rho = 1.0 if n >= 3 and spread[1] > spread[0] else None
    return CrossView(
        n, None, (centres, centres, grid), (None, None), group_size=size, medians=(median, median), correlation=rho
    )


def _median_from(spec: AggregateSpec, name: str, counts: np.ndarray) -> float | None:
    return float(quantiles_of(spec, name, counts, np.asarray([0.5]))[0]) if counts.sum() else None


def cross(aggregates: Aggregates, group: ConcreteGroup, x_name: str, y_name: str) -> CrossView | None:
    """The group's cross view as a density (None: empty group, or a pair without a grid: see ``has_cross``)."""
    spec = aggregates.spec
    found = _pair(spec, x_name, y_name)
    cells = cell_selector(spec, group)
    if (found is None and x_name != y_name) or cells is None:
        return None
    cells = aggregates.positions(cells)
    size = int(np.asarray(aggregates.count)[cells].sum())
    if size == 0:
        return None
    if found is None:
        return _diagonal(aggregates, cells, x_name, size)
    j, swapped = found
    counts = np.asarray(aggregates.grid[j][cells], dtype=np.int64).sum(axis=0)  # [x bin, y bin] of the stored pair
    moments = np.asarray(aggregates.moments[j][cells], dtype=np.float64).sum(axis=0)
    first, second = spec.pairs[j]
    n = int(counts.sum())
    if n == 0:
        return CrossView(0, None, None, (None, None), size)
    # Medians over clients with both values: the characteristic's own histogram (the score is never missing)
    # and the score's histogram minus that of the clients missing the characteristic.
    i, p = spec.names.index(first), spec.names.index(PROBABILITY)
    first_counts = np.asarray(aggregates.hist[i][cells], dtype=np.int64).sum(axis=0)[: len(spec.edges[i]) + 1]
    score_counts = np.asarray(aggregates.hist[p][cells], dtype=np.int64).sum(axis=0)[: len(spec.edges[p]) + 1]
    if first in spec.may_miss:
        missing = aggregates.proba_missing[spec.may_miss.index(first)][cells]
        score_counts = score_counts - np.asarray(missing, dtype=np.int64).sum(axis=0)
    medians = (_median_from(spec, first, first_counts), _median_from(spec, second, score_counts))
    su, sv, suu, svv, suv = moments
    var_u, var_v = suu - su * su / n, svv - sv * sv / n
    rho = None
    if n >= 3 and var_u > 1e-12 and var_v > 1e-12:
        rho = float(np.clip((suv - su * sv / n) / np.sqrt(var_u * var_v), -1.0, 1.0))
    x_edges, y_edges = np.asarray(spec.grid[i]), np.asarray(spec.grid[p])
    counts, medians = _crop(counts, x_edges, first_counts, spec, first), medians
    counts = _crop(counts.T, y_edges, score_counts, spec, second).T
    x_used, y_used = _used_edges(x_edges, first_counts, spec, first), _used_edges(y_edges, score_counts, spec, second)
    centres = lambda e: ((e[:-1] + e[1:]) / 2).tolist()  # noqa: E731
    density = (centres(x_used), centres(y_used), counts.T.astype(int).tolist())  # rows: y, as comparison.cross_view
    if swapped:
        density = (density[1], density[0], counts.astype(int).tolist())
        medians = medians[::-1]
    return CrossView(n, None, density, (None, None), group_size=size, medians=medians, correlation=rho)


def _range(spec: AggregateSpec, name: str, counts: np.ndarray) -> tuple[float, float]:
    low, high = quantiles_of(spec, name, counts, np.asarray([0.005, 0.995]))
    return float(low), float(high)


def _kept(edges: np.ndarray, counts: np.ndarray, spec: AggregateSpec, name: str) -> tuple[int, int]:
    """Grid bins [first, last] covering the group's 0.5-99.5 percentile range (the exact view's clipping)."""
    low, high = _range(spec, name, counts)
    first = int(np.clip(np.searchsorted(edges, low, side="right") - 1, 0, GRID - 1))
    last = int(np.clip(np.searchsorted(edges, high, side="left") - 1, first, GRID - 1))
    return first, last


def _crop(grid: np.ndarray, edges: np.ndarray, counts: np.ndarray, spec: AggregateSpec, name: str) -> np.ndarray:
    """Rows of the grid outside the group's range folded into the first/last kept row."""
    first, last = _kept(edges, counts, spec, name)
    out = grid[first : last + 1].copy()
    out[0] += grid[:first].sum(axis=0)
    out[-1] += grid[last + 1 :].sum(axis=0)
    return out


def _used_edges(edges: np.ndarray, counts: np.ndarray, spec: AggregateSpec, name: str) -> np.ndarray:
    first, last = _kept(edges, counts, spec, name)
    return edges[first : last + 2]


class AggregateStats:
    """The comparison view's data source from the build's aggregates: no per-client array is read.

    Given a folder, the files are read on first use (memory-mapped, after the fork): a missing or corrupt
    file raises ArtifactError there, for the view to say so, and is read again on the next request.
    """

    source = "aggregates"

    def __init__(self, aggregates: Aggregates | Path | str):
        self._folder = None if isinstance(aggregates, Aggregates) else Path(aggregates)
        self._loaded = aggregates if isinstance(aggregates, Aggregates) else None

    @property
    def aggregates(self) -> Aggregates:
        if self._loaded is None:
            self._loaded = load(self._folder)
        return self._loaded

    def levels(self) -> dict[str, Sequence[str]]:
        spec = self.aggregates.spec
        return {"CODE_GENDER": spec.gender_levels, "NAME_CONTRACT_TYPE": spec.contract_levels}

    def group_aggregates(self, group: ConcreteGroup, x_name: str, y_name: str):
        found = summary(self.aggregates, group, x_name)
        return None if found is None else (found, cross(self.aggregates, group, x_name, y_name))


def comparable_names(features: Sequence[str]) -> tuple[str, ...]:
    """The comparable characteristics a model with these features has (as comparison.comparable)."""
    return tuple(name for name in COMPARABLE if name == PROBABILITY or name in features)

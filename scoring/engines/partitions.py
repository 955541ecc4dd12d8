"""Work on one partition of a portfolio, as a Dask worker does it: pure functions of (partition, settings).

A partition is a Parquet file of ``application_train`` / ``application_test`` or a synthetic partition
generated on the worker (``scoring.synthetic_partitions``). Every pass of the Dask build reads its partition
again instead of keeping the raw table in memory: a partition gives the same rows every time, so the
passes agree on which client is which.

Which labelled clients are held out (to stop boosting and calibrate, or to measure) is a pure function of the
client id and the seed (``roles``), so every worker decides it alone, with no list shipped around.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from scoring.errors import DataError
from scoring.features import FeatureTransform
from scoring.fields import FIELDS, STORED_RAW_COLUMNS
from scoring.loading import check_columns, clean_anomalies, prepare_chunk
from scoring.reading import TableFormat
from scoring.schema import ID_COLUMN, TARGET_COLUMN
from scoring.synthetic_partitions import Partition, generate

TRAIN_TABLE, TEST_TABLE = "application_train", "application_test"
FIT, VALID, TEST = 0, 1, 2  # roles of a labelled client: learnt from / stops boosting and calibrates / measures
# Split codes of the artifact's ``split`` array (scoring/pipeline.py): 0 learnt from, 2 holdout, 3 unlabelled.
SPLIT_CODE = {FIT: 0, VALID: 0, TEST: 2}
UNLABELLED = 3
_PARQUET = TableFormat(kind="parquet")


@dataclass(frozen=True)
class Source:
    """One partition: a Parquet file, or a synthetic partition generated where it is needed."""

    table: str
    file: str | None = None
    synthetic: Partition | None = None

    @property
    def labelled(self) -> bool:
        return self.table == TRAIN_TABLE

    @property
    def name(self) -> str:
        if self.file is not None:
            return f"{Path(self.file).parent.name}/{Path(self.file).name}"
        return f"{self.table} synthetic partition {self.synthetic.index}"


def load(source: Source, on_bad_rows: str = "error") -> tuple[pd.DataFrame, pd.DataFrame]:
    """The partition validated and cleaned like the local reader does it, and the rows set aside."""
    if source.synthetic is not None:
        frame, _ = clean_anomalies(generate(source.synthetic))
        return frame, pd.DataFrame()
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        raw = pq.read_table(source.file).to_pandas()
    except (pa.ArrowException, OSError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(f"{source.name}: not a readable Parquet file ({first})") from None
    check_columns(list(raw.columns), name=source.name, require_target=True if source.labelled else None)
    loaded = prepare_chunk(raw, _PARQUET, name=source.name, require_target=True if source.labelled else None)
    if on_bad_rows == "error" and len(loaded.rejected):
        first = loaded.rejected.iloc[0]
        raise DataError(
            f"{source.name}: {first['reason']} at {first['location']} "
            "(--on-bad-rows skip sets such rows aside in a side file)"
        )
    return loaded.frame, loaded.rejected


def roles(ids: np.ndarray, seed: int, share: float) -> np.ndarray:
    """FIT / VALID / TEST of each labelled client: a hash of (id, seed) below ``share`` validates, the next
    ``share`` measures. Pure and per row: any worker assigns any client alone, always the same way."""
    x = np.asarray(ids, dtype=np.int64).astype(np.uint64) ^ np.uint64(seed & 0xFFFFFFFF)
    with np.errstate(over="ignore"):  # splitmix64: wrapping arithmetic is the point
        x = x + np.uint64(0x9E3779B97F4A7C15)
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        x = x ^ (x >> np.uint64(31))
    u = (x >> np.uint64(11)).astype(np.float64) / float(1 << 53)
    out = np.full(len(u), FIT, dtype=np.int8)
    out[u < 2 * share] = TEST
    out[u < share] = VALID
    return out


@dataclass(frozen=True)
class Survey:
    """What the first pass learns from one partition (its size does not grow with the portfolio but for ids)."""

    columns: tuple[str, ...]
    ids: np.ndarray
    target: np.ndarray | None  # int8, labelled partitions
    category_stats: dict[str, pd.DataFrame]  # field -> per-level sum and count of TARGET over FIT rows
    levels: dict[str, list]  # stored categorical raw column -> levels seen
    held_out: pd.DataFrame  # raw rows of VALID and TEST clients, with their role in ``_role``
    rejected: pd.DataFrame


def survey(source: Source, categorical: tuple[str, ...], seed: int, share: float, on_bad_rows: str) -> Survey:
    """Pass 1: ids, the transform's per-level default counts (FIT rows only), display levels, held-out rows."""
    frame, rejected = load(source, on_bad_rows)
    ids = frame[ID_COLUMN].to_numpy(dtype=np.int64)
    levels = {c: sorted(frame[c].dropna().unique().tolist()) for c in STORED_RAW_COLUMNS if FIELDS[c].categorical}
    stats: dict[str, pd.DataFrame] = {}
    held = frame.iloc[:0].assign(_role=np.int8(0))
    target = None
    if source.labelled:
        target = frame[TARGET_COLUMN].to_numpy().astype(np.int8)
        role = roles(ids, seed, share)
        fit = frame[role == FIT]
        y = fit[TARGET_COLUMN].astype(float)
        for name in categorical:
            values = fit[name]
            seen = values.notna()
            stats[name] = y[seen].groupby(values[seen]).agg(["sum", "count"])
        held = frame[role != FIT].assign(_role=role[role != FIT])
    return Survey(tuple(frame.columns), ids, target, stats, levels, held.reset_index(drop=True), rejected)


def transform_from_stats(
    stats: list[dict[str, pd.DataFrame]], n_fit: int, defaults: int, protected: tuple[str, ...]
) -> FeatureTransform:
    """The transform of the FIT rows from the partitions' per-level counts (``n_fit`` rows, ``defaults`` of them
    defaulters: the smoothing prior)."""
    from scoring import fields as registry

    chosen = tuple(f.name for f in registry.model_features(tuple(protected)))
    prior = defaults / max(n_fit, 1)
    codes: dict[str, dict[str, int]] = {}
    for name in chosen:
        if not FIELDS[name].categorical:
            continue
        parts = [part[name] for part in stats if name in part and len(part[name])]
        if parts:
            merged = pd.concat(parts).groupby(level=0).sum().sort_index()
            risk = (merged["sum"] + 20 * prior) / (merged["count"] + 20)
            order = risk.sort_values(kind="stable").index
        else:
            order = []
        codes[name] = {str(level): i for i, level in enumerate(order)}
    return FeatureTransform(features=chosen, category_codes=codes, protected=tuple(protected))


def training_frame(source: Source, transform: FeatureTransform, seed: int, share: float) -> pd.DataFrame:
    """Pass 2 (``dask.dataframe.from_map``): the FIT rows' model matrix and label, as float32 columns."""
    frame, _ = load(source, on_bad_rows="skip")  # pass 1 already stopped on bad rows when asked to
    fit = frame[roles(frame[ID_COLUMN].to_numpy(dtype=np.int64), seed, share) == FIT]
    out = pd.DataFrame(transform.transform(fit), columns=transform.feature_names)
    out["_label"] = fit[TARGET_COLUMN].to_numpy(dtype=np.float32)
    return out


def training_meta(transform: FeatureTransform) -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series(dtype=np.float32) for name in [*transform.feature_names, "_label"]})


@lru_cache(maxsize=2)
def worker_booster(path: str):
    """The booster of a build, loaded once per worker process, predicting with one thread."""
    import xgboost as xgb

    booster = xgb.Booster()
    booster.load_model(path)
    booster.set_param({"nthread": 1})
    return booster


@dataclass(frozen=True)
class Written:
    """What pass 3 sends back from a partition: sums, never rows."""

    rows: int
    abs_contrib_sum: np.ndarray  # per feature: sum of |calibrated SHAP| (global importance is its mean)
    base: float
    partial_aggregates: object | None = None
    partial_seconds: float = 0.0  # CPU time of the partial, for the benchmark


def write_slice(
    source: Source,
    positions: np.ndarray,
    folder: str,
    model: str,
    platt: tuple[float, float],
    transform_dict: dict,
    levels: dict[str, list],
    seed: int,
    share: float,
    aggregate_spec=None,
) -> Written:
    """Pass 3: score, explain and store one partition's clients at their rows of the portfolio arrays.

    The arrays were created full size by the client (``open_memmap``); this partition writes only its rows
    (``positions``: the clients' places in the id-sorted portfolio), so no process ever holds the portfolio.
    """
    from scoring.calibration import Platt
    from scoring.pipeline import score

    frame, _ = load(source, on_bad_rows="skip")
    transform = FeatureTransform.from_dict(transform_dict)
    features = transform.transform(frame)
    proba, contrib, base = score(worker_booster(model), Platt(*platt), features)
    ids = frame[ID_COLUMN].to_numpy(dtype=np.int64)
    if source.labelled:
        target = frame[TARGET_COLUMN].to_numpy().astype(np.int8)
        split = np.vectorize(SPLIT_CODE.get, otypes=[np.int8])(roles(ids, seed, share))
    else:
        target = np.full(len(frame), -1, dtype=np.int8)
        split = np.full(len(frame), UNLABELLED, dtype=np.int8)
    columns = {"ids": ids, "proba": proba, "target": target, "split": split, "contrib": contrib, "features": features}
    for column in STORED_RAW_COLUMNS:
        values = frame[column]
        if FIELDS[column].categorical:
            codes = pd.Categorical(values, categories=levels[column]).codes
            columns[f"raw_{column}"] = codes.astype(np.int16)  # -1 = missing
        else:
            columns[f"raw_{column}"] = values.to_numpy(dtype=np.float32, na_value=np.nan)
    order = np.argsort(positions, kind="stable")  # ascending writes: contiguous runs for id-blocked partitions
    rows = positions[order]
    for name, values in columns.items():
        array = np.load(Path(folder) / f"{name}.npy", mmap_mode="r+")
        array[rows] = values[order]
        array.flush()
        del array
    partial, started = None, time.process_time()
    if aggregate_spec is not None:  # this partition's share of the portfolio aggregates (merged by the client)
        from scoring import aggregates

        chunk = aggregates.chunk_of(frame, features, transform.feature_names, proba, contrib, aggregate_spec.names)
        partial = aggregates.partial(aggregate_spec, chunk)
    seconds = time.process_time() - started
    return Written(len(frame), np.abs(contrib).astype(np.float64).sum(axis=0), float(base), partial, seconds)

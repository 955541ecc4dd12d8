"""Read and validate Home Credit application files (plain, ``.gz`` or ``.zip`` CSV)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from scoring.errors import DataError
from scoring.reading import AUTO, ReadOptions, TableFormat, csv_line, detect, iter_chunks, parquet_files, read_table
from scoring.schema import (
    CATEGORICAL_COLUMNS,
    ID_COLUMN,
    TARGET_COLUMN,
    TEST_COLUMNS,
    TRAIN_COLUMNS,
    column_kind,
)

_SUFFIXES = (".csv", ".csv.gz", ".csv.zip", ".parquet", ".pq")
# Values Kaggle uses for "not available" inside categorical columns.
_CATEGORY_NA = {"XNA", "Unknown"}
_CATEGORY_NA_COLUMNS = {"CODE_GENDER", "NAME_FAMILY_STATUS"}


def find_table(folder: Path, stem: str) -> Path | None:
    """``folder/stem`` as CSV (``.csv``, ``.csv.gz``, ``.csv.zip``), Parquet file, or folder of Parquet partitions."""
    for suffix in _SUFFIXES:
        path = Path(folder) / f"{stem}{suffix}"
        if path.is_file():
            return path
    partitions = Path(folder) / stem
    if partitions.is_dir() and parquet_files(partitions):
        return partitions
    return None


def _short_list(names: list[str], limit: int = 8) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" (+{len(names) - limit} more)" if len(names) > limit else "")


def read_csv_checked(path: Path, options: ReadOptions = AUTO) -> pd.DataFrame:
    """Read a client table (any CSV dialect, compressed or not, or Parquet) or raise a one-line DataError."""
    return read_checked(path, options)[0]


def read_checked(path: Path, options: ReadOptions = AUTO) -> tuple[pd.DataFrame, TableFormat]:
    frame, fmt = read_table(path, options)
    return (unwrap_quoted_rows(frame, fmt.sep) if fmt.kind == "csv" else frame), fmt


def unwrap_quoted_rows(frame: pd.DataFrame, sep: str = ",") -> pd.DataFrame:
    """Repair rows that were written as one quoted field (seen in real Kaggle extracts).

    Such a row lands entirely in the first column with every other column empty; re-parsing the
    field recovers it, so nothing is lost. Rows that do not re-parse to the right width are left
    alone for validation to report.
    """
    first = frame.columns[0]
    if frame.shape[1] < 2 or frame[first].dtype.kind in "biuf":
        return frame
    text = frame[first].astype("string")
    suspects = text.str.contains(sep, regex=False).fillna(False) & frame.iloc[:, 1:].isna().all(axis=1)
    if not suspects.any():
        return frame
    frame = frame.astype(object)
    for index in frame.index[suspects.to_numpy()]:
        fields = next(csv.reader(io.StringIO(str(frame.at[index, first])), delimiter=sep))
        if len(fields) == frame.shape[1]:
            frame.loc[index] = [None if f == "" else f for f in fields]
    return frame


ON_BAD_ROWS = ("error", "skip")


@dataclass(frozen=True)
class Loaded:
    """A validated table, the format it was read in, and the rows set aside (with ``location`` and ``reason``)."""

    frame: pd.DataFrame
    fmt: TableFormat | None
    rejected: pd.DataFrame


def check_columns(columns: list[str], *, name: str, require_target: bool | None) -> tuple[str, ...]:
    """The schema's columns for this table, or a one-line DataError on missing/extra/duplicated names."""
    has_target = TARGET_COLUMN in columns
    if require_target and not has_target:
        raise DataError(f"{name}: missing column TARGET (needed to train)")
    if require_target is False and has_target:
        columns = [c for c in columns if c != TARGET_COLUMN]
        has_target = False
    expected = TRAIN_COLUMNS if has_target else TEST_COLUMNS
    missing = [c for c in expected if c not in columns]
    extra = [c for c in columns if c not in expected]
    if missing:
        raise DataError(f"{name}: missing columns: {_short_list(missing)}")
    if extra:
        raise DataError(f"{name}: unexpected columns: {_short_list(extra)}")
    dupes = [c for c in set(columns) if columns.count(c) > 1]
    if dupes:
        raise DataError(f"{name}: duplicated column names: {_short_list(sorted(dupes))}")
    return expected


def _row_reasons(frame: pd.DataFrame, expected: tuple[str, ...]) -> tuple[pd.DataFrame, pd.Series]:
    """Coerce every column to its schema type; the reason each row is unusable ("" when it is fine)."""
    reasons = pd.Series("", index=frame.index, dtype=object)

    def flag(mask, text) -> None:
        mask = pd.Series(mask, index=frame.index).fillna(False).astype(bool) & (reasons == "")
        reasons[mask] = text if isinstance(text, str) else text[mask]

    out = {}
    for column in expected:
        series = frame[column]
        if column_kind(column) == "category":
            values = series.astype("string").astype(object)
            out[column] = values.where(series.notna(), None).astype("object")
            continue
        numeric = pd.to_numeric(series, errors="coerce").astype(float)
        bad = numeric.isna() & series.notna()
        if bad.any():
            found = series.astype(str).str.slice(0, 30)
            flag(bad, f"column {column} expects numbers, found " + found.map(repr))
            numeric[bad] = np.nan
        infinite = np.isinf(numeric)
        if infinite.any():
            flag(infinite, f"column {column} contains infinite values")
            numeric[infinite] = np.nan
        out[column] = numeric
    result = pd.DataFrame(out, index=frame.index)
    ids = result[ID_COLUMN]
    flag(ids.isna() & (reasons == ""), "no SK_ID_CURR")
    flag(ids.notna() & (ids != ids.round()), "SK_ID_CURR must be a whole number")
    duplicated = ids.duplicated() & ids.notna()
    flag(duplicated, "duplicated SK_ID_CURR: " + ids.map(lambda v: "" if pd.isna(v) else str(int(v))))
    if TARGET_COLUMN in result:
        target = result[TARGET_COLUMN]
        flag(~target.isin([0, 1]), "TARGET must be 0 or 1, found " + target.map(repr))
    return result, reasons


def validate_rows(
    frame: pd.DataFrame,
    *,
    name: str,
    require_target: bool | None = None,
    on_bad_rows: str = "error",
    locate=csv_line,
    allow_empty: bool = False,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Check columns and types; return (valid rows with schema dtypes, rejected original rows with reasons).

    ``on_bad_rows="error"`` raises a one-line DataError naming the first bad row, its location and how
    many rows are affected; ``"skip"`` sets them aside, so that no row is ever dropped silently.
    """
    if on_bad_rows not in ON_BAD_ROWS:
        raise DataError(f"on_bad_rows must be one of {', '.join(ON_BAD_ROWS)}, not {on_bad_rows!r}")
    columns = [str(c) for c in frame.columns]
    expected = check_columns(columns, name=name, require_target=require_target)
    frame = frame.reset_index(drop=True)
    result, reasons = _row_reasons(frame, expected)
    bad = reasons != ""
    if bad.any() and on_bad_rows == "error":
        first = int(np.flatnonzero(bad.to_numpy())[0])
        count = int(bad.sum())
        rows = f"{count} row{'s' if count > 1 else ''}"
        raise DataError(
            f"{name}: {reasons.iloc[first]} at {locate(first)} ({rows} fail validation; "
            "--on-bad-rows skip sets them aside in a side file)"
        )
    rejected = frame.loc[bad].astype(object).copy()
    rejected.insert(0, "reason", reasons[bad].to_numpy())
    rejected.insert(0, "location", [locate(int(i)) for i in np.flatnonzero(bad.to_numpy())])
    result = result.loc[~bad].reset_index(drop=True)
    if result.empty and not allow_empty:
        raise DataError(f"{name}: no valid row ({len(rejected)} rows fail validation, first: {rejected['reason'].iloc[0]})")
    if TARGET_COLUMN in result:
        result[TARGET_COLUMN] = result[TARGET_COLUMN].astype(np.int8)
    result[ID_COLUMN] = result[ID_COLUMN].astype(np.int64)
    return result, rejected


def validate_application(frame: pd.DataFrame, *, name: str, require_target: bool | None = None) -> pd.DataFrame:
    """Check columns and types of an application table and return it with schema dtypes.

    ``require_target``: True for training data, False for data scored without it (a TARGET column is
    then ignored), None to accept both (TARGET then kept if present). Any bad row raises.
    """
    return validate_rows(frame, name=name, require_target=require_target)[0]


def clean_anomalies(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Replace known Kaggle anomalies and absurd values by missing values; say what changed.

    The DAYS_EMPLOYED sentinel is kept here (the feature transform turns it into a flag), so that
    the raw table still matches the Kaggle file.
    """
    frame = frame.copy()
    notes: list[str] = []
    for column in _CATEGORY_NA_COLUMNS & set(frame.columns):
        mask = frame[column].isin(_CATEGORY_NA)
        if mask.any():
            frame.loc[mask, column] = None
            notes.append(f"{column}: {int(mask.sum())} 'XNA'/'Unknown' values treated as missing")
    checks = {
        "AMT_INCOME_TOTAL": lambda s: s <= 0,
        "AMT_CREDIT": lambda s: s <= 0,
        "AMT_ANNUITY": lambda s: s <= 0,
        "AMT_GOODS_PRICE": lambda s: s <= 0,
        "DAYS_BIRTH": lambda s: (s > -18 * 365) | (s < -100 * 365),
        "CNT_CHILDREN": lambda s: (s < 0) | (s > 30),
        "CNT_FAM_MEMBERS": lambda s: (s < 1) | (s > 40),
        "OWN_CAR_AGE": lambda s: (s < 0) | (s > 100),
    }
    for column, is_absurd in checks.items():
        if column not in frame.columns:
            continue
        mask = is_absurd(frame[column]).fillna(False).to_numpy(dtype=bool)
        if mask.any():
            frame.loc[mask, column] = np.nan
            notes.append(f"{column}: {int(mask.sum())} out-of-range values treated as missing")
    days = frame.get("DAYS_EMPLOYED")
    if days is not None:
        mask = ((days > 0) & (days != 365243)) | (days < -80 * 365)
        if mask.any():
            frame.loc[mask, "DAYS_EMPLOYED"] = np.nan
            notes.append(f"DAYS_EMPLOYED: {int(mask.sum())} out-of-range values treated as missing")
    return frame, notes


def read_application(
    path: Path,
    *,
    require_target: bool | None = None,
    options: ReadOptions = AUTO,
    on_bad_rows: str = "error",
) -> Loaded:
    """Read (format detected unless forced), validate and clean one application file."""
    frame, fmt = read_checked(path, options)
    valid, rejected = validate_rows(
        frame, name=Path(path).name, require_target=require_target, on_bad_rows=on_bad_rows, locate=fmt.locate
    )
    valid, _ = clean_anomalies(valid)
    return Loaded(valid, fmt, rejected)


def prepare_chunk(
    chunk: pd.DataFrame,
    fmt: TableFormat,
    *,
    name: str,
    start: int = 0,
    require_target: bool | None = None,
    seen: np.ndarray | None = None,
) -> Loaded:
    """Validate and clean one chunk whose first row is the table's ``start``-th; bad rows set aside.

    ``seen``: ids of earlier chunks, so that an id repeated across chunks is a duplicate too.
    """
    chunk = unwrap_quoted_rows(chunk, fmt.sep) if fmt.kind == "csv" else chunk
    valid, rejected = validate_rows(
        chunk,
        name=name,
        require_target=require_target,
        on_bad_rows="skip",
        locate=lambda i: fmt.locate(start + i),
        allow_empty=True,
    )
    if seen is not None and len(seen):
        again = np.isin(valid[ID_COLUMN].to_numpy(), seen)
        if again.any():
            repeated = valid.loc[again].astype(object)
            repeated.insert(0, "reason", "duplicated SK_ID_CURR: " + repeated[ID_COLUMN].astype(str))
            repeated.insert(0, "location", "a later occurrence")
            rejected = pd.concat([rejected, repeated.reindex(columns=rejected.columns)], ignore_index=True)
            valid = valid.loc[~again].reset_index(drop=True)
    valid, _ = clean_anomalies(valid)
    return Loaded(valid, fmt, rejected)


def stop_on_bad_rows(loaded: Loaded, name: str) -> None:
    """The one-line error for the first row set aside (``--on-bad-rows error``)."""
    if len(loaded.rejected):
        first = loaded.rejected.iloc[0]
        raise DataError(
            f"{name}: {first['reason']} at {first['location']} (--on-bad-rows skip sets such rows aside in a side file)"
        )


def iter_applications(
    path: Path,
    *,
    require_target: bool | None = None,
    options: ReadOptions = AUTO,
    on_bad_rows: str = "error",
    rows: int = 100_000,
) -> Iterator[Loaded]:
    """The validated, cleaned table chunk by chunk (flat memory); rows are located in the whole file.

    An id seen in an earlier chunk is a duplicate like one within a chunk; the ids seen are kept (8 bytes per
    client) to tell.
    """
    path = Path(path)
    fmt = detect(path, options)
    offset, seen = 0, np.empty(0, dtype=np.int64)
    for chunk in iter_chunks(path, fmt, rows):
        loaded = prepare_chunk(chunk, fmt, name=path.name, start=offset, require_target=require_target, seen=seen)
        if on_bad_rows == "error":
            stop_on_bad_rows(loaded, path.name)
        seen = np.union1d(seen, loaded.frame[ID_COLUMN].to_numpy())
        offset += len(chunk)
        yield loaded


def load_application_file(path: Path, *, require_target: bool | None = None) -> pd.DataFrame:
    """Read, validate and clean one application file (any bad row raises)."""
    return read_application(path, require_target=require_target).frame


def read_kaggle_folder(
    folder: Path, options: ReadOptions = AUTO, on_bad_rows: str = "error"
) -> tuple[Loaded, Loaded | None]:
    """``application_train`` (required) and ``application_test`` (optional) from a folder, or one labelled file."""
    folder = Path(folder)
    if folder.is_file():
        return read_application(folder, require_target=True, options=options, on_bad_rows=on_bad_rows), None
    if not folder.is_dir():
        raise DataError(f"{folder}: folder not found")
    train_path = find_table(folder, "application_train")
    if train_path is None:
        raise DataError(
            f"{folder}: no application_train.csv in this folder (nor .csv.gz, .csv.zip, .parquet, a folder of Parquet files)"
        )
    train = read_application(train_path, require_target=True, options=options, on_bad_rows=on_bad_rows)
    test_path = find_table(folder, "application_test")
    test = None
    if test_path is not None:
        test = read_application(test_path, require_target=False, options=options, on_bad_rows=on_bad_rows)
        overlap = np.intersect1d(train.frame[ID_COLUMN].to_numpy(), test.frame[ID_COLUMN].to_numpy())
        if len(overlap):
            raise DataError(
                f"{test_path.name}: {len(overlap)} SK_ID_CURR also in {train_path.name} (e.g. {int(overlap[0])})"
            )
    return train, test


def load_kaggle_folder(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Load ``application_train`` (required) and ``application_test`` (optional) from a folder."""
    train, test = read_kaggle_folder(folder)
    return train.frame, None if test is None else test.frame


__all__ = [
    "CATEGORICAL_COLUMNS",
    "clean_anomalies",
    "find_table",
    "load_application_file",
    "load_kaggle_folder",
    "read_application",
    "read_csv_checked",
    "read_kaggle_folder",
    "validate_application",
    "validate_rows",
]

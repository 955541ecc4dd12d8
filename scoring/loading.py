"""Read and validate Home Credit application files (plain, ``.gz`` or ``.zip`` CSV)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd

from scoring.errors import DataError
from scoring.schema import (
    CATEGORICAL_COLUMNS,
    ID_COLUMN,
    TARGET_COLUMN,
    TEST_COLUMNS,
    TRAIN_COLUMNS,
    column_kind,
)

_SUFFIXES = (".csv", ".csv.gz", ".csv.zip")
# Values Kaggle uses for "not available" inside categorical columns.
_CATEGORY_NA = {"XNA", "Unknown"}
_CATEGORY_NA_COLUMNS = {"CODE_GENDER", "NAME_FAMILY_STATUS"}


def find_table(folder: Path, stem: str) -> Path | None:
    """Return ``folder/stem.csv`` (or ``.csv.gz`` / ``.csv.zip``) if present."""
    for suffix in _SUFFIXES:
        path = Path(folder) / f"{stem}{suffix}"
        if path.is_file():
            return path
    return None


def _short_list(names: list[str], limit: int = 8) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" (+{len(names) - limit} more)" if len(names) > limit else "")


def read_csv_checked(path: Path) -> pd.DataFrame:
    """Read a CSV (compression from the suffix) or raise a one-line DataError."""
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: file not found")
    if path.is_dir():
        raise DataError(f"{path}: is a folder, expected a CSV file")
    try:
        frame = pd.read_csv(path, low_memory=False)
    except pd.errors.EmptyDataError:
        raise DataError(f"{path.name}: the file is empty") from None
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError, OSError, EOFError) as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(f"{path.name}: not a readable CSV ({first_line})") from None
    if frame.empty:
        raise DataError(f"{path.name}: the file has a header but no rows")
    return unwrap_quoted_rows(frame)


def unwrap_quoted_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Repair rows that were written as one quoted field (seen in real Kaggle extracts).

    Such a row lands entirely in the first column with every other column empty; re-parsing the
    field recovers it, so nothing is lost. Rows that do not re-parse to the right width are left
    alone for validation to report.
    """
    first = frame.columns[0]
    if frame.shape[1] < 2 or frame[first].dtype.kind in "biuf":
        return frame
    text = frame[first].astype("string")
    suspects = text.str.contains(",", regex=False).fillna(False) & frame.iloc[:, 1:].isna().all(axis=1)
    if not suspects.any():
        return frame
    frame = frame.astype(object)
    for index in frame.index[suspects.to_numpy()]:
        fields = next(csv.reader(io.StringIO(str(frame.at[index, first]))))
        if len(fields) == frame.shape[1]:
            frame.loc[index] = [None if f == "" else f for f in fields]
    return frame


def validate_application(frame: pd.DataFrame, *, name: str, require_target: bool | None = None) -> pd.DataFrame:
    """Check columns and types of an application table and return it with schema dtypes.

    ``require_target``: True for training data, False for data that must not carry it,
    None to accept both (TARGET then kept if present).
    """
    columns = [str(c) for c in frame.columns]
    has_target = TARGET_COLUMN in columns
    if require_target and not has_target:
        raise DataError(f"{name}: missing column TARGET (needed to train)")
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

    out = {}
    for column in expected:
        out[column] = _coerce(frame[column], column, name)
    result = pd.DataFrame(out)

    ids = result[ID_COLUMN]
    if ids.isna().any():
        raise DataError(f"{name}: {int(ids.isna().sum())} rows have no SK_ID_CURR")
    duplicated = ids[ids.duplicated()].unique()
    if len(duplicated):
        raise DataError(f"{name}: duplicated SK_ID_CURR: {_short_list([str(int(i)) for i in duplicated])}")
    if has_target:
        target = result[TARGET_COLUMN]
        bad = target[~target.isin([0, 1])]
        if len(bad):
            raise DataError(f"{name}: TARGET must be 0 or 1, found {bad.iloc[0]!r} ({len(bad)} rows)")
        result[TARGET_COLUMN] = target.astype(np.int8)
    result[ID_COLUMN] = ids.astype(np.int64)
    return result


def _coerce(series: pd.Series, column: str, name: str) -> pd.Series:
    kind = column_kind(column)
    if kind == "category":
        values = series.astype("string").astype(object)
        values = values.where(series.notna(), None)
        return values.astype("object")
    numeric = pd.to_numeric(series, errors="coerce")
    bad = numeric.isna() & series.notna()
    if bad.any():
        example = series[bad].iloc[0]
        raise DataError(f"{name}: column {column} expects numbers, found {str(example)[:30]!r} ({int(bad.sum())} rows)")
    if not np.isfinite(numeric.dropna().to_numpy(dtype=float)).all():
        raise DataError(f"{name}: column {column} contains infinite values")
    return numeric.astype(float)


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


def load_application_file(path: Path, *, require_target: bool | None = None) -> pd.DataFrame:
    """Read, validate and clean one application file."""
    frame = read_csv_checked(path)
    frame = validate_application(frame, name=Path(path).name, require_target=require_target)
    frame, _ = clean_anomalies(frame)
    return frame


def load_kaggle_folder(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Load ``application_train`` (required) and ``application_test`` (optional) from a folder."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"{folder}: folder not found")
    train_path = find_table(folder, "application_train")
    if train_path is None:
        raise DataError(f"{folder}: no application_train.csv (.csv, .csv.gz or .csv.zip) in this folder")
    train = load_application_file(train_path, require_target=True)
    test_path = find_table(folder, "application_test")
    test = None
    if test_path is not None:
        test = load_application_file(test_path, require_target=False)
        overlap = np.intersect1d(train[ID_COLUMN].to_numpy(), test[ID_COLUMN].to_numpy())
        if len(overlap):
            raise DataError(
                f"{test_path.name}: {len(overlap)} SK_ID_CURR also in {train_path.name} (e.g. {int(overlap[0])})"
            )
    return train, test


__all__ = [
    "CATEGORICAL_COLUMNS",
    "clean_anomalies",
    "find_table",
    "load_application_file",
    "load_kaggle_folder",
    "read_csv_checked",
    "validate_application",
]

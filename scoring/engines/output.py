"""Writing batch results as they come: one Parquet or CSV file, complete or absent (never half-written)."""

from __future__ import annotations

import gzip
from pathlib import Path

import pandas as pd

from scoring.errors import DataError

PARQUET_SUFFIXES = (".parquet", ".pq")
CSV_SUFFIXES = (".csv", ".csv.gz")


def output_kind(path: Path) -> str:
    name = Path(path).name.lower()
    if name.endswith(PARQUET_SUFFIXES):
        return "parquet"
    if name.endswith(CSV_SUFFIXES):
        return "csv"
    raise DataError(f"{path}: the output must end in .parquet or .csv (or .csv.gz)")


class TableWriter:
    """Appends frames of one schema to ``path`` through a hidden partial file renamed on success."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.kind = output_kind(self.path)
        self.partial = self.path.with_name(f".{self.path.name}.partial")
        self.rows = 0
        self._parquet = None
        self._csv = None

    def __enter__(self) -> TableWriter:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.partial.unlink(missing_ok=True)
        return self

    def write(self, frame: pd.DataFrame) -> None:
        if frame.empty and self.rows:
            return
        if self.kind == "parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            table = pa.Table.from_pandas(frame, preserve_index=False)
            if self._parquet is None:
                self._parquet = pq.ParquetWriter(self.partial, table.schema)
            self._parquet.write_table(table.cast(self._parquet.schema))
        else:
            if self._csv is None:
                opener = gzip.open if self.path.name.endswith(".gz") else open
                self._csv = opener(self.partial, "wt", encoding="utf-8", newline="")
            frame.to_csv(self._csv, header=self.rows == 0, index=False)
        self.rows += len(frame)

    def __exit__(self, exc_type, exc, tb) -> None:
        for handle in (self._parquet, self._csv):
            if handle is not None:
                handle.close()
        if exc_type is None and self.partial.exists():
            self.partial.replace(self.path)
        else:
            self.partial.unlink(missing_ok=True)


class SideFile:
    """Rows set aside (with location and reason), written only if there are some."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.rows = 0

    def write(self, rejected: pd.DataFrame) -> None:
        if rejected.empty:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        rejected.to_csv(self.path, mode="a" if self.rows else "w", header=not self.rows, index=False)
        self.rows += len(rejected)

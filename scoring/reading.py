"""Read client tables as analysts have them: CSV of any usual dialect, compressed or not, and Parquet.

Detection is automatic and reported on one line (``read as CSV ; decimal , cp1252``); each setting can be
forced (``--sep``, ``--decimal``, ``--encoding``). A French Excel export (``;``, decimal comma, UTF-8 with a
byte-order mark, or cp1252) reads like Kaggle's own files. Every failure is one line naming the file and,
where there is one, the line.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from scoring.errors import DataError

CSV_SUFFIXES = (".csv", ".csv.gz", ".csv.zip", ".txt")
PARQUET_SUFFIXES = (".parquet", ".pq")
SEPARATORS = (",", ";", "\t", "|")
_SNIFF_BYTES = 1 << 20  # separator and decimal mark are read off the first MiB
_CHUNK = 4 << 20
_PARQUET_MAGIC = b"PAR1"
_COMMA_NUMBER = re.compile(r"^-?\d+,\d+$")
_POINT_NUMBER = re.compile(r"^-?\d+\.\d+$")
_FIELD_COUNT = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


@dataclass(frozen=True)
class ReadOptions:
    """What the user forces; None lets detection decide."""

    sep: str | None = None
    decimal: str | None = None
    encoding: str | None = None


AUTO = ReadOptions()  # detect everything


@dataclass(frozen=True)
class TableFormat:
    kind: str  # "csv" or "parquet"
    sep: str = ","
    decimal: str = "."
    encoding: str = "utf-8"
    compression: str | None = None  # "gzip", "zip" or None
    files: int = 1  # Parquet partitions read

    def describe(self) -> str:
        if self.kind == "parquet":
            return "read as Parquet" + (f" ({self.files} partitions)" if self.files > 1 else "")
        sep = {"\t": "tab"}.get(self.sep, self.sep)
        zipped = f", {self.compression}" if self.compression else ""
        return f"read as CSV {sep} decimal {self.decimal} {self.encoding}{zipped}"

    def locate(self, position: int) -> str:
        """Where the ``position``-th data row (0-based) sits in the file, in the user's words."""
        return f"row {position + 1}" if self.kind == "parquet" else csv_line(position)


def csv_line(position: int) -> str:
    """The file line of a CSV's ``position``-th data row (the header is line 1; no multi-line fields)."""
    return f"line {position + 2}"


# --------------------------------------------------------------------------- detection


def parquet_files(path: Path) -> list[Path]:
    """The Parquet files of ``path``: the file itself, or a folder's partitions (recursively, sorted)."""
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in PARQUET_SUFFIXES)
    return [path]


def is_parquet(path: Path) -> bool:
    if path.is_dir():
        return bool(parquet_files(path))
    if path.suffix in PARQUET_SUFFIXES:
        return True
    with open(path, "rb") as handle:
        return handle.read(4) == _PARQUET_MAGIC


def compression_of(path: Path) -> str | None:
    with open(path, "rb") as handle:
        magic = handle.read(4)
    if magic[:2] == b"\x1f\x8b":
        return "gzip"
    if magic == b"PK\x03\x04":
        return "zip"
    return None


def _open_bytes(path: Path, compression: str | None) -> io.BufferedIOBase:
    if compression == "gzip":
        return gzip.open(path, "rb")
    if compression == "zip":
        archive = zipfile.ZipFile(path)
        members = [m for m in archive.namelist() if not m.endswith("/")]
        if len(members) != 1:
            raise DataError(f"{path.name}: a zip archive must hold exactly one file, found {len(members)}")
        return archive.open(members[0])
    return open(path, "rb")


def _chunks(stream) -> Iterator[bytes]:
    while chunk := stream.read(_CHUNK):
        yield chunk


def detect_encoding(path: Path, compression: str | None) -> str:
    """UTF-8 (with or without BOM) when the whole file decodes as such, else cp1252, else latin-1."""
    with _open_bytes(path, compression) as stream:
        head = stream.read(3)
        if head == codecs.BOM_UTF8:
            return "utf-8-sig"
    candidates = ("utf-8", "cp1252")
    for encoding in candidates:
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with _open_bytes(path, compression) as stream:
                for chunk in _chunks(stream):
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
            return encoding
        except UnicodeDecodeError:
            continue
    return "latin-1"  # decodes any byte


def _head_text(path: Path, compression: str | None, encoding: str) -> str:
    with _open_bytes(path, compression) as stream:
        raw = stream.read(_SNIFF_BYTES)
    text = raw.decode(encoding, errors="replace")
    return text.lstrip("\ufeff")


def sniff_separator(header: str) -> str:
    """The separator that splits the header line into the most fields (ties: the comma)."""
    counts = {sep: len(next(csv.reader([header], delimiter=sep))) for sep in SEPARATORS}
    return max(SEPARATORS, key=lambda sep: (counts[sep], sep == ","))


def sniff_decimal(lines: list[str], sep: str) -> str:
    """A comma when more fields look like ``12,5`` than like ``12.5`` (impossible with a comma separator)."""
    if sep == ",":
        return "."
    comma = point = 0
    for row in csv.reader(lines, delimiter=sep):
        for value in row:
            comma += bool(_COMMA_NUMBER.match(value))
            point += bool(_POINT_NUMBER.match(value))
    return "," if comma > point else "."


def detect(path: Path, options: ReadOptions = AUTO) -> TableFormat:
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: file not found")
    if is_parquet(path):
        return TableFormat(kind="parquet", files=len(parquet_files(path)))
    if path.is_dir():
        raise DataError(f"{path}: is a folder with no Parquet file, expected a CSV or Parquet file")
    if path.stat().st_size == 0:
        raise DataError(f"{path.name}: the file is empty")
    compression = compression_of(path)
    encoding = options.encoding or detect_encoding(path, compression)
    lines = _head_text(path, compression, encoding).splitlines()[:200]
    if not lines or not lines[0].strip():
        raise DataError(f"{path.name}: the file is empty")
    sep = options.sep or sniff_separator(lines[0])
    decimal = options.decimal or sniff_decimal(lines[1:-1] or lines[1:], sep)
    return TableFormat(kind="csv", sep=sep, decimal=decimal, encoding=encoding, compression=compression)


# --------------------------------------------------------------------------- reading


def _csv_error(path: Path, fmt: TableFormat, exc: Exception) -> DataError:
    text = str(exc).strip()
    found = _FIELD_COUNT.search(text)
    if found:
        expected, line, saw = found.groups()
        return DataError(
            f"{path.name}: line {line} has {saw} fields where the header has {expected} ({fmt.describe()}; "
            "force the dialect with --sep/--decimal/--encoding if it was guessed wrong)"
        )
    first = text.splitlines()[0] if text else type(exc).__name__
    return DataError(f"{path.name}: not a readable CSV ({first}; {fmt.describe()})")


def _read_csv(path: Path, fmt: TableFormat) -> pd.DataFrame:
    try:
        with _open_bytes(path, fmt.compression) as stream:
            return pd.read_csv(
                stream,
                sep=fmt.sep,
                decimal=fmt.decimal,
                encoding=fmt.encoding,
                low_memory=False,
            )
    except pd.errors.EmptyDataError:
        raise DataError(f"{path.name}: the file is empty") from None
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
        raise _csv_error(path, fmt, exc) from None


def _read_parquet(path: Path) -> pd.DataFrame:
    try:  # only analysts' commands read Parquet: the web app never imports pyarrow
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise DataError(f"{path.name}: reading Parquet needs pyarrow (pip install 'pret-a-depenser[batch]')") from None

    files = parquet_files(path)
    frames, columns = [], None
    for file in files:
        name = file.relative_to(path.parent) if path.is_dir() else file.name
        try:
            table = pq.read_table(file)
        except (pa.ArrowException, OSError) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise DataError(f"{name}: not a readable Parquet file ({first})") from None
        if columns is None:
            columns = table.column_names
        elif table.column_names != columns:
            differ = sorted(set(columns) ^ set(table.column_names)) or ["column order"]
            raise DataError(f"{name}: this partition's columns differ from the first partition's ({', '.join(differ[:5])})")
        frames.append(table.to_pandas())
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]


def iter_chunks(path: Path, fmt: TableFormat, rows: int) -> Iterator[pd.DataFrame]:
    """The table in chunks of about ``rows`` rows (Parquet: record batches of each partition), for flat memory."""
    path = Path(path)
    if fmt.kind == "parquet":
        import pyarrow.parquet as pq

        for file in parquet_files(path):
            try:
                for batch in pq.ParquetFile(file).iter_batches(batch_size=rows):
                    yield batch.to_pandas()
            except (OSError, ValueError) as exc:
                raise DataError(f"{file.name}: not a readable Parquet file ({str(exc).splitlines()[0]})") from None
        return
    try:
        with _open_bytes(path, fmt.compression) as stream:
            reader = pd.read_csv(stream, sep=fmt.sep, decimal=fmt.decimal, encoding=fmt.encoding, chunksize=rows)
            for chunk in reader:
                chunk.columns = [str(c).strip().lstrip("\ufeff") for c in chunk.columns]
                yield chunk
    except pd.errors.EmptyDataError:
        raise DataError(f"{path.name}: the file is empty") from None
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
        raise _csv_error(path, fmt, exc) from None


def count_rows(path: Path, fmt: TableFormat) -> int | None:
    """Rows in a Parquet table from its metadata (no data read); None for CSV (unknown without reading it)."""
    if fmt.kind != "parquet":
        return None
    import pyarrow.parquet as pq

    return sum(pq.ParquetFile(file).metadata.num_rows for file in parquet_files(Path(path)))


def read_table(path: Path, options: ReadOptions = AUTO) -> tuple[pd.DataFrame, TableFormat]:
    """Read a client table; the format is detected unless forced. Raises a one-line DataError."""
    path = Path(path)
    fmt = detect(path, options)
    frame = _read_parquet(path) if fmt.kind == "parquet" else _read_csv(path, fmt)
    if frame.empty:
        raise DataError(f"{path.name}: the file has a header but no rows")
    frame.columns = [str(c).strip().lstrip("\ufeff") for c in frame.columns]
    return frame, fmt

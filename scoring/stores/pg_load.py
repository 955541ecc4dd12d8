"""``scoring load-clients``: a file of clients into a new versioned table, then the view switched at once.

Everything happens in one transaction: the table is created, filled by COPY (chunks in CSV, ``FREEZE`` since
the table is new in this transaction), indexed after the COPY, and the view ``clients`` is pointed at it just
before the commit. A load that fails or is killed is rolled back by the server: the previous version keeps
serving and no half table is ever visible. Tables of versions no longer served are dropped afterwards (and at
the start of the next run, should a crash have come between). Same input, same table contents.

The table also holds each client's point for the k-nearest search (``scoring.stores.neighbours``: a ``cube``
column and a bitmask of missing features, computed from the chunk's model features), one partial GiST index
per missing-value pattern built after the COPY, and the ``NeighbourSpace`` the points were made in (the
table's comment): the index and the queries of that version must use the same space.
"""

from __future__ import annotations

import io
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from queue import Empty, Queue

import numpy as np
import pandas as pd

from scoring.artifacts import Artifacts
from scoring.errors import DataError, ScoringError
from scoring.loading import find_table, iter_applications
from scoring.schema import ID_COLUMN, column_kind
from scoring.stores import neighbours as nb
from scoring.stores.pg_schema import (
    RAW_COLUMNS,
    SCORE_COLUMNS,
    TABLE_PATTERN,
    VIEW,
    create_table_sql,
    current_table,
    libpq_url,
    quoted,
    table_name,
    version_tables,
)

CHUNK_ROWS = 100_000
SCALE_SAMPLE = 20_000  # rows of the artifact's portfolio the neighbour scale is measured on (Portfolio.feature_scale's)
NEIGHBOUR_COLUMNS = (nb.POINT, nb.MISSING)


@dataclass(frozen=True)
class LoadResult:
    table: str
    clients: int
    seconds: float
    model_version: str


def input_files(data: Path) -> list[Path]:
    """The files to load: a Kaggle folder's train and test tables, or the file (or folder of partitions) itself."""
    data = Path(data)
    if not data.exists():
        raise DataError(f"{data}: file or folder not found")
    if data.is_dir():
        found = [find_table(data, stem) for stem in ("application_train", "application_test")]
        if any(found):
            return [p for p in found if p is not None]
    return [data]


def chunks(files: list[Path], rows: int = CHUNK_ROWS) -> Iterator[pd.DataFrame]:
    for path in files:
        for loaded in iter_applications(path, rows=rows):
            yield loaded.frame


def neighbour_space(artifacts: Artifacts) -> nb.NeighbourSpace:
    """The space of a loaded table's k-nearest points, fixed before its first chunk: the artifact's 10 most
    important features, ``Portfolio.feature_scale``'s scale (the IQR of the same rows of its portfolio, so a
    table of the artifact's clients ranks them as ``Portfolio.nearest`` does) and the medians of those rows."""
    from scoring.portfolio import Portfolio

    portfolio = Portfolio(artifacts)
    rows = np.linspace(0, len(portfolio) - 1, min(len(portfolio), SCALE_SAMPLE)).astype(int)
    sample = np.asarray(portfolio.features[rows], dtype=float)
    return nb.NeighbourSpace.from_artifact(portfolio.importance, nb.robust_scale(sample), sample)


class ChunkScorer:
    """Batch probability and decision of a chunk: the what-if's path (transform -> Booster margin -> Platt);
    with a ``space``, the chunk's k-nearest points and missing masks from the same model features."""

    def __init__(self, artifacts: Artifacts, space: nb.NeighbourSpace | None = None):
        self.artifacts = artifacts
        self.space = space
        ids, split = artifacts.array("ids"), artifacts.array("split")
        self.trained_ids = np.asarray(ids)[np.asarray(split) == 0]  # sorted, as the portfolio's ids

    def columns(self, frame: pd.DataFrame) -> dict[str, np.ndarray]:
        from scoring.model import margin

        artifacts = self.artifacts
        features = artifacts.transform.transform(frame)
        probability = artifacts.decision.platt.proba(margin(artifacts.booster, features)).astype(np.float32)
        ids = frame[ID_COLUMN].to_numpy(dtype=np.int64)
        at = np.searchsorted(self.trained_ids, ids)
        in_training = (at < len(self.trained_ids)) & (self.trained_ids[np.minimum(at, len(self.trained_ids) - 1)] == ids)
        out = {
            "in_training": in_training,
            "probability": probability.astype(np.float64),
            "decision": artifacts.decision.decisions(probability),
            "model_version": np.full(len(frame), artifacts.version, dtype=object),
        }
        if self.space is not None:
            points, missing = nb.embed(self.space, self.space.project(features))
            out[nb.POINT] = np.array(nb.cube_text(points), dtype=object)
            out[nb.MISSING] = missing.astype(np.int64)
        return out


def chunk_columns(frame: pd.DataFrame, scores: dict[str, np.ndarray]) -> dict[str, tuple[np.ndarray, np.ndarray | None]]:
    """Each table column of the chunk, in table order: (values, missing mask or None), typed as the table."""
    n, out = len(frame), {}
    for column in RAW_COLUMNS:
        kind = column_kind(column)
        values = frame[column] if column in frame.columns else pd.Series([None] * n, dtype=object)
        if kind == "category":
            missing = values.isna().to_numpy()
            out[column] = (values.astype(object).to_numpy(), missing)
            continue
        numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64)
        missing = np.isnan(numbers)
        out[column] = (np.where(missing, 0, np.round(numbers)).astype(np.int64) if kind == "int" else numbers, missing)
    for name in (*SCORE_COLUMNS, *(c for c in NEIGHBOUR_COLUMNS if c in scores)):
        out[name] = (np.asarray(scores[name]), None)
    return out


def csv_chunk(frame: pd.DataFrame, scores: dict[str, np.ndarray]) -> bytes:
    """The chunk as COPY's CSV (missing values unquoted and empty: NULL), floats in their shortest round-trip form
    (the explanation recomputed from the row is then the batch's). Arrow's C++ writer when installed (the batch
    extra): pandas' own writer spends most of a load formatting numbers."""
    columns = chunk_columns(frame, scores)
    try:
        import pyarrow as pa
        import pyarrow.csv as pacsv
    except ImportError:
        table = {
            name: pd.Series(values).mask(missing) if missing is not None and missing.any() else pd.Series(values)
            for name, (values, missing) in columns.items()
        }
        for name, (values, missing) in columns.items():
            if values.dtype == np.int64 and missing is not None and missing.any():
                table[name] = pd.array(values, dtype="Int64")
                table[name][missing] = pd.NA
        buffer = io.StringIO()
        pd.DataFrame(table).to_csv(buffer, header=False, index=False, na_rep="")
        return buffer.getvalue().encode("utf-8")
    arrays = []
    for values, missing in columns.values():
        if values.dtype == object:
            arrays.append(pa.array(values, type=pa.string(), mask=missing))
        else:
            arrays.append(pa.array(values, mask=missing if missing is not None and missing.any() else None))
    sink = pa.BufferOutputStream()
    pacsv.write_csv(pa.Table.from_arrays(arrays, names=list(columns)), sink, pacsv.WriteOptions(include_header=False))
    return sink.getvalue().to_pybytes()


def drop_leftovers(connection) -> list[str]:
    """Drop version tables the view does not read (an old version, or one a crash left behind)."""
    serving = current_table(connection)
    dropped = [t for t in version_tables(connection) if t != serving]
    for table in dropped:
        connection.execute(f"DROP TABLE IF EXISTS {table}")
        connection.execute(f"DROP TABLE IF EXISTS {table}_knn_patterns")
    return dropped


def load_clients(
    data: Path,
    database_url: str,
    artifacts: Artifacts,
    *,
    rows: int = CHUNK_ROWS,
    progress: Callable[[int], None] = lambda n: None,
) -> LoadResult:
    import psycopg

    files = input_files(data)
    started = time.perf_counter()
    scorer = ChunkScorer(artifacts, neighbour_space(artifacts))
    try:
        connection = psycopg.connect(libpq_url(database_url), connect_timeout=10)
    except psycopg.OperationalError as exc:
        raise ScoringError(f"cannot connect to the clients database ({str(exc).strip().splitlines()[0]})") from None
    with connection:
        connection.autocommit = True
        drop_leftovers(connection)
        tables = version_tables(connection)
        version = int(TABLE_PATTERN.match(tables[-1])[1]) + 1 if tables else 1
        table = table_name(version)
        connection.autocommit = False
        clients = 0
        try:
            clients = _fill(connection, table, files, rows, scorer, progress)
        except psycopg.Error as exc:
            message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ScoringError(f"loading failed, the clients served are unchanged ({message})") from None
        if clients == 0:
            raise DataError(f"{Path(data).name}: no client to load")
        connection.autocommit = True
        drop_leftovers(connection)
    return LoadResult(table, clients, time.perf_counter() - started, artifacts.version)


def prepared(files: list[Path], rows: int, scorer: ChunkScorer) -> Iterator[tuple[int, bytes]]:
    """(rows, COPY data) of each chunk, made by a thread while the server takes the previous one in.

    Reading, scoring and writing a chunk mostly run outside the GIL (pandas' parser, XGBoost, Arrow), and the
    server is another process: the two overlap. At most one chunk waits (flat memory); an error in the thread
    is raised here.
    """
    done = object()
    queue: Queue = Queue(maxsize=1)
    stop = threading.Event()

    def produce() -> None:
        try:
            for frame in chunks(files, rows):
                if stop.is_set():
                    return
                if not frame.empty:
                    queue.put((len(frame), csv_chunk(frame, scorer.columns(frame))))
            queue.put(done)
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, which raises it
            queue.put(exc)

    worker = threading.Thread(target=produce, name="load-clients-reader", daemon=True)
    worker.start()
    try:
        while (item := queue.get()) is not done:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while worker.is_alive():  # unblock a producer waiting on a full queue
            try:
                queue.get_nowait()
            except Empty:
                worker.join(0.05)


def _fill(connection, table: str, files: list[Path], rows: int, scorer: ChunkScorer, progress) -> int:
    """Create, fill, index and serve ``table`` in one transaction; nothing of it stays after an error or no row."""
    import psycopg

    clients = 0
    space = scorer.space
    with connection.transaction() as transaction:
        if space is not None:
            create_extension(connection)
        connection.execute(create_table_sql(table))
        extra = NEIGHBOUR_COLUMNS if space is not None else ()
        for statement in nb.column_ddl(table) if space is not None else ():
            connection.execute(statement)
        names = ", ".join(quoted(c) for c in (*RAW_COLUMNS, *SCORE_COLUMNS, *extra))
        with connection.cursor().copy(f"COPY {table} ({names}) FROM STDIN WITH (FORMAT csv, FREEZE)") as copy:
            for n, data in prepared(files, rows, scorer):
                copy.write(data)
                clients += n
                progress(n)
        if clients == 0:
            raise psycopg.Rollback(transaction)
        # Indexes after the COPY (one sort, not a B-tree insert per row); the key is the id search's index.
        connection.execute(f"ALTER TABLE {table} ADD PRIMARY KEY ({quoted(ID_COLUMN)})")
        if space is not None:
            index_neighbours(connection, table, space)  # ends with ANALYZE
        else:
            connection.execute(f"ANALYZE {table}")
        connection.execute(f"DROP VIEW IF EXISTS {VIEW}")
        connection.execute(f"CREATE VIEW {VIEW} AS SELECT * FROM {table}")
    return clients


def create_extension(connection) -> None:
    """The ``cube`` extension (PostgreSQL's contrib), or a one-line reason why the load cannot index neighbours."""
    import psycopg

    try:
        with connection.transaction():  # a savepoint: the reason is read before the load's rollback
            connection.execute(nb.EXTENSION_DDL)
    except psycopg.Error as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ScoringError(
            "the clients database cannot use the PostgreSQL extension cube, needed for similar clients "
            f"({reason}); install PostgreSQL's contrib modules or have the database owner run "
            "CREATE EXTENSION cube, then load again (the clients served are unchanged)"
        ) from None


def index_neighbours(connection, table: str, space: nb.NeighbourSpace) -> None:
    """After the COPY: the patterns present, one partial GiST index per pattern, and the space as the table's
    comment (read by the store with the table it queries)."""
    from psycopg import sql

    for statement in nb.patterns_ddl(table):
        connection.execute(statement, {"flag_mask": space.flag_mask} if "%(" in statement else None)
    patterns = [int(p) for p, _ in connection.execute(nb.patterns_sql(table)).fetchall()]
    for statement in nb.index_ddl(table, space, patterns):
        connection.execute(statement)
    comment = sql.SQL("COMMENT ON TABLE {} IS {}").format(sql.Identifier(table), sql.Literal(json.dumps(space.to_json())))
    connection.execute(comment)

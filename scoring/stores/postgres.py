"""The PostgreSQL store: one row per client (``scoring load-clients``), explained on demand in-process.

Connections come from a small pool per process, opened on first use: under Gunicorn that is in each worker
after the fork, never in the master (a connection must not be shared across a fork). Every statement has a
timeout; a server that is down, unreachable or too slow raises ``StoreUnavailable`` (the page says so) and,
for a few seconds, the next requests fail at once instead of each waiting for the connect timeout. The pool
reconnects by itself once the server answers again: no restart.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from contextlib import contextmanager
from functools import cached_property

import numpy as np

from scoring import fields as registry
from scoring.artifacts import Artifacts
from scoring.derived import DAYS_PER_YEAR
from scoring.errors import UnknownClientError
from scoring.portfolio import ClientExplanation, id_prefix_ranges
from scoring.schema import ID_COLUMN
from scoring.stores.base import ClientRow, InvalidClientRow, NeighboursUnavailable, Scored, StoreUnavailable, check_row
from scoring.stores.neighbours import Group, NeighbourSpace, nearest_ids
from scoring.stores.pg_schema import RAW_COLUMNS, VIEW, current_table, libpq_url, quoted

ID = quoted(ID_COLUMN)
SELECT_ROW = (
    "SELECT " + ", ".join(quoted(c) for c in RAW_COLUMNS) + f", in_training, probability, decision, model_version"
    f" FROM {VIEW} WHERE {ID} = %s"
)

ROWS_OF = f"SELECT {ID}, {{columns}}, probability FROM {VIEW} WHERE {ID} = ANY(%s)"
# The k-nearest group's filters on the table's columns, as the comparison's bands compute them (the age as the
# arrays' ``DAYS_BIRTH * (-1 / 365.25)``, the same float product); the decision is added with the threshold.
NEIGHBOUR_FILTERS = {
    "gender": quoted("CODE_GENDER"),
    "contract": quoted("NAME_CONTRACT_TYPE"),
    "age": f"{quoted('DAYS_BIRTH')} * '{-1 / DAYS_PER_YEAR!r}'::float8",
    "income": quoted("AMT_INCOME_TOTAL"),
}


def search_sql(prefix: str, limit: int) -> tuple[str, tuple] | None:
    """Ids starting with ``prefix``: one range of the primary key per id length, each an index range scan."""
    ranges = id_prefix_ranges(prefix.strip())
    if not ranges:
        return None
    parts = [f"(SELECT {ID} FROM {VIEW} WHERE {ID} >= %s AND {ID} < %s ORDER BY {ID} LIMIT %s)" for _ in ranges]
    params = tuple(x for lo, hi in ranges for x in (lo, hi, limit))
    return f"SELECT id FROM ({' UNION ALL '.join(parts)}) AS found(id) ORDER BY id LIMIT %s", (*params, limit)


class ConnectionPool:
    """At most ``size`` idle connections of this process; a connection that failed is thrown away."""

    def __init__(
        self,
        url: str,
        size: int = 4,
        connect_timeout: float = 3.0,
        statement_timeout_ms: int = 3000,
        retry_after: float = 3.0,
    ):
        self.url, self.size = libpq_url(url), size
        self.connect_timeout, self.retry_after = connect_timeout, retry_after
        self.statement_timeout_ms = statement_timeout_ms
        self._lock = threading.Lock()
        self._idle: deque = deque()
        self._pid = os.getpid()
        self._down_until = 0.0

    def _take(self):
        import psycopg

        with self._lock:
            if self._pid != os.getpid():  # forked: the parent's connections are not ours to use or close
                self._idle, self._pid = deque(), os.getpid()
            if self._idle:
                return self._idle.pop()
            if time.monotonic() < self._down_until:
                raise StoreUnavailable("the clients database is unavailable")
        try:
            return psycopg.connect(
                self.url,
                connect_timeout=max(1, round(self.connect_timeout)),
                autocommit=True,
                application_name=f"pad-clients-{os.getpid()}",  # which process holds it (never the Gunicorn master)
                options=f"-c statement_timeout={int(self.statement_timeout_ms)}",
            )
        except psycopg.Error as exc:
            self._failed()
            raise StoreUnavailable("the clients database is unavailable") from exc

    def _failed(self) -> None:
        with self._lock:
            self._down_until = time.monotonic() + self.retry_after

    @contextmanager
    def connection(self):
        import psycopg

        connection = self._take()
        try:
            yield connection
        except (psycopg.OperationalError, psycopg.errors.QueryCanceled, psycopg.InterfaceError) as exc:
            connection.close()
            if not isinstance(exc, psycopg.errors.QueryCanceled):  # slow is not down: no fast-fail window
                self._failed()
            raise StoreUnavailable("the clients database is unavailable or too slow") from exc
        except psycopg.errors.UndefinedTable as exc:  # a database no load has filled yet
            connection.close()
            raise StoreUnavailable("no clients in this database: run python -m scoring load-clients") from exc
        except BaseException:
            connection.close()
            raise
        else:
            with self._lock:
                if self._pid == os.getpid() and len(self._idle) < self.size and not connection.closed:
                    self._idle.append(connection)
                    return
            connection.close()

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, deque()
        for connection in idle:
            connection.close()


class PostgresStore:
    def __init__(
        self, url: str, artifacts: Artifacts, simulator: Callable | None = None, *, statement_timeout_ms: int = 3000
    ):
        """``simulator``: returns the process's ``Simulator`` (the app shares its own); None builds one."""
        self.artifacts = artifacts
        self.model_version = artifacts.version
        self.pool = ConnectionPool(url, statement_timeout_ms=statement_timeout_ms)
        self._simulator = simulator
        self._spaces: tuple[str, NeighbourSpace] | None = None

    @property
    def simulator(self):
        if self._simulator is not None:
            return self._simulator()
        return self._own_simulator

    @cached_property
    def _own_simulator(self):
        from scoring.simulate import Simulator

        return Simulator(self.artifacts)

    def _rows(self, sql: str, params: tuple = ()) -> list[tuple]:
        with self.pool.connection() as connection:
            return connection.execute(sql, params).fetchall()

    def _record(self, client_id: int) -> tuple | None:
        rows = self._rows(SELECT_ROW, (int(client_id),))
        return rows[0] if rows else None

    def exists(self, client_id: int) -> bool:
        return bool(self._rows(f"SELECT 1 FROM {VIEW} WHERE {ID} = %s", (int(client_id),)))

    def get(self, client_id: int) -> ClientRow:
        record = self._record(client_id)
        if record is None:
            raise UnknownClientError(f"client {client_id} is not in the portfolio")
        values = {}
        for column, value in zip(RAW_COLUMNS, record, strict=False):
            if column == ID_COLUMN:
                continue
            values[column] = value if value is None or registry.FIELDS[column].categorical else float(value)
        in_training = bool(record[len(RAW_COLUMNS)])
        return check_row(ClientRow(int(client_id), values, in_training))

    def search(self, prefix: str, limit: int = 20) -> list[int]:
        query = search_sql(prefix, limit)
        return [] if query is None else [int(r[0]) for r in self._rows(*query)]

    def closest_ids(self, client_id: int, n: int = 4) -> list[int]:
        rows = self._rows(
            f"(SELECT {ID} FROM {VIEW} WHERE {ID} < %s ORDER BY {ID} DESC LIMIT %s)"
            f" UNION ALL (SELECT {ID} FROM {VIEW} WHERE {ID} >= %s ORDER BY {ID} LIMIT %s)",
            (int(client_id), n, int(client_id), n),
        )
        ids = [int(r[0]) for r in rows]
        return sorted(sorted(ids, key=lambda x: (abs(x - client_id), x))[:n])

    def scored(self, client_id: int) -> Scored | None:
        rows = self._rows(f"SELECT probability, decision, model_version FROM {VIEW} WHERE {ID} = %s", (int(client_id),))
        if not rows or rows[0][0] is None:
            return None
        return Scored(float(rows[0][0]), rows[0][1], rows[0][2])

    def explanation(self, client_id: int, row: ClientRow | None = None) -> ClientExplanation:
        """The what-if's path from the raw row (transform -> Booster -> TreeSHAP -> Platt -> threshold)."""
        from scoring.simulate import Application

        row = row if row is not None else self.get(client_id)
        try:
            return self.simulator.explain(Application(dict(row.values), int(client_id)))
        except (ValueError, TypeError, KeyError) as exc:
            raise InvalidClientRow(f"client {client_id}: its stored values cannot be scored ({exc})") from exc

    def application(self, client_id: int, row: ClientRow | None = None):
        """The client as a what-if base (its features recomputed from the raw row, as the batch did)."""
        from scoring.simulate import Application

        row = row if row is not None else self.get(client_id)
        return Application(dict(row.values), int(client_id))

    def neighbours(self, client_id: int, k: int, group: Group | None = None) -> list[int]:
        """Ids of the k clients nearest to ``client_id`` (among ``group``), nearest first, by the table's
        k-nearest indexes (``scoring.stores.neighbours``); [] for an unknown client."""
        threshold = float(self.artifacts.decision.threshold)
        columns = {**NEIGHBOUR_FILTERS, "refused": f"probability >= '{threshold!r}'::float8"}
        with self.pool.connection() as connection:
            table = current_table(connection)
            if table is None:
                raise StoreUnavailable("no clients in this database: run python -m scoring load-clients")
            space = self._space(connection, table)
            return nearest_ids(connection, table, space, int(client_id), int(k), group or Group(), columns, ID)

    def _space(self, connection, table: str) -> NeighbourSpace:
        """The space the table's points were made in (its comment, written by ``load-clients``)."""
        cached = self._spaces
        if cached is not None and cached[0] == table:
            return cached[1]
        row = connection.execute("SELECT obj_description(%s::regclass, 'pg_class')", (table,)).fetchone()
        try:
            space = NeighbourSpace.from_json(json.loads(row[0]))
        except (TypeError, ValueError, KeyError):
            raise NeighboursUnavailable(
                f"{table} was loaded without similar clients: run python -m scoring load-clients again"
            ) from None
        self._spaces = (table, space)  # one table served at a time: the last one read is enough
        return space

    def features_of(self, ids: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """(model features, stored probabilities) of these clients, in this order (the features recomputed from
        the raw rows by the artifact's transform, as the load's batch did); an unknown id is left out."""
        transform = self.artifacts.transform
        columns = [c for c in RAW_COLUMNS if c in set(transform.required_columns) and c != ID_COLUMN]
        sql = ROWS_OF.format(columns=", ".join(quoted(c) for c in columns))  # only what the transform reads
        rows = {int(r[0]): r for r in self._rows(sql, ([int(i) for i in ids],))} if ids else {}
        found = [rows[int(i)] for i in ids if int(i) in rows]
        raw = {}
        for j, column in enumerate(columns, start=1):
            values = [r[j] for r in found]
            if registry.FIELDS[column].categorical:
                raw[column] = np.array(values, dtype=object)
            else:
                raw[column] = np.array([np.nan if v is None else float(v) for v in values], dtype=float)
        probability = np.array([np.nan if r[-1] is None else float(r[-1]) for r in found], dtype=float)
        if not found:
            return np.empty((0, len(transform.features)), dtype=np.float32), probability
        return transform.transform(raw), probability

    def close(self) -> None:
        self.pool.close()

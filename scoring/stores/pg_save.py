"""A new application saved as a client of the PostgreSQL store: one row in the served table, at once.

The new id is the served table's largest id plus one, taken under a transaction-level advisory lock: two
saves (two workers, two advisors) never take the same id, and no loaded id can be taken since the maximum
is read from the table itself. The row goes in through the view ``clients`` (a simple view, so PostgreSQL
writes it into the table it reads). Each save carries a key (one per scored form): a key already saved
returns the client it made, so a double click or a repeated request never saves twice. ``scoring
load-clients`` replaces the table: saved applications belong in the source file before a reload.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scoring.schema import ID_COLUMN, column_kind
from scoring.stores.base import Scored
from scoring.stores.pg_schema import RAW_COLUMNS, VIEW, quoted
from scoring.stores.postgres import PostgresStore

KEYS = "saved_applications"  # save key -> client id (survives a reload: the keys of a replaced table stay unused)
LOCK = 7_245_301  # pg_advisory_xact_lock key of the id allocation
CREATE_KEYS = (
    f"CREATE TABLE IF NOT EXISTS {KEYS} (key text PRIMARY KEY, client_id bigint NOT NULL,"
    " saved_at timestamptz NOT NULL DEFAULT now())"
)


@dataclass(frozen=True)
class SavedClient:
    client_id: int
    created: bool  # False: this key was saved before, nothing new was written


def can_save(store) -> bool:
    """Whether ``store`` keeps new clients (the memory-mapped artifact is read-only)."""
    return isinstance(store, PostgresStore)


def whole(column: str, value):
    """A typed value as the clients table holds it: whole numbers (days, counts, flags) rounded, others as given.

    The form gives ages in years, hence fractional days: the new-application view rounds them once checked,
    before scoring, so that the saved row scores exactly as the form did."""
    if column_kind(column) == "int" and isinstance(value, int | float) and not isinstance(value, bool):
        return value if math.isnan(value) else float(round(value))
    return value


def row_values(values: dict) -> dict[str, object]:
    """The application's raw table columns (id excluded), typed as the table holds them; absent is NULL."""
    out = {}
    for column in RAW_COLUMNS:
        if column == ID_COLUMN:
            continue
        value = values.get(column)
        if value is None or (isinstance(value, float) and math.isnan(value)):
            out[column] = None
        elif column_kind(column) == "category":
            out[column] = str(value)
        elif column_kind(column) == "int":
            out[column] = int(round(float(value)))
        else:
            out[column] = float(value)
    return out


def insert_sql(columns: list[str]) -> str:
    names = ", ".join(quoted(c) for c in (ID_COLUMN, *columns, "in_training", "probability", "decision", "model_version"))
    return f"INSERT INTO {VIEW} ({names}) VALUES ({', '.join(['%s'] * (len(columns) + 5))})"


def save_client(store: PostgresStore, values: dict, scored: Scored, key: str) -> SavedClient:
    """Insert the application as a new client with its score; StoreUnavailable when the database does not answer."""
    if not key:
        raise ValueError("a save needs a key")
    row = row_values(values)
    columns = list(row)
    with store.pool.connection() as connection, connection.transaction():
        connection.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK,))
        connection.execute(CREATE_KEYS)
        found = connection.execute(f"SELECT client_id FROM {KEYS} WHERE key = %s", (key,)).fetchone()
        if found is not None:
            return SavedClient(int(found[0]), created=False)
        top = connection.execute(f"SELECT max({quoted(ID_COLUMN)}) FROM {VIEW}").fetchone()[0]
        client_id = int(top or 0) + 1
        score = (False, float(scored.probability), scored.decision, scored.model_version)
        params = (client_id, *(row[c] for c in columns), *score)
        connection.execute(insert_sql(columns), params)
        connection.execute(f"INSERT INTO {KEYS} (key, client_id) VALUES (%s, %s)", (key, client_id))
    return SavedClient(client_id, created=True)

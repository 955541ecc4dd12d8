"""The PostgreSQL clients table: its columns (typed from the application schema), names and URL form.

One row per client: the raw application fields (Kaggle names, quoted), whether the model was trained on
the client, the batch probability and decision, and the model version that gave them. Readers go through
the view ``clients``; ``scoring load-clients`` builds a new ``clients_v<N>`` table and points the view at it.
"""

from __future__ import annotations

import re

from scoring.schema import ID_COLUMN, TARGET_COLUMN, TRAIN_COLUMNS, column_kind

VIEW = "clients"
TABLE_PREFIX = "clients_v"
TABLE_PATTERN = re.compile(r"^clients_v(\d+)$")
RAW_COLUMNS: tuple[str, ...] = tuple(c for c in TRAIN_COLUMNS if c != TARGET_COLUMN)  # SK_ID_CURR first
SCORE_COLUMNS: tuple[str, ...] = ("in_training", "probability", "decision", "model_version")
SQL_TYPES = {"category": "text", "int": "bigint", "float": "double precision"}


def sql_type(column: str) -> str:
    if column == ID_COLUMN:
        return "bigint NOT NULL"
    return SQL_TYPES[column_kind(column)]


def quoted(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


def table_name(version: int) -> str:
    return f"{TABLE_PREFIX}{int(version)}"


def create_table_sql(table: str) -> str:
    columns = [f"{quoted(c)} {sql_type(c)}" for c in RAW_COLUMNS]
    columns += ["in_training boolean NOT NULL", "probability double precision", "decision text", "model_version text"]
    return f"CREATE TABLE {table} (" + ", ".join(columns) + ")"


def libpq_url(url: str) -> str:
    """A libpq URL from ``CLIENTS_DATABASE_URL`` (Heroku's ``postgres://`` form and SQLAlchemy's accepted)."""
    for prefix in ("postgres://", "postgresql+psycopg://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            return "postgresql://" + url[len(prefix) :]
    return url


def current_table(connection) -> str | None:
    """The table the view reads today (None before the first load)."""
    row = connection.execute(
        "SELECT table_name FROM information_schema.view_table_usage WHERE view_name = %s AND view_schema = current_schema()",
        (VIEW,),
    ).fetchone()
    return row[0] if row else None


def version_tables(connection) -> list[str]:
    rows = connection.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE 'clients\\_v%%'"
    ).fetchall()
    return sorted((r[0] for r in rows if TABLE_PATTERN.match(r[0])), key=lambda t: int(TABLE_PATTERN.match(t)[1]))

"""Clients: one store interface, two backends (DESIGN.md, "Clients").

``MemmapStore`` reads the artifact's memory-mapped portfolio (the embedded default); ``PostgresStore`` reads one
row per client from PostgreSQL and explains a client on demand by the what-if's path. Callers see the same
``ClientStore``: a raw row, an id search, the batch score, an explanation, neighbours.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from scoring.stores.base import (
    ClientRow,
    ClientStore,
    InvalidClientRow,
    NeighboursUnavailable,
    Scored,
    StoreUnavailable,
)

if TYPE_CHECKING:
    from scoring.artifacts import Artifacts


def open_store(artifacts: Artifacts, database_url: str = "", simulator: Callable | None = None) -> ClientStore:
    """The PostgreSQL store when ``database_url`` is set, else the artifact's memory-mapped portfolio."""
    if database_url:
        from scoring.stores.postgres import PostgresStore

        return PostgresStore(database_url, artifacts, simulator)
    from scoring.stores.memmap import MemmapStore

    return MemmapStore(artifacts)


__all__ = [
    "ClientRow",
    "ClientStore",
    "InvalidClientRow",
    "NeighboursUnavailable",
    "Scored",
    "StoreUnavailable",
    "open_store",
]

"""A synthetic portfolio of any size, written partition by partition with flat memory.

Each partition is generated on its own from a seed derived from (portfolio seed, partition number), so any
partition can be rebuilt alone, on any machine, and the same arguments always give the same files. Client ids
are disjoint blocks, one per partition, so partitions never collide. Labelled clients go to
``application_train``, unlabelled ones to ``application_test`` (Kaggle's share of each by default), both in
the exact Kaggle schema.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from scoring.schema import ID_COLUMN, TEST_COLUMNS
from scoring.synthetic import FIRST_ID, KAGGLE_TEST_ROWS, KAGGLE_TRAIN_ROWS, generate_applications

PARTITION_ROWS = 250_000  # ~250 MB per partition in memory while generated
FORMATS = ("parquet", "csv")


@dataclass(frozen=True)
class Partition:
    table: str  # "application_train" or "application_test"
    index: int  # partition number within its table
    rows: int
    first_id: int  # ids are first_id .. first_id + rows - 1, in a shuffled order
    seed: int

    @property
    def labelled(self) -> bool:
        return self.table == "application_train"


def unlabelled_share(n_clients: int) -> int:
    """Unlabelled clients in a portfolio of ``n_clients``, at Kaggle's proportion."""
    return round(n_clients * KAGGLE_TEST_ROWS / (KAGGLE_TRAIN_ROWS + KAGGLE_TEST_ROWS))


def partition_seed(seed: int, table_number: int, index: int) -> int:
    """A partition's own seed: a pure function of the portfolio seed and the partition's place."""
    return int(np.random.SeedSequence(seed, spawn_key=(table_number, index)).generate_state(1)[0])


def plan(n_clients: int, seed: int = 42, partition_rows: int = PARTITION_ROWS, n_test: int | None = None) -> list[Partition]:
    """The partitions of a portfolio: labelled ones first, then unlabelled, ids in consecutive blocks."""
    if n_clients < 1 or partition_rows < 1:
        raise ValueError("n_clients and partition_rows must be at least 1")
    n_test = unlabelled_share(n_clients) if n_test is None else n_test
    if not 0 <= n_test < n_clients:
        raise ValueError("the portfolio needs at least one labelled client")
    parts, next_id = [], FIRST_ID
    for number, (table, total) in enumerate((("application_train", n_clients - n_test), ("application_test", n_test))):
        for index, start in enumerate(range(0, total, partition_rows)):
            rows = min(partition_rows, total - start)
            parts.append(Partition(table, index, rows, next_id, partition_seed(seed, number, index)))
            next_id += rows
    return parts


def generate(part: Partition) -> pd.DataFrame:
    """One partition's rows in the Kaggle schema of its table (pure: the same partition gives the same rows)."""
    frame, _ = generate_applications(part.rows, 0, seed=part.seed)
    frame[ID_COLUMN] = frame[ID_COLUMN] - FIRST_ID + part.first_id
    return frame if part.labelled else frame[list(TEST_COLUMNS)]


def write(
    parts: list[Partition], out: Path, fmt: str = "parquet", progress: Callable[[Partition], None] = lambda _: None
) -> dict[str, Path]:
    """Write every partition (Parquet: one file each in a folder per table; CSV: one file per table, appended)."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    for part in parts:
        frame = generate(part)
        if fmt == "parquet":
            folder = out / part.table
            folder.mkdir(exist_ok=True)
            frame.to_parquet(folder / f"part-{part.index:05d}.parquet", index=False)
            written[part.table] = folder
        else:
            path = out / f"{part.table}.csv"
            frame.to_csv(path, index=False, mode="w" if part.index == 0 else "a", header=part.index == 0)
            written[part.table] = path
        progress(part)
        del frame
    return written

"""The Dask engine: chunks scored on a ``distributed`` cluster by the same functions as the local engine.

Parquet partitions are read, validated and scored by the workers themselves (the client sends file names,
not data); a CSV, which cannot be split safely (quoted line breaks, compression), is read in chunks by the
client and each chunk is sent to a worker, a bounded number at a time. Workers write their results as Parquet
parts; the client then assembles them, in input order, into the one output file the local engine would have
written, dropping an id already seen in an earlier part as a duplicate. Memory stays flat on both sides.

Without ``--scheduler`` a ``LocalCluster`` of processes is started on this machine (one thread each: XGBoost
is told to use one thread per worker so workers do not fight over cores).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from scoring.artifacts import Artifacts
from scoring.batch import Scorer
from scoring.engines.local import CHUNK_ROWS, Tally
from scoring.engines.output import SideFile, TableWriter
from scoring.errors import DataError
from scoring.loading import Loaded, iter_applications, prepare_chunk, stop_on_bad_rows
from scoring.reading import AUTO, ReadOptions, TableFormat, detect, iter_chunks, parquet_files
from scoring.schema import ID_COLUMN

WORKER_MEMORY = "6GB"


@dataclass(frozen=True)
class ClusterSpec:
    scheduler: str | None = None  # tcp://host:8786 of a running cluster; None: a LocalCluster here
    workers: int = 2
    memory_limit: str = WORKER_MEMORY


@contextmanager
def client_for(spec: ClusterSpec) -> Iterator:
    from distributed import Client, LocalCluster

    if spec.scheduler:
        try:
            client = Client(spec.scheduler, timeout="10s")
        except OSError as exc:
            raise DataError(f"cannot reach the Dask scheduler at {spec.scheduler} ({exc})") from None
        with client:
            yield client
        return
    with (
        LocalCluster(
            n_workers=spec.workers,
            threads_per_worker=1,
            processes=True,
            memory_limit=spec.memory_limit,
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


@lru_cache(maxsize=2)
def worker_scorer(folder: str) -> Scorer:
    """One Scorer per worker process and artifact folder (the Booster is loaded once, with one thread)."""
    artifacts = Artifacts(Path(folder))
    artifacts.booster.set_param({"nthread": 1})
    return Scorer(artifacts)


def score_frame_to_part(folder: str, frame: pd.DataFrame, part: str) -> int:
    """Worker task: score a validated chunk and write it as a Parquet part."""
    scored = worker_scorer(folder).score(frame)
    scored.to_parquet(part, index=False)
    return len(scored)


def score_parquet_file(folder: str, file: str, part: str, fmt: TableFormat, rows: int) -> tuple[int, pd.DataFrame]:
    """Worker task: read, validate, clean and score one Parquet partition; (rows scored, rows set aside)."""
    scorer, path = worker_scorer(folder), Path(file)
    frames, rejected, start = [], [], 0
    for chunk in iter_chunks(path, fmt, rows):
        loaded = prepare_chunk(chunk, fmt, name=path.name, start=start)
        frames.append(scorer.score(loaded.frame))
        rejected.append(loaded.rejected)
        start += len(chunk)
    scored = pd.concat(frames, ignore_index=True)
    scored.to_parquet(part, index=False)
    return len(scored), pd.concat(rejected, ignore_index=True)


def score_file(
    artifacts: Artifacts,
    data: Path,
    out: Path,
    *,
    rejected: Path,
    spec: ClusterSpec = ClusterSpec(),
    options: ReadOptions = AUTO,
    on_bad_rows: str = "error",
    chunk_rows: int = CHUNK_ROWS,
    progress: Callable[[int], None] = lambda _: None,
) -> Tally:
    data, folder = Path(data), str(Path(artifacts.folder).resolve())
    fmt = detect(data, options)
    tally, side = Tally(described=fmt.describe()), SideFile(rejected)
    parts_dir = Path(tempfile.mkdtemp(prefix=".parts-", dir=Path(out).resolve().parent))
    try:
        with client_for(spec) as client:
            if fmt.kind == "parquet":
                parts = _score_parquet(client, folder, data, fmt, parts_dir, chunk_rows, on_bad_rows, side, tally, progress)
            else:
                parts = _score_csv(client, folder, data, options, parts_dir, chunk_rows, on_bad_rows, side, tally, progress)
        _assemble(parts, out, Scorer(artifacts), on_bad_rows, side, tally)
    finally:
        shutil.rmtree(parts_dir, ignore_errors=True)
    return tally


def _score_parquet(client, folder, data, fmt, parts_dir, rows, on_bad_rows, side, tally, progress) -> list[Path]:
    files = parquet_files(data)
    parts = [parts_dir / f"part-{i:05d}.parquet" for i in range(len(files))]
    futures = client.map(
        score_parquet_file,
        [folder] * len(files),
        [str(f) for f in files],
        [str(p) for p in parts],
        [fmt] * len(files),
        [rows] * len(files),
        pure=False,
    )
    for future, file in zip(futures, files, strict=True):
        scored, set_aside = future.result()
        if on_bad_rows == "error":
            stop_on_bad_rows(Loaded(set_aside, fmt, set_aside), file.name)
        side.write(set_aside)
        tally.rejected += len(set_aside)
        progress(scored + len(set_aside))
    return parts


def _score_csv(client, folder, data, options, parts_dir, rows, on_bad_rows, side, tally, progress) -> list[Path]:
    from distributed import wait

    parts, pending = [], []
    limit = 2 * max(len(client.scheduler_info().get("workers", {})), 1)
    for i, loaded in enumerate(iter_applications(data, options=options, on_bad_rows=on_bad_rows, rows=rows)):
        side.write(loaded.rejected)
        tally.rejected += len(loaded.rejected)
        part = parts_dir / f"part-{i:05d}.parquet"
        parts.append(part)
        pending.append(client.submit(score_frame_to_part, folder, loaded.frame, str(part), pure=False))
        progress(len(loaded.frame) + len(loaded.rejected))
        if len(pending) >= limit:  # bounded: the client never holds more than a few chunks
            done, not_done = wait(pending, return_when="FIRST_COMPLETED")
            for future in done:
                future.result()  # raises a worker's error here
            pending = list(not_done)
    for future in pending:
        future.result()
    return parts


def _assemble(parts: list[Path], out: Path, scorer: Scorer, on_bad_rows: str, side: SideFile, tally: Tally) -> None:
    """Concatenate the parts into the output, in input order; an id met in an earlier part is a duplicate."""
    seen = np.empty(0, dtype=np.int64)
    with TableWriter(out) as writer:
        for part in parts:
            scored = pd.read_parquet(part)
            again = np.isin(scored[ID_COLUMN].to_numpy(), seen)
            if again.any():
                ids = scored.loc[again, ID_COLUMN]
                if on_bad_rows == "error":
                    raise DataError(f"duplicated SK_ID_CURR: {int(ids.iloc[0])} in two partitions of the input")
                side.write(
                    pd.DataFrame(
                        {"location": part.name, "reason": "duplicated SK_ID_CURR: " + ids.astype(str), ID_COLUMN: ids}
                    )
                )
                tally.rejected += int(again.sum())
                scored = scored.loc[~again]
            seen = np.union1d(seen, scored[ID_COLUMN].to_numpy())
            writer.write(scored)
            tally.add(scored)
        if writer.rows == 0:
            writer.write(scorer.empty())

"""The local engine: the input read chunk by chunk in one process, results written as they come."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from scoring.artifacts import Artifacts
from scoring.batch import Scorer
from scoring.decision import REFUSED
from scoring.engines.output import SideFile, TableWriter
from scoring.loading import iter_applications
from scoring.reading import AUTO, ReadOptions

CHUNK_ROWS = 100_000  # ~100 MB of raw columns and SHAP values at a time


@dataclass
class Tally:
    """What a run did, for its closing line (mutable on purpose: one per run, filled as chunks come)."""

    clients: int = 0
    refused: int = 0
    grey: int = 0
    rejected: int = 0
    described: str = ""
    extra: dict = field(default_factory=dict)

    def add(self, scored) -> None:
        self.clients += len(scored)
        self.refused += int((scored["decision"] == REFUSED).sum())
        self.grey += int(scored["grey_zone"].sum())

    def line(self) -> str:
        n = max(self.clients, 1)
        text = f"{self.clients:,} clients scored: {self.refused / n:.1%} refused, {self.grey / n:.1%} in the grey zone"
        return text + (f"; {self.rejected:,} rows set aside" if self.rejected else "")


def score_file(
    artifacts: Artifacts,
    data: Path,
    out: Path,
    *,
    rejected: Path,
    options: ReadOptions = AUTO,
    on_bad_rows: str = "error",
    chunk_rows: int = CHUNK_ROWS,
    progress: Callable[[int], None] = lambda _: None,
) -> Tally:
    scorer, tally = Scorer(artifacts), Tally()
    side = SideFile(rejected)
    with TableWriter(out) as writer:
        for loaded in iter_applications(data, options=options, on_bad_rows=on_bad_rows, rows=chunk_rows):
            tally.described = loaded.fmt.describe()
            scored = scorer.score(loaded.frame)
            writer.write(scored)
            side.write(loaded.rejected)
            tally.add(scored)
            tally.rejected += len(loaded.rejected)
            progress(len(loaded.frame) + len(loaded.rejected))
        if writer.rows == 0:
            writer.write(scorer.empty())
    return tally

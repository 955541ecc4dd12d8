"""Cost measurement: wall time and peak resident memory of a step, size of a model on disk."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def current_rss_mb() -> float:
    """Resident memory of this process (Linux /proc; 0 where unavailable)."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * _PAGE / 2**20
    except OSError:
        return 0.0


@dataclass
class Measure:
    seconds: float = 0.0
    rss_start_mb: float = 0.0
    peak_rss_mb: float = 0.0
    _stop: threading.Event = field(default_factory=threading.Event, repr=False)

    def as_dict(self) -> dict:
        return {
            "seconds": round(self.seconds, 3),
            "peak_rss_mb": round(self.peak_rss_mb, 1),
            "rss_increase_mb": round(max(0.0, self.peak_rss_mb - self.rss_start_mb), 1),
        }


@contextmanager
def measure(interval: float = 0.05) -> Iterator[Measure]:
    """Time a block and sample the process RSS in a thread (torch allocations escape tracemalloc)."""
    m = Measure(rss_start_mb=current_rss_mb())
    m.peak_rss_mb = m.rss_start_mb

    def sample() -> None:
        while not m._stop.wait(interval):
            m.peak_rss_mb = max(m.peak_rss_mb, current_rss_mb())

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    start = time.perf_counter()
    try:
        yield m
    finally:
        m.seconds = time.perf_counter() - start
        m._stop.set()
        thread.join()
        m.peak_rss_mb = max(m.peak_rss_mb, current_rss_mb())


def dir_size_mb(path: Path) -> float:
    path = Path(path)
    if path.is_file():
        return path.stat().st_size / 2**20
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20

"""Run a costly step in a fresh process, so its time and peak memory are its own.

Measured in the parent, MiniLM, Model2Vec and SetFit would share (and hide) each other's memory
and imports; a spawned child that does only one step gives the footprint a deployment would see.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from typing import Any

from veille.resources import current_rss_mb, measure


def high_water_mb() -> float:
    """Peak resident memory of this process image (VmHWM, reset by exec); 0 where /proc is unavailable."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _measured(fn: Callable[..., Any], args: tuple, kwargs: dict) -> tuple[Any, dict]:
    baseline = current_rss_mb()
    with measure() as cost:
        result = fn(*args, **kwargs)
    return result, {
        "process_seconds": round(cost.seconds, 2),
        # VmHWM, not getrusage's ru_maxrss: Linux carries ru_maxrss over from the parent through fork and
        # exec, so a spawned child reported the parent's size (measured: 492 MB for a 34 MB child of a
        # 490 MB parent; the first release's TF-IDF and Model2Vec probes reported the benchmark's own RSS).
        "process_peak_rss_mb": round(max(high_water_mb(), cost.peak_rss_mb), 1),
        "process_baseline_rss_mb": round(baseline, 1),
    }


def run_isolated(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, dict]:
    """Call fn(*args, **kwargs) in a spawned process; return its result and the process's costs.

    fn must be a module-level function; its exceptions are re-raised here.
    """
    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:
        return pool.apply(_measured, (fn, args, kwargs))

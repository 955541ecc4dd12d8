"""Run a costly step in a fresh process, so its time and peak memory are its own.

Measured in the parent, MiniLM, Model2Vec and SetFit would share (and hide) each other's memory
and imports; a spawned child that does only one step gives the footprint a deployment would see.
"""

from __future__ import annotations

import multiprocessing
import resource
from collections.abc import Callable
from typing import Any

from veille.resources import current_rss_mb, measure


def _measured(fn: Callable[..., Any], args: tuple, kwargs: dict) -> tuple[Any, dict]:
    baseline = current_rss_mb()
    with measure() as cost:
        result = fn(*args, **kwargs)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return result, {
        "process_seconds": round(cost.seconds, 2),
        "process_peak_rss_mb": round(max(peak_kb / 1024, cost.peak_rss_mb), 1),
        "process_baseline_rss_mb": round(baseline, 1),
    }


def run_isolated(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, dict]:
    """Call fn(*args, **kwargs) in a spawned process; return its result and the process's costs.

    fn must be a module-level function; its exceptions are re-raised here.
    """
    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:
        return pool.apply(_measured, (fn, args, kwargs))

"""Portfolio aggregates at the default size: build cost, file size, and the comparison from aggregates vs arrays.

    python -m benchmarks.aggregates --artifacts artifacts/default [--out benchmarks/results/aggregates_356255.json]

On an artifact folder written by this version (it holds aggregates.npz): recomputes the aggregates from the
folder's arrays chunk by chunk as the build does (seconds, and equal to the file), states the file size here and
with every cell filled (the most any number of clients can give), times the comparison callback with an empty
cache from the arrays and from the aggregates over the same clients and groups, and says how close the two
pictures are for the default characteristic and group.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.common import ROOT, percentile
from scoring import aggregates as ag
from scoring.artifacts import Artifacts
from scoring.comparison import PROBABILITY, ConcreteGroup, ExactStats, comparable, place_client, value_at
from scoring.portfolio import Portfolio

CONTROLS = [
    {"base": "all", "gender": "any", "age": "any", "income": "any", "contract": "any"},
    {"base": "decision", "gender": "any", "age": "any", "income": "any", "contract": "any"},
    {"base": "all", "gender": "same", "age": "same", "income": "any", "contract": "any"},
    {"base": "decision", "gender": "same", "age": "same", "income": "same", "contract": "same"},
]
PAIRS = [("EXT_SOURCE_MEAN", PROBABILITY), ("AMT_INCOME_TOTAL", PROBABILITY), ("CNT_CHILDREN", PROBABILITY)]


class NoCache:
    """Every request computes (the cost a first visitor of a group pays)."""

    def get(self, key):
        return None

    def set(self, key, value):
        return True


def frame_of(portfolio: Portfolio) -> pd.DataFrame:
    """The raw filter columns the build hands to the aggregates, rebuilt from the stored display columns."""
    columns = {}
    for column in ("CODE_GENDER", "NAME_CONTRACT_TYPE"):
        codes = np.asarray(portfolio.raw(column))
        levels = np.asarray(portfolio.levels(column) + [None], dtype=object)
        columns[column] = levels[np.where(codes >= 0, codes, len(levels) - 1)]
    for column in ("DAYS_BIRTH", "AMT_INCOME_TOTAL"):
        columns[column] = np.asarray(portfolio.raw(column), dtype=float)
    return pd.DataFrame(columns)


def rebuild(portfolio: Portfolio) -> tuple[ag.Aggregates, dict]:
    frame = frame_of(portfolio)
    wall, cpu = time.perf_counter(), time.process_time()
    found = ag.of_portfolio(
        frame,
        np.asarray(portfolio.features),
        portfolio.feature_names,
        np.asarray(portfolio.proba),
        np.asarray(portfolio.contrib),
        portfolio.decision.threshold,
    )
    return found, {
        "wall_s": round(time.perf_counter() - wall, 2),
        "cpu_s": round(time.process_time() - cpu, 2),
        "chunk_rows": 50_000,
    }


def sizes(folder: Path, found: ag.Aggregates) -> dict:
    npz, meta = folder / ag.NPZ, folder / ag.JSON
    full = ag.dense(found)
    everyone = ag.Aggregates(**{**full.__dict__, "count": np.maximum(full.count, 1)})  # every cell present
    with tempfile.TemporaryDirectory() as tmp:
        ag.save(everyone, Path(tmp))
        bound = (Path(tmp) / ag.NPZ).stat().st_size
    return {
        "npz_bytes": npz.stat().st_size,
        "json_bytes": meta.stat().st_size,
        "npz_gzip_bytes": len(gzip.compress(npz.read_bytes(), 6)),
        "cells_present": int((np.asarray(found.count) > 0).sum()),
        "cells_total": found.spec.n_cells,
        "npz_bytes_every_cell_present": bound,
        "fine_bins": found.spec.fine_bins,
        "grid": ag.GRID,
        "names": len(found.spec.names),
        "pairs_with_grid": len(found.spec.pairs),
    }


def latency(folder: Path, clients: list[int]) -> dict:
    from app.config import Config
    from callbacks import comparison as view
    from wsgi import create_app

    with tempfile.TemporaryDirectory() as tmp:
        config = Config(artifacts_dir=folder, build_default=False, database_url=f"sqlite:///{tmp}/reviews.sqlite3")
        services = create_app(config).server.config["services"]
        services.cache = NoCache()
        out = {}
        for source in ("arrays", "aggregates"):
            if source == "aggregates":
                services.group_stats = ag.AggregateStats(folder)
                services.group_stats.aggregates  # noqa: B018 - opened once per worker, not per request
            times = []
            for client in clients:
                for controls in CONTROLS:
                    for x_name, y_name in PAIRS:
                        start = time.perf_counter()
                        view.compare(services, client_id=client, x_name=x_name, y_name=y_name, k=50, lang="fr", **controls)
                        times.append((time.perf_counter() - start) * 1000)
            out[source] = {
                "calls": len(times),
                "p50_ms": round(percentile(times, 50), 1),
                "p95_ms": round(percentile(times, 95), 1),
                "mean_ms": round(statistics.fmean(times), 1),
            }
    return out


def same_picture(portfolio: Portfolio, found: ag.Aggregates) -> dict:
    """The default chart (EXT_SOURCE_MEAN, everyone) from both sources, and the rank of a spread of clients."""
    exact, approx = ExactStats(portfolio), ag.AggregateStats(found)
    out = {}
    for name in ("EXT_SOURCE_MEAN", "AMT_INCOME_TOTAL", "CNT_CHILDREN", PROBABILITY):
        (se, ce), (sa, ca) = (
            exact.group_aggregates(ConcreteGroup(), name, PROBABILITY),
            approx.group_aggregates(ConcreteGroup(), name, PROBABILITY),
        )
        span = se.edges[-1] - se.edges[0]
        drawn_e = np.asarray(se.granted) + np.asarray(se.refused)
        drawn_a = np.asarray(sa.granted) + np.asarray(sa.refused)
        rows = np.linspace(0, len(portfolio) - 1, 200).astype(int)
        gaps = [
            abs(place_client(se, v).share_below - place_client(sa, v).share_below)
            for v in (value_at(portfolio, name, int(i)) for i in rows)
            if not np.isnan(v)
        ]
        out[name] = {
            "edges_shift_of_range": round(max(abs(se.edges[0] - sa.edges[0]), abs(se.edges[-1] - sa.edges[-1])) / span, 5)
            if len(se.edges) == len(sa.edges)
            else None,
            "chart_bins_max_abs_diff_share": round(float(np.abs(drawn_e - drawn_a).max() / se.n_values), 5)
            if len(drawn_e) == len(drawn_a)
            else None,
            "median": [se.median, sa.median],
            "share_below_max_abs_diff": round(max(gaps), 5),
            "cross_medians": [list(ce.medians), list(ca.medians)] if ca is not None else None,
            "cross_correlation": [ce.correlation, ca.correlation] if ca is not None else None,
        }
    return out


def partitions(folder: Path, data: Path) -> dict:
    """Aggregates of a partitioned portfolio (e.g. 10,000,000 clients), one partition at a time with this model.

    Probabilities only: SHAP contributions are left at zero here (their cost belongs to scoring, not to the
    aggregates), so the importance is not measured; the cells, histograms and grids are real.
    """
    from scoring.loading import clean_anomalies
    from scoring.model import margin

    artifacts = Artifacts(folder)
    transform, platt, threshold = artifacts.transform, artifacts.decision.platt, artifacts.decision.threshold
    files = sorted(data.rglob("*.parquet"))
    total, spec, seconds, scoring_seconds, rows = None, None, 0.0, 0.0, 0
    for path in files:
        frame = clean_anomalies(pd.read_parquet(path))[0]
        start = time.perf_counter()
        features = transform.transform(frame)
        proba = platt.proba(margin(artifacts.booster, features))
        scoring_seconds += time.perf_counter() - start
        contrib = np.zeros((len(frame), len(transform.features)), dtype=np.float32)
        start = time.perf_counter()
        if spec is None:  # edges fixed from a bounded sample of the first partition, before the pass
            names = ag.comparable_names(transform.features)
            sample = ag.sample_rows(len(frame))
            index = {name: i for i, name in enumerate(transform.features)}
            spec = ag.make_spec(
                {n: proba[sample] if n == PROBABILITY else features[sample, index[n]] for n in names},
                transform.features,
                threshold,
            )
        part = ag.partial(spec, ag.chunk_of(frame, features, transform.features, proba, contrib, spec.names))
        total = part if total is None else ag.merge([total, part])
        seconds += time.perf_counter() - start
        rows += len(frame)
        print(f"{path.name}: {rows:,} clients, aggregates {seconds:.1f} s, scoring {scoring_seconds:.1f} s", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        ag.save(total, Path(tmp))
        npz = Path(tmp) / ag.NPZ
        size = {"npz_bytes": npz.stat().st_size, "npz_gzip_bytes": len(gzip.compress(npz.read_bytes(), 6))}
    return {
        "n_clients": rows,
        "partitions": len(files),
        "aggregates_seconds": round(seconds, 1),
        "rows_per_second": round(rows / seconds),
        "scoring_seconds_probability_only": round(scoring_seconds, 1),
        "cells_present": int((total.count > 0).sum()),
        "cells_total": spec.n_cells,
        **size,
        "max_count_in_a_fine_bin": int(total.hist.max()),
    }


def refresh(folder: Path) -> None:
    """Rewrite the aggregates of an artifact folder from its arrays (an older folder, or another spec), and its
    manifest (checksums) so that the folder still verifies."""
    from scoring.artifacts import MANIFEST, write_manifest

    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    found, cost = rebuild(Portfolio(Artifacts(folder, check_hashes=False)))
    ag.save(found, folder)
    kept = {k: v for k, v in manifest.items() if k not in ("format_version", "created_utc", "versions", "files")}
    write_manifest(folder, kept)
    print(f"aggregates of {folder} rewritten in {cost['wall_s']} s")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--artifacts", type=Path, default=ROOT / "artifacts" / "default")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--clients", type=int, default=10, help="clients timed per group and pair")
    parser.add_argument(
        "--partitions", type=Path, default=None, help="Parquet folder: aggregates of it, one partition at a time"
    )
    parser.add_argument("--refresh", action="store_true", help="first rewrite the folder's aggregates from its arrays")
    args = parser.parse_args(argv)
    if args.refresh:
        refresh(args.artifacts)
    if args.partitions is not None:
        result = {**partitions(args.artifacts, args.partitions), "load_average": [round(v, 2) for v in os.getloadavg()]}
        text = json.dumps(result, indent=2)
        print(text)
        out = args.out or ROOT / "benchmarks" / "results" / f"aggregates_{result['n_clients']}.json"
        out.write_text(text + "\n", encoding="utf-8")
        return
    artifacts = Artifacts(args.artifacts)
    portfolio = Portfolio(artifacts)
    stored = ag.load(args.artifacts)
    found, cost = rebuild(portfolio)
    equal = all(
        np.array_equal(np.asarray(getattr(ag.dense(stored), name)), np.asarray(getattr(found, name)))
        for name in ("count", "hist", "proba_missing", "grid")
    )
    rng = np.random.default_rng(0)
    clients = [int(portfolio.ids[i]) for i in rng.choice(len(portfolio), args.clients, replace=False)]
    result = {
        "n_clients": len(portfolio),
        "comparable": len(comparable(portfolio)),
        "build": {**cost, "equal_to_the_file": bool(equal), "build_timings": artifacts.manifest.get("timings")},
        "file": sizes(args.artifacts, stored),
        "picture_all_clients": same_picture(portfolio, stored),
        "callback_latency_no_cache": latency(args.artifacts, clients),
        "load_average": [round(v, 2) for v in os.getloadavg()],
        "cpus": os.cpu_count(),
    }
    text = json.dumps(result, indent=2)
    print(text)
    out = args.out or ROOT / "benchmarks" / "results" / f"aggregates_{len(portfolio)}.json"
    out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

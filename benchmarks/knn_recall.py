"""Recall and latency of the k-nearest clients from PostgreSQL (scoring/stores/neighbours.py).

At the artifact's size (a real synthetic portfolio): recall@k of the cube GiST query against
``Portfolio.nearest`` (the exact semantics), with and without group filters, query latency, index build
time and size. Then larger tables made by resampling the artifact's clients (bootstrap rows, a little noise
on observed values, missing values and filters kept): index build, size and latency; recall at sizes where
the in-memory exact search (``nearest_in_memory``) is still quick.

    python -m benchmarks.knn_recall --artifact /work/data/knn/art100k --scales 1000000 10000000

Without ``--database-url`` it starts a throw-away server (tests/postgres.py). Prints and writes
benchmarks/results/knn_recall.json (merged with the figures already there, by size).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import time
from pathlib import Path

import numpy as np

from scoring.artifacts import Artifacts
from scoring.comparison import AGE_BANDS, INCOME_BANDS, band_of, band_values
from scoring.portfolio import Portfolio
from scoring.stores import neighbours as nb

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "knn_recall.json"
KS = (10, 100, 500)
COLUMNS = {name: name for name in nb.FILTERS}
GROUPS = ("all", "same_gender_decision", "same_age_income_bands", "small_4_filters")


def portfolio_columns(portfolio: Portfolio) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    rows = np.linspace(0, len(portfolio) - 1, min(len(portfolio), 20_000)).astype(int)  # feature_scale's sample
    space = nb.NeighbourSpace.from_artifact(portfolio.importance, portfolio.feature_scale, portfolio.features[rows])
    projected = space.project(portfolio.features)
    proba = np.asarray(portfolio.proba, dtype=float)

    def codes(column):
        values = np.asarray(portfolio.raw(column), dtype=float)
        return np.where(values < 0, np.nan, values)

    filters = {
        "gender": codes("CODE_GENDER"),
        "contract": codes("NAME_CONTRACT_TYPE"),
        "refused": (proba >= portfolio.decision.threshold).astype(float),
        "age": band_values(portfolio, "age"),
        "income": band_values(portfolio, "income"),
    }
    return space, projected, filters


def group_of(name: str, filters: dict[str, np.ndarray], i: int) -> nb.Group:
    """The comparison view's kinds of groups, resolved for client i ("same as this client")."""

    def band(kind, bands):
        b = band_of(float(filters[kind][i]), bands)
        return (-1.0, -1.0) if b is None else bands[b]  # an empty range: nobody

    def code(kind):
        value = filters[kind][i]
        return -2.0 if np.isnan(value) else float(value)

    if name == "all":
        return nb.Group()
    if name == "same_gender_decision":
        return nb.Group(gender=code("gender"), refused=bool(filters["refused"][i]))
    if name == "same_age_income_bands":
        return nb.Group(age=band("age", AGE_BANDS), income=band("income", INCOME_BANDS))
    return nb.Group(
        gender=code("gender"), contract=code("contract"), age=band("age", AGE_BANDS), income=band("income", INCOME_BANDS)
    )


def create_table(connection, table: str) -> None:
    connection.execute(nb.EXTENSION_DDL)
    connection.execute(f"DROP TABLE IF EXISTS {table}")
    connection.execute(
        f"CREATE TABLE {table} (id bigint PRIMARY KEY, gender int, contract int, refused boolean, age float8, income float8)"
    )
    for ddl in nb.column_ddl(table):
        connection.execute(ddl)


def copy_rows(connection, table: str, space, ids, projected, filters, chunk: int = 100_000) -> float:
    """COPY the rows (text format) by chunks; returns seconds."""
    start = time.perf_counter()
    with connection.cursor().copy(
        f"COPY {table} (id, gender, contract, refused, age, income, {nb.POINT}, {nb.MISSING}) FROM STDIN"
    ) as copy:
        for a in range(0, len(ids), chunk):
            b = min(a + chunk, len(ids))
            points, bits = nb.embed(space, projected[a:b])
            cubes = nb.cube_text(points)
            out = io.StringIO()
            for j in range(b - a):
                row = [str(int(ids[a + j]))]
                for name in ("gender", "contract"):
                    v = filters[name][a + j]
                    row.append("\\N" if np.isnan(v) else str(int(v)))
                row.append("t" if filters["refused"][a + j] else "f")
                for name in ("age", "income"):
                    v = filters[name][a + j]
                    row.append("\\N" if np.isnan(v) else repr(float(v)))
                row.append(cubes[j])
                row.append(str(int(bits[j])))
                out.write("\t".join(row) + "\n")
            copy.write(out.getvalue())
    return time.perf_counter() - start


def build_index(connection, table: str, space) -> dict:
    start = time.perf_counter()
    for ddl in nb.patterns_ddl(table):
        connection.execute(ddl, {"flag_mask": space.flag_mask})
    patterns = [int(r[0]) for r in connection.execute(nb.patterns_sql(table)).fetchall()]
    for ddl in nb.index_ddl(table, space, patterns):
        connection.execute(ddl)
    seconds = time.perf_counter() - start
    connection.execute(f"ANALYZE {table}")
    size = connection.execute(
        "SELECT (SELECT sum(pg_relation_size(indexrelid)) FROM pg_index WHERE indrelid = %s::regclass "
        "AND NOT indisprimary), pg_relation_size(%s)",
        (table, table),
    ).fetchone()
    index_mb, table_mb = (round(float(v) / 2**20, 1) for v in size)
    return {"index_build_s": round(seconds, 1), "index_mb": index_mb, "table_mb": table_mb}


def uses_index(connection, table: str, space, client_id: int, group: nb.Group) -> bool:
    """Every pattern's scan of the EXPLAIN is an index scan of the kNN index."""
    point, bits = connection.execute(nb.target_sql(table), {"id": client_id}).fetchone()
    target = nb.restore(space, nb.parse_cube(point), np.array([bits]))[0]
    patterns = [int(r[0]) for r in connection.execute(nb.patterns_sql(table)).fetchall()]
    sql, params = nb.candidates_sql(table, group, COLUMNS, space, patterns)
    params.update(id=client_id, k=500)
    for i, pattern in enumerate(patterns):
        params[f"q{i}"] = nb.query_text(*nb.query_box(space, target, pattern)[:2])
        params[f"scan{i}"] = nb.MAX_SCAN
    with connection.transaction():
        connection.execute("SET LOCAL enable_bitmapscan = off")
        connection.execute("SET LOCAL enable_seqscan = off")
        plan = "\n".join(r[0] for r in connection.execute("EXPLAIN " + sql, params).fetchall())
    return all(f"Index Scan using {table}_knn_{p} " in plan for p in patterns) and "Seq Scan" not in plan


def percentiles(times: list[float]) -> dict:
    ms = np.asarray(times) * 1000
    return {"p50_ms": round(float(np.percentile(ms, 50)), 2), "p95_ms": round(float(np.percentile(ms, 95)), 2)}


def measure(connection, table, space, projected, filters, targets, reference, with_recall, variant, truths) -> dict:
    """Latency (and recall against ``reference(i, k, mask)``) for each group kind and k."""
    out = {}
    for name in GROUPS:
        row = {}
        for k in KS:
            times, recalls, tie_recalls, sizes = [], [], [], []
            for i in targets:
                group = group_of(name, filters, int(i))
                start = time.perf_counter()
                got = nb.nearest_ids(connection, table, space, int(i), k, group, COLUMNS, **variant)
                times.append(time.perf_counter() - start)
                sizes.append(len(got))
                if with_recall:
                    key = (name, int(i))
                    if key not in truths:  # once at the largest k; a shorter list is its prefix
                        truths[key] = reference(int(i), max(KS), nb.in_group(filters, group))
                    truth = truths[key][:k]
                    if len(truth) == 0:
                        recalls.append(1.0 if not got else 0.0)
                        tie_recalls.append(recalls[-1])
                        continue
                    recalls.append(len(set(got) & set(truth.tolist())) / len(truth))
                    # Ties at the k-th distance: any of the tied clients is a right answer.
                    dist = nb.exact_distances(projected[np.asarray(got, dtype=int)], projected[int(i)])
                    kth = nb.exact_distances(projected[truth[-1:]], projected[int(i)])[0]
                    tie_recalls.append(min(1.0, float((dist <= kth + 1e-9).sum()) / len(truth)))
            row[f"k={k}"] = {**percentiles(times), "mean_returned": round(float(np.mean(sizes)), 1)}
            if with_recall:
                row[f"k={k}"]["recall"] = round(float(np.mean(recalls)), 4)
                row[f"k={k}"]["recall_ties_counted"] = round(float(np.mean(tie_recalls)), 4)
        out[name] = row
    return out


def resample(projected, filters, n: int, seed: int = 7):
    """n rows drawn from the portfolio's rows with noise (0.05 scale units) on observed values."""
    rng = np.random.default_rng(seed)
    rows = rng.integers(0, len(projected), n)
    values = projected[rows] + rng.normal(0, 0.05, (n, projected.shape[1]))
    return values, {k: v[rows] for k, v in filters.items()}


def run_size(connection, n, space, projected, filters, queries, reference, with_recall, label, factors) -> dict:
    table = f"knn_bench_{n}"
    create_table(connection, table)
    ids = np.arange(n)
    load_s = copy_rows(connection, table, space, ids, projected, filters)
    result = {"clients": n, "data": label, "copy_s": round(load_s, 1), **build_index(connection, table, space)}
    result["patterns"] = connection.execute(nb.patterns_sql(table)).fetchall()
    rng = np.random.default_rng(1)
    targets = rng.choice(n, size=queries, replace=False)
    for i in targets[:20]:  # warm the cache as a serving database would be
        nb.nearest_ids(connection, table, space, int(i), 10, nb.Group(), COLUMNS)
    result["plan_uses_index"] = all(
        uses_index(connection, table, space, int(targets[0]), group_of(g, filters, int(targets[0]))) for g in GROUPS
    )
    result["variants"] = {}
    truths = {}
    for scan in factors:
        result["variants"][f"max_scan={scan}"] = measure(
            connection, table, space, projected, filters, targets, reference, with_recall, {"max_scan": scan}, truths
        )
    result["load_average"] = [round(x, 2) for x in os.getloadavg()]
    return result


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--artifact", type=Path, required=True)
    parser.add_argument("--database-url")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--scales", type=int, nargs="*", default=[])
    parser.add_argument("--recall-up-to", type=int, default=1_000_000, help="largest size where recall is computed")
    parser.add_argument("--skip-artifact", action="store_true", help="only the resampled sizes")
    parser.add_argument("--keep-tables", action="store_true")
    parser.add_argument("--max-scan", type=int, nargs="*", default=[nb.MAX_SCAN], help="rows one pattern scan may read")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    import psycopg

    server = None
    url = args.database_url
    if url is None:
        from tests.postgres import remove_server, start_server

        server = start_server()
        url = server.url()
    results = json.loads(args.out.read_text()) if args.out.is_file() else {}
    results.setdefault("sizes", {})
    try:
        with psycopg.connect(url, autocommit=True) as connection:
            portfolio = Portfolio(Artifacts(args.artifact))
            space, projected, filters = portfolio_columns(portfolio)
            results["method"] = (
                "cube GiST kNN (<->) on 10-d points (scaled features, missing at the median), one partial index "
                "per missing pattern of the often-missing features; the pattern with the smallest offset first, "
                "then the others whose offset is below its k-th distance, inside a box of that radius; k rows "
                "per pattern in the group (SQL filters), re-ranked exactly in the worker"
            )
            results["missing_share_of_values"] = round(float(np.isnan(projected).mean()), 4)
            if not args.skip_artifact:
                n = len(projected)
                result = run_size(
                    connection,
                    n,
                    space,
                    projected,
                    filters,
                    args.queries,
                    lambda i, k, mask: portfolio.nearest(i, k, among=mask),
                    True,
                    f"artifact {args.artifact.name}",
                    args.max_scan,
                )
                print(json.dumps(result, indent=1))
                results["sizes"][str(n)] = result
                args.out.write_text(json.dumps(results, indent=1) + "\n")
                if not args.keep_tables:
                    connection.execute(f"DROP TABLE knn_bench_{n}")
            for n in args.scales:
                values, columns = resample(projected, filters, n)
                with_recall = n <= args.recall_up_to
                result = run_size(
                    connection,
                    n,
                    space,
                    values,
                    columns,
                    min(args.queries, 100),
                    lambda i, k, mask, v=values: nb.nearest_in_memory(v, i, k, among=mask),
                    with_recall,
                    f"resampled from {args.artifact.name} (noise 0.05)",
                    args.max_scan,
                )
                print(json.dumps(result, indent=1))
                results["sizes"][str(n)] = result
                args.out.write_text(json.dumps(results, indent=1) + "\n")
                del values, columns
                if not args.keep_tables:
                    connection.execute(f"DROP TABLE knn_bench_{n}")
    finally:
        if server is not None:
            remove_server(server)
    print(f"written {args.out}")


if __name__ == "__main__":
    main()

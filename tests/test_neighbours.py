"""The k nearest clients from PostgreSQL (scoring/stores/neighbours.py) against ``Portfolio.nearest``.

The table is loaded from the suite's small synthetic artifact (13,500 clients) into a real server; the
reference is ``Portfolio.nearest`` on the same artifact.
"""

from __future__ import annotations

import io

import numpy as np
import pytest

from scoring.artifacts import Artifacts
from scoring.comparison import AGE_BANDS, INCOME_BANDS, band_of, band_values
from scoring.portfolio import Portfolio
from scoring.stores import neighbours as nb

from .postgres import remove_server, start_server

TABLE = "clients_knn_test"
COLUMNS = {"gender": "gender", "contract": "contract", "refused": "refused", "age": "age", "income": "income"}
RECALL_FLOOR = 0.999  # the method is exact within its scan bound; ties at the k-th distance may swap a client


@pytest.fixture(scope="module")
def portfolio(synthetic_artifacts) -> Portfolio:
    return Portfolio(Artifacts(synthetic_artifacts))


@pytest.fixture(scope="module")
def space(portfolio) -> nb.NeighbourSpace:
    rows = np.linspace(0, len(portfolio) - 1, min(len(portfolio), 20_000)).astype(int)
    return nb.NeighbourSpace.from_artifact(portfolio.importance, portfolio.feature_scale, portfolio.features[rows])


@pytest.fixture(scope="module")
def filters(portfolio) -> dict[str, np.ndarray]:
    def codes(column):
        values = np.asarray(portfolio.raw(column), dtype=float)
        return np.where(values < 0, np.nan, values)

    return {
        "gender": codes("CODE_GENDER"),
        "contract": codes("NAME_CONTRACT_TYPE"),
        "refused": (np.asarray(portfolio.proba) >= portfolio.decision.threshold).astype(float),
        "age": band_values(portfolio, "age"),
        "income": band_values(portfolio, "income"),
    }


@pytest.fixture(scope="module")
def connection(portfolio, space, filters):
    psycopg = pytest.importorskip("psycopg")
    server = start_server()
    if server is None:
        pytest.skip("PostgreSQL server not installed (Debian: apt-get install postgresql; .ci/run does it)")
    try:
        with psycopg.connect(server.url(), autocommit=True) as conn:
            conn.execute(nb.EXTENSION_DDL)
            conn.execute(
                f"CREATE TABLE {TABLE} (id bigint PRIMARY KEY, gender int, contract int, refused boolean, "
                "age float8, income float8)"
            )
            for ddl in nb.column_ddl(TABLE):
                conn.execute(ddl)
            points, bits = nb.embed(space, space.project(portfolio.features))
            lines = io.StringIO()
            for i, (cube, mask) in enumerate(zip(nb.cube_text(points), bits, strict=True)):
                cells = [str(int(portfolio.ids[i]))]
                cells += ["\\N" if np.isnan(filters[n][i]) else str(int(filters[n][i])) for n in ("gender", "contract")]
                cells.append("t" if filters["refused"][i] else "f")
                cells += ["\\N" if np.isnan(filters[n][i]) else repr(float(filters[n][i])) for n in ("age", "income")]
                lines.write("\t".join([*cells, cube, str(int(mask))]) + "\n")
            with conn.cursor().copy(f"COPY {TABLE} FROM STDIN") as copy:
                copy.write(lines.getvalue())
            for ddl in nb.patterns_ddl(TABLE):
                conn.execute(ddl, {"flag_mask": space.flag_mask})
            patterns = [int(r[0]) for r in conn.execute(nb.patterns_sql(TABLE)).fetchall()]
            for ddl in nb.index_ddl(TABLE, space, patterns):
                conn.execute(ddl)
            yield conn
    finally:
        remove_server(server)


def targets(portfolio, n=25, seed=3) -> list[int]:
    return sorted(np.random.default_rng(seed).choice(len(portfolio), n, replace=False).tolist())


def same_bands(filters, i) -> nb.Group:
    age, income = band_of(filters["age"][i], AGE_BANDS), band_of(filters["income"][i], INCOME_BANDS)
    return nb.Group(
        gender=None if np.isnan(filters["gender"][i]) else filters["gender"][i],
        refused=bool(filters["refused"][i]),
        age=AGE_BANDS[age] if age is not None else (-1, -1),
        income=INCOME_BANDS[income] if income is not None else (-1, -1),
    )


def test_stored_point_and_bitmask_give_back_the_projected_values(portfolio, space):
    projected = space.project(portfolio.features)
    assert np.isnan(projected).any(), "the artifact should have missing values to test their encoding"
    points, bits = nb.embed(space, projected)
    assert not np.isnan(points).any()
    np.testing.assert_array_equal(nb.restore(space, points, bits), projected)
    back = np.array([nb.parse_cube(t) for t in nb.cube_text(points[:200])])
    np.testing.assert_array_equal(back, points[:200])  # float8 text round trip, bit for bit


def test_robust_scale_is_the_portfolio_s(portfolio):
    rows = np.linspace(0, len(portfolio) - 1, min(len(portfolio), 20_000)).astype(int)
    np.testing.assert_array_equal(nb.robust_scale(portfolio.features[rows]), portfolio.feature_scale)


def test_the_space_survives_json(space):
    import json

    assert nb.NeighbourSpace.from_json(json.loads(json.dumps(space.to_json()))) == space


def test_in_memory_fallback_is_portfolio_nearest(portfolio, space, filters):
    projected = space.project(portfolio.features)
    for i in targets(portfolio, 10):
        np.testing.assert_array_equal(nb.nearest_in_memory(projected, i, 50), portfolio.nearest(i, 50))
        mask = nb.in_group(filters, same_bands(filters, i))
        np.testing.assert_array_equal(
            nb.nearest_in_memory(projected, i, 50, among=mask), portfolio.nearest(i, 50, among=mask)
        )


def test_a_pattern_query_gives_its_clients_their_exact_distance(portfolio, space):
    projected = space.project(portfolio.features)
    points, bits = nb.embed(space, projected)
    patterns = bits & space.flag_mask
    rare = (bits & ~space.flag_mask) != 0  # missing a rarely-missing feature: found via the median only
    assert len(space.flagged) >= 1 and len(np.unique(patterns)) > 1
    with_missing = int(np.flatnonzero(np.isnan(projected[:, list(space.flagged)]).any(axis=1))[0])
    for i in [*targets(portfolio, 5), with_missing]:
        exact = nb.exact_distances(projected, projected[i])
        for pattern in np.unique(patterns):
            low, high, offset = nb.query_box(space, projected[i], int(pattern))
            rows = (patterns == pattern) & ~rare
            gap = np.maximum(np.maximum(low - points[rows], points[rows] - high), 0.0)
            np.testing.assert_allclose(np.einsum("ij,ij->i", gap, gap) + offset, exact[rows], rtol=1e-12, atol=1e-12)


def test_same_clients_in_the_same_order_as_portfolio_nearest(connection, portfolio, space):
    # Ids ascend with the row index, so ties at equal distance break the same way as in Portfolio.nearest.
    for i in targets(portfolio, 8):
        got = nb.nearest_ids(connection, TABLE, space, int(portfolio.ids[i]), 30, nb.Group(), COLUMNS)
        assert got == [int(portfolio.ids[j]) for j in portfolio.nearest(i, 30)]


@pytest.mark.parametrize("k", [10, 100])
def test_recall_against_portfolio_nearest(connection, portfolio, space, filters, k):
    recalls = []
    for i in targets(portfolio):
        for group in (nb.Group(), same_bands(filters, i)):
            truth = {int(portfolio.ids[j]) for j in portfolio.nearest(i, k, among=nb.in_group(filters, group))}
            got = nb.nearest_ids(connection, TABLE, space, int(portfolio.ids[i]), k, group, COLUMNS)
            assert len(got) == len(set(got)) == len(truth)
            recalls.append(len(truth & set(got)) / len(truth))
    assert np.mean(recalls) >= RECALL_FLOOR, f"recall@{k} {np.mean(recalls):.3f}"


def test_filters_are_respected(connection, portfolio, space, filters):
    index_of = {int(c): j for j, c in enumerate(portfolio.ids)}
    for i in targets(portfolio, 10):
        group = same_bands(filters, i)
        mask = nb.in_group(filters, group)
        got = nb.nearest_ids(connection, TABLE, space, int(portfolio.ids[i]), 200, group, COLUMNS)
        assert got and all(mask[index_of[c]] for c in got)
        assert int(portfolio.ids[i]) not in got


def test_empty_group_and_unknown_client_give_nothing(connection, portfolio, space):
    client = int(portfolio.ids[0])
    assert nb.nearest_ids(connection, TABLE, space, client, 50, nb.Group(gender=-2), COLUMNS) == []
    assert nb.nearest_ids(connection, TABLE, space, client, 50, nb.Group(age=(200, 300)), COLUMNS) == []
    assert nb.nearest_ids(connection, TABLE, space, int(portfolio.ids.max()) + 1, 50, nb.Group(), COLUMNS) == []


def test_every_pattern_is_read_through_its_own_index_and_a_bounded_number_of_rows(connection, portfolio, space):
    i = targets(portfolio, 1)[0]
    point, bits = connection.execute(nb.target_sql(TABLE), {"id": int(portfolio.ids[i])}).fetchone()
    target = nb.restore(space, nb.parse_cube(point), np.array([bits]))[0]
    patterns = [int(r[0]) for r in connection.execute(nb.patterns_sql(TABLE)).fetchall()]
    sql, params = nb.candidates_sql(TABLE, nb.Group(gender=-2), COLUMNS, space, patterns)  # empty group
    params.update(id=int(portfolio.ids[i]), k=100)
    for j, pattern in enumerate(patterns):
        params[f"q{j}"] = nb.query_text(*nb.query_box(space, target, pattern)[:2])
        params[f"scan{j}"] = 300
    with connection.transaction():
        connection.execute("SET LOCAL enable_bitmapscan = off")
        connection.execute("SET LOCAL enable_seqscan = off")
        plan = "\n".join(r[0] for r in connection.execute("EXPLAIN (ANALYZE) " + sql, params).fetchall())
    scans = [line for line in plan.splitlines() if "Index Scan using" in line]
    assert sorted(line.split("Index Scan using ")[1].split()[0] for line in scans) == sorted(
        f"{TABLE}_knn_{p}" for p in patterns
    )
    assert "Seq Scan" not in plan
    counts = connection.execute(nb.patterns_sql(TABLE)).fetchall()  # in the statement's order
    for line, (pattern, clients) in zip(scans, counts, strict=True):
        assert f"{TABLE}_knn_{pattern} " in line
        read = int(line.split("actual")[1].split("rows=")[1].split()[0])
        assert read == min(300, clients), line  # an empty group reads up to the bound, not the table


def test_a_group_smaller_than_k_comes_back_whole(connection, portfolio, space, filters):
    for group in (nb.Group(age=(18, 25), income=(300_000, None)), nb.Group(contract=1, age=(60, 70), refused=True)):
        members = {int(c) for c in portfolio.ids[nb.in_group(filters, group)]}
        assert 0 < len(members) < 500, f"pick a small group: {len(members)} members"
        client = int(portfolio.ids[0])
        got = nb.nearest_ids(connection, TABLE, space, client, 500, group, COLUMNS)
        assert set(got) == members - {client}
        assert len(got) == len(set(got))

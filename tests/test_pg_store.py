"""The PostgreSQL client store against a real server, beside the memory-mapped one on the same clients.

``scoring load-clients`` fills the database from the application files of the session's synthetic portfolio;
the two stores must then give the same probability (<= 1e-6), decision and reasons, the same search results
(by an index, not a scan), and the dashboard's client views must work from either. Faults: the server stopped
and started under the app, a statement that takes too long, a row with impossible values.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import psycopg
import pytest

from app.config import Config
from app.services import neighbour_group
from callbacks import client_card, explanation, selection, summary, whatif
from scoring.artifacts import Artifacts
from scoring.comparison import NOBODY, ConcreteGroup, ExactStats, GroupSpec, concrete_mask, resolve, resolve_group
from scoring.stores.memmap import MemmapStore
from scoring.stores.neighbours import Group
from scoring.stores.pg_schema import current_table, libpq_url, version_tables
from scoring.stores.postgres import PostgresStore, search_sql
from wsgi import create_app

from .pg_clients import load, table_digest, write_portfolio_files


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return write_portfolio_files(tmp_path_factory.mktemp("clients"))


@pytest.fixture(scope="module")
def url(postgres, data, synthetic_artifacts) -> str:
    url = postgres.create_database("clients_store")  # Heroku's postgres:// form
    assert load(data, url, synthetic_artifacts) == 0
    return url


@pytest.fixture(scope="module")
def stores(url, synthetic_artifacts):
    artifacts = Artifacts(synthetic_artifacts)
    pg = PostgresStore(url, artifacts)
    yield MemmapStore(artifacts), pg
    pg.close()


def sample_ids(artifacts: Path, n: int = 250) -> list[int]:
    ids = np.asarray(Artifacts(artifacts).array("ids"))
    return [int(i) for i in ids[np.linspace(0, len(ids) - 1, n).astype(int)]]


def test_both_stores_explain_every_sampled_client_alike(stores, synthetic_artifacts):
    memmap, pg = stores
    for client_id in sample_ids(synthetic_artifacts):
        expected, got = memmap.explanation(client_id), pg.explanation(client_id)
        assert abs(expected.probability - got.probability) <= 1e-6, client_id
        assert (got.decision, got.in_grey_zone) == (expected.decision, expected.in_grey_zone), client_id
        assert [n for n, _ in got.top_contributions(5)] == [n for n, _ in expected.top_contributions(5)], client_id
        scored = pg.scored(client_id)
        assert abs(scored.probability - expected.probability) <= 1e-6 and scored.decision == expected.decision
        assert scored.model_version == memmap.model_version
        a, b = memmap.get(client_id), pg.get(client_id)
        assert a.in_training == b.in_training
        for column, value in b.values.items():
            if column in a.values:
                mine = a.values[column]
                assert (value is None) == (mine is None), (client_id, column)
                if isinstance(value, float):
                    assert value == pytest.approx(mine, rel=1e-6, abs=1e-6), (client_id, column)
                else:
                    assert value == mine, (client_id, column)


def test_unknown_clients_and_neighbours(stores):
    from scoring.errors import UnknownClientError

    memmap, pg = stores
    assert not pg.exists(1) and pg.scored(1) is None
    with pytest.raises(UnknownClientError):
        pg.get(1)
    assert pg.neighbours(1, 5) == []
    features, proba = pg.features_of([1])
    assert features.shape == (0, len(memmap.portfolio.feature_names)) and len(proba) == 0


@pytest.mark.parametrize("prefix", ["1", "10", "100", "1000", "10005", "108", "999", "0", "", "12a"])
def test_search_gives_the_memmap_answer(stores, prefix):
    memmap, pg = stores
    assert pg.search(prefix, 20) == memmap.search(prefix, 20)
    if prefix.isdigit():
        target = int(prefix + "0" * max(0, 6 - len(prefix)))
        assert pg.closest_ids(target) == memmap.closest_ids(target)


def test_prefix_search_reads_the_index_not_the_table(url):
    sql, params = search_sql("1003", 20)
    with psycopg.connect(libpq_url(url)) as connection:
        connection.execute("SET enable_seqscan = off")  # the planner may still pick a scan if no index fits
        plan = "\n".join(r[0] for r in connection.execute("EXPLAIN " + sql, params))
        connection.execute("SET enable_seqscan = on")
        real = "\n".join(r[0] for r in connection.execute("EXPLAIN " + sql, params))
    for shown in (plan, real):
        assert "Index" in shown and "Seq Scan" not in shown, shown


def test_reload_gives_the_same_table_and_drops_the_old_version(url, data, synthetic_artifacts):
    with psycopg.connect(libpq_url(url), autocommit=True) as connection:
        before_table, before = current_table(connection), table_digest(connection)
    assert load(data, url, synthetic_artifacts, "--chunk-rows", "5000") == 0
    with psycopg.connect(libpq_url(url), autocommit=True) as connection:
        after_table, after = current_table(connection), table_digest(connection)
        tables = version_tables(connection)
    assert after == before and before[0] == 13_500
    assert after_table != before_table and tables == [after_table]


def test_bad_input_is_one_line_and_exit_2(url, synthetic_artifacts, tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("SK_ID_CURR,NOTHING\n1,2\n", encoding="utf-8")
    for data, target in ((tmp_path / "missing.csv", url), (bad, url), (bad, "postgres://app@127.0.0.1:1/none")):
        assert load(data, target, synthetic_artifacts) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith("error:") and "\n" not in err and "Traceback" not in err, err
    with psycopg.connect(libpq_url(url)) as connection:
        assert table_digest(connection)[0] == 13_500  # still serving


# --- the dashboard's views from PostgreSQL ------------------------------------------------------------------


@pytest.fixture(scope="module")
def apps(url, synthetic_artifacts, tmp_path_factory):
    """The dashboard on the memory-mapped store and on PostgreSQL (each with its own review register)."""

    def app(clients_url: str):
        db = tmp_path_factory.mktemp("reviews") / "reviews.sqlite3"
        config = Config(
            artifacts_dir=synthetic_artifacts,
            build_default=False,
            database_url=f"sqlite:///{db}",
            clients_database_url=clients_url,
        )
        return create_app(config)

    return app(""), app(url)


def services_of(app):
    return app.server.config["services"]


def views(services, client_id: int, lang: str = "fr") -> dict:
    return {
        "summary": summary.show_summary(services, client_id=client_id, lang=lang, table_clicks=1),
        "explanation": explanation.show_explanation(services, client_id=client_id, lang=lang, table_clicks=1),
        "card": client_card.show_card(services, client_id=client_id, lang=lang),
        "whatif": whatif.fill_form(services, client_id, lang),
    }


def test_every_client_view_is_the_same_from_either_store(apps, synthetic_artifacts):
    memmap, pg = map(services_of, apps)
    assert type(pg.clients).__name__ == "PostgresStore" and type(memmap.clients).__name__ == "MemmapStore"
    for client_id in sample_ids(synthetic_artifacts, 6):
        a, b = views(memmap, client_id), views(pg, client_id)
        for view in a:
            assert repr(b[view]) == repr(a[view]), (client_id, view)
        chosen = selection.select_client(pg, url_search=f"?client={client_id}", clicks=0, submits=0, typed=None, lang="fr")
        assert chosen["client"] == client_id and chosen["error"] == ""
    prefix = str(sample_ids(synthetic_artifacts, 3)[1])[:4]
    suggested = selection.suggest(pg, typed=prefix)["options"]
    assert len(suggested) == 20 and repr(suggested) == repr(selection.suggest(memmap, typed=prefix)["options"])


def test_letter_from_postgres(apps, synthetic_artifacts):
    client_id = sample_ids(synthetic_artifacts, 5)[2]
    pages = [app.server.test_client().get(f"/lettre?client={client_id}") for app in apps]
    assert [p.status_code for p in pages] == [200, 200]
    assert pages[1].get_data(as_text=True) == pages[0].get_data(as_text=True)


def test_comparison_from_postgres_reads_the_aggregates_and_the_row(apps, synthetic_artifacts):
    from callbacks import comparison
    from callbacks.common import guarded
    from layouts.i18n import language

    memmap, pg = map(services_of, apps)
    assert pg.group_stats is not None and memmap.group_stats is None
    client_id = sample_ids(synthetic_artifacts, 7)[3]
    for group in ({"base": "all"}, {"base": "decision", "gender": "same"}):
        controls = {"k": 50, "gender": "any", "age": "any", "income": "any", "contract": "any", **group}
        a, b = (
            comparison.compare(s, client_id=client_id, x_name="PROBABILITY", y_name="EXT_SOURCE_MEAN", lang="en", **controls)
            for s in (memmap, pg)
        )
        assert b["size"] == a["size"] and b.get("message", "") == "", (group, b.get("message"))
        assert b["hist"] and b["cross"]
    # The k-nearest group from PostgreSQL's indexes: a chart, the memmap's one (same neighbours, same rows).
    names = ("size", "message", "hist", "cross")
    for group in ({}, {"gender": "same", "age": "same"}):
        nearest = {"base": "nearest", "k": 50, "gender": "any", "age": "any", "income": "any", "contract": "any", **group}
        said = [
            guarded(names, "message")(lambda s=s, **kw: comparison.compare(s, **kw))(
                client_id=client_id, x_name="PROBABILITY", y_name="EXT_SOURCE_MEAN", lang="fr", **nearest
            )
            for s in (memmap, pg)
        ]
        assert said[1]["message"] == "", said[1]["message"]
        assert (
            said[1]["size"]
            == said[0]["size"]
            == language("fr").ngettext("Compared group: {n} client.", "Compared group: {n} clients.", 50)
        )
        assert said[1]["hist"]["data"] and said[1]["cross"]["data"], group


# --- the k-nearest group from PostgreSQL's indexes ---------------------------------------------------------


NEAREST_SPECS = [
    GroupSpec("nearest", 50),
    GroupSpec("nearest", 200, gender="same", age="same"),
    GroupSpec("nearest", 30, income="same", contract="same"),
]


@pytest.mark.parametrize("spec", NEAREST_SPECS, ids=lambda s: s.key())
def test_nearest_group_from_postgres_is_the_arrays_one(apps, synthetic_artifacts, spec):
    """Same neighbours as ``Portfolio.nearest`` (recall over the sample >= 0.99), and where they are the same
    clients, the same summary of every characteristic tried: the rows' features recomputed by the transform."""
    from callbacks.comparison import client_point
    from layouts.comparison import MAX_POINTS

    memmap, pg = map(services_of, apps)
    portfolio = memmap.portfolio
    found = wanted = compared = 0
    for client_id in sample_ids(synthetic_artifacts, 12):
        index = portfolio.index_of(client_id)
        exact_group = resolve_group(portfolio, index, spec)
        expected_ids = set(portfolio.ids[concrete_mask(portfolio, exact_group)].tolist())
        facts, _, _, key = client_point(pg, client_id, "PROBABILITY", "EXT_SOURCE_MEAN")
        pg_group = resolve(facts, spec, pg.group_stats.levels(), key)
        among = neighbour_group(pg_group, pg.group_stats.levels())
        got_ids = pg.clients.neighbours(client_id, spec.k, among)
        assert len(got_ids) == len(set(got_ids)) == len(expected_ids), client_id
        found += len(expected_ids & set(got_ids))
        wanted += len(expected_ids)
        if set(got_ids) != expected_ids:
            continue
        rows, compared = pg.nearest_stats(pg_group), compared + 1
        for x_name in ("PROBABILITY", "EXT_SOURCE_MEAN", "AMT_CREDIT"):
            expected = ExactStats(portfolio, MAX_POINTS).group_aggregates(exact_group, x_name, "PROBABILITY")
            got = rows.group_aggregates(pg_group, x_name, "PROBABILITY")
            assert got[0] == expected[0], (client_id, x_name)
            assert (got[1].n, got[1].medians) == (expected[1].n, expected[1].medians), (client_id, x_name)
    assert wanted and found / wanted >= 0.99, found / wanted
    assert compared >= 10, compared  # the same clients, hence the same picture, for nearly every client


def test_neighbours_among_a_decision_match_the_memmap_store(stores, synthetic_artifacts):
    """Recall, not equality: a client missing a rarely-missing feature is ranked through that feature's median
    in its index scan (scoring/stores/neighbours.py), so it may take the place of the k-th nearest one."""
    memmap, pg = stores
    found = wanted = 0
    for refused in (True, False):
        for client_id in sample_ids(synthetic_artifacts, 8):
            among = Group(refused=refused, contract="Cash loans")
            got, expected = pg.neighbours(client_id, 25, among), memmap.neighbours(client_id, 25, among)
            found, wanted = found + len(set(got) & set(expected)), wanted + len(expected)
            assert got[:5] == expected[:5], (client_id, refused)
            proba = pg.features_of(got)[1]
            assert len(proba) == 25 and bool(((proba >= memmap.artifacts.decision.threshold) == refused).all())
            assert all(memmap.get(i).values["NAME_CONTRACT_TYPE"] == "Cash loans" for i in got)
    assert found / wanted >= 0.99, found / wanted


def test_a_group_that_matches_nobody_is_empty(apps, synthetic_artifacts):
    memmap, pg = map(services_of, apps)
    client_id = sample_ids(synthetic_artifacts, 4)[1]
    group = ConcreteGroup(gender=NOBODY, nearest_of=client_id, k=50)
    assert pg.nearest_stats(group).group_aggregates(group, "PROBABILITY", "EXT_SOURCE_MEAN") is None
    assert pg.clients.neighbours(client_id, 50, Group(gender="no such level")) == []


def test_a_database_without_the_cube_extension_says_so(postgres, data, synthetic_artifacts, capsys):
    """A role that may not create the extension (nor has it): one line, nothing loaded, nothing served."""
    admin = postgres.create_database("clients_no_cube")
    with psycopg.connect(libpq_url(admin), autocommit=True) as connection:
        connection.execute("DROP ROLE IF EXISTS plain")
        connection.execute("CREATE ROLE plain LOGIN")
        connection.execute("REVOKE CREATE ON DATABASE clients_no_cube FROM PUBLIC")
        connection.execute("GRANT CREATE ON SCHEMA public TO plain")
    plain = admin.replace("//app@", "//plain@")
    assert load(data, plain, synthetic_artifacts) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and "\n" not in err and "Traceback" not in err, err
    assert "extension cube" in err and "CREATE EXTENSION cube" in err, err
    with psycopg.connect(libpq_url(admin)) as connection:
        assert current_table(connection) is None and version_tables(connection) == []


def test_a_table_loaded_without_its_neighbour_space_says_so(url, synthetic_artifacts):
    """A version loaded before the k-nearest columns (no space in its comment): NeighboursUnavailable, not a 500."""
    from scoring.stores import NeighboursUnavailable

    with psycopg.connect(libpq_url(url), autocommit=True) as connection:
        table = current_table(connection)
        comment = connection.execute("SELECT obj_description(%s::regclass, 'pg_class')", (table,)).fetchone()[0]
        connection.execute(f"COMMENT ON TABLE {table} IS NULL")
        try:
            store = PostgresStore(url, Artifacts(synthetic_artifacts))
            with pytest.raises(NeighboursUnavailable, match="load-clients"):
                store.neighbours(sample_ids(synthetic_artifacts, 3)[1], 10)
            store.close()
        finally:
            connection.execute(
                psycopg.sql.SQL("COMMENT ON TABLE {} IS {}").format(
                    psycopg.sql.Identifier(table), psycopg.sql.Literal(comment)
                )
            )

"""Faults of the client database under the dashboard: a row with impossible values, a statement that takes too
long, the server stopped and started again. Each is said in words on the page; the rest keeps working; the app
recovers without a restart."""

from __future__ import annotations

import time

import numpy as np
import psycopg
import pytest

from app.config import Config
from app.services import INVALID_ROW, STORE_DOWN
from callbacks import selection, summary
from layouts.i18n import language
from scoring.artifacts import Artifacts
from scoring.stores import StoreUnavailable
from scoring.stores.pg_schema import libpq_url
from scoring.stores.postgres import PostgresStore
from wsgi import create_app

from .pg_clients import load, write_portfolio_files


@pytest.fixture(scope="module")
def url(postgres, synthetic_artifacts, tmp_path_factory) -> str:
    url = postgres.create_database("clients_faults")
    assert load(write_portfolio_files(tmp_path_factory.mktemp("clients")), url, synthetic_artifacts) == 0
    return url


@pytest.fixture(scope="module")
def app(url, synthetic_artifacts, tmp_path_factory):
    db = tmp_path_factory.mktemp("reviews") / "reviews.sqlite3"
    config = Config(
        artifacts_dir=synthetic_artifacts, build_default=False, database_url=f"sqlite:///{db}", clients_database_url=url
    )
    return create_app(config)


@pytest.fixture(scope="module")
def ids(synthetic_artifacts) -> list[int]:
    return [int(i) for i in np.asarray(Artifacts(synthetic_artifacts).array("ids"))[::997]]


def choose(services, client_id: int, lang: str = "fr") -> dict:
    return selection.select_client(services, url_search=f"?client={client_id}", clicks=0, submits=0, typed=None, lang=lang)


def guarded_choose(services, client_id: int, lang: str = "fr") -> dict:
    """The selection as Dash runs it: through the guard that turns a failure into the view's message."""
    from callbacks.common import guarded

    outputs = ("client", "search", "error", "typed_out")
    return guarded(outputs, "error")(lambda **kw: choose(services, **kw))(client_id=client_id, lang=lang)


def test_a_row_with_impossible_values_is_said_for_that_client_only(app, url, ids):
    services = app.server.config["services"]
    bad, good = ids[3], ids[4]
    with psycopg.connect(libpq_url(url), autocommit=True) as connection:
        connection.execute('UPDATE clients SET "AMT_CREDIT" = -5 WHERE "SK_ID_CURR" = %s', (bad,))
        try:
            for lang in ("fr", "en"):
                said = guarded_choose(services, bad, lang)
                assert said["error"] == language(lang)._(INVALID_ROW)
                letter = app.server.test_client().get(f"/lettre?client={bad}&lang={lang}")
                assert letter.status_code == 422 and "Traceback" not in letter.get_data(as_text=True)
            assert choose(services, good)["client"] == good
        finally:
            connection.execute('UPDATE clients SET "AMT_CREDIT" = 500000 WHERE "SK_ID_CURR" = %s', (bad,))
    assert language("fr")._(INVALID_ROW) != INVALID_ROW  # translated


def test_a_slow_database_is_a_message_and_not_a_wait(url, synthetic_artifacts, ids):
    store = PostgresStore(url, Artifacts(synthetic_artifacts), statement_timeout_ms=300)
    assert store.get(ids[1]).client_id == ids[1]
    with psycopg.connect(libpq_url(url)) as locker:
        table = locker.execute(
            "SELECT table_name FROM information_schema.view_table_usage WHERE view_name = 'clients'"
        ).fetchone()[0]
        locker.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")  # held until the block ends
        started = time.monotonic()
        with pytest.raises(StoreUnavailable):
            store.get(ids[2])
        assert time.monotonic() - started < 2
        locker.rollback()
    assert store.get(ids[2]).client_id == ids[2]  # at once: slow is not down
    store.close()


def test_outage_then_recovery_without_restart(app, postgres, ids):
    services = app.server.config["services"]
    seen, unseen = ids[5], ids[6]
    assert choose(services, seen)["client"] == seen
    before = summary.show_summary(services, client_id=seen, lang="fr")
    postgres.stop()
    try:
        started = time.monotonic()
        said = guarded_choose(services, unseen)
        assert said["error"] == language("fr")._(STORE_DOWN)
        assert time.monotonic() - started < 5
        assert selection.suggest(services, typed=str(unseen)[:4]) == {"options": []}
        # A client already viewed, the statement and the model page still work.
        assert choose(services, seen)["client"] == seen
        assert repr(summary.show_summary(services, client_id=seen, lang="fr")) == repr(before)
        http = app.server.test_client()
        assert http.get("/modele").status_code == 200
        assert http.get("/accessibilite").status_code == 200
        letter = http.get(f"/lettre?client={unseen}")
        assert letter.status_code == 503 and "Traceback" not in letter.get_data(as_text=True)
    finally:
        postgres.start()
        postgres.wait_ready()
    deadline = time.monotonic() + 15  # a few seconds of fast failure, then the pool connects again
    while (said := guarded_choose(services, unseen))["error"] and time.monotonic() < deadline:
        time.sleep(0.5)
    assert said["client"] == unseen and said["error"] == ""


def test_a_database_never_loaded_is_unavailable_not_a_crash(postgres, synthetic_artifacts):
    empty = postgres.create_database("clients_never_loaded")
    store = PostgresStore(empty, Artifacts(synthetic_artifacts))
    with pytest.raises(StoreUnavailable, match="load-clients"):
        store.get(100_002)
    with pytest.raises(StoreUnavailable):
        store.search("1000")
    store.close()

"""Human reviews in a real database: SQLite (the default) and a PostgreSQL server started for these tests.

What must hold: reviews persist across restarts; two processes writing at once lose nothing; a database
that is down gives a clear error fast and works again when it is back; the review text never reaches a log.
"""

from __future__ import annotations

import logging
import multiprocessing
import time
from pathlib import Path

import pytest

from app.config import Config
from app.reviews import DEFAULT_SQLITE, ReviewStore, ReviewStoreUnavailable, database_url
from scoring.review_rules import COMMENT_MAX, check_review, clean_comment

SECRET = "Pièces vues: bulletin de salaire SECRET-7f3a"


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'reviews.sqlite3'}"
    server = request.getfixturevalue("postgres")
    return server.create_database(f"reviews_{tmp_path.name[-20:].replace('-', '_').lower()}")


def review(store: ReviewStore, client_id: int = 100002, advisor: str = "alice", comment: str = SECRET, **extra):
    values = {
        "client_id": client_id,
        "advisor": advisor,
        "decision": "grant",
        "reason": "documents_checked",
        "comment": comment,
        "model_version": "abc123",
        "model_probability": 0.131,
        "model_decision": "refused",
    }
    values.update(extra)
    return store.add(**values)


def test_database_url_forms():
    assert database_url("") == f"sqlite:///{DEFAULT_SQLITE}"
    assert database_url("postgres://u:p@db.example:5432/d1") == "postgresql+psycopg://u:p@db.example:5432/d1"
    assert database_url("postgresql://u@h/d") == "postgresql+psycopg://u@h/d"
    assert database_url("sqlite:////tmp/x.sqlite3") == "sqlite:////tmp/x.sqlite3"
    assert Config.from_env({"DATABASE_URL": "postgres://u:p@h/d"}).database_url == "postgres://u:p@h/d"
    with pytest.raises(ValueError) as bad:
        Config.from_env({"DATABASE_URL": "mysql://root:hunter2@h/d"})
    assert "hunter2" not in str(bad.value) and "DATABASE_URL" in str(bad.value)
    assert "hunter2" not in repr(Config(database_url="postgres://u:hunter2@h/d"))


def test_check_review_names_each_missing_part():
    assert check_review(None, "", "") == {"decision": "missing", "reason": "missing", "comment": "short"}
    assert check_review("grant", "documents_checked", "ok") == {"comment": "short"}
    assert check_review("grant", "nope", "x" * 20) == {"reason": "missing"}
    assert check_review("approve", "other", "x" * 20) == {"decision": "missing"}
    assert check_review("refuse", "debt_burden", "x" * (COMMENT_MAX + 1)) == {"comment": "long"}
    assert check_review("documents", "other", "  a careful explanation  ") == {}
    assert clean_comment("a\x00b\x07c\nd") == "abc\nd"  # PostgreSQL refuses NUL; line breaks stay
    assert check_review("grant", "other", ["a list, not a sentence"]) == {"comment": "short"}  # forged request


def test_reviews_persist_across_restarts(store_url):
    first = ReviewStore(store_url)
    assert first.prepare()
    review(first, comment="first review: income checked")
    time.sleep(0.01)
    second_review = {"decision": "documents", "reason": "incomplete_file", "comment": "second: pay slips missing"}
    recorded = review(first, advisor="bob", **second_review)
    review(first, client_id=999, comment="another client entirely")
    first.dispose()

    second = ReviewStore(store_url)  # a new process would see the same
    history = second.history(100002)
    assert [r.comment for r in history] == ["second: pay slips missing", "first review: income checked"]
    newest = history[0]
    assert newest == recorded
    assert (newest.advisor, newest.decision, newest.reason) == ("bob", "documents", "incomplete_file")
    assert newest.client_id == 100002
    assert newest.model_probability == pytest.approx(0.131) and newest.model_decision == "refused"
    assert newest.created_at.tzinfo is not None and newest.created_at >= history[1].created_at
    assert second.history(424242) == []
    second.dispose()


def test_invalid_review_is_refused_before_the_database(store_url):
    store = ReviewStore(store_url)
    with pytest.raises(ValueError):
        review(store, comment="short")
    with pytest.raises(ValueError):
        review(store, advisor="")
    assert store.history(100002) == []
    store.dispose()


def _writer(url: str, name: str, count: int, go) -> None:
    store = ReviewStore(url)
    store.prepare()  # connected before the start signal: both then write during the same second
    go.wait(30)
    for i in range(count):
        review(store, advisor=name, comment=f"review number {i} by {name}")
        time.sleep(0.002)  # an advisor's pace is slower still; this only keeps the two writers overlapping
    store.dispose()


def test_two_processes_writing_at_once_lose_nothing(store_url):
    ReviewStore(store_url).prepare()
    context = multiprocessing.get_context("spawn")
    go = context.Event()
    count = 150
    workers = [context.Process(target=_writer, args=(store_url, name, count, go)) for name in ("w1", "w2")]
    for worker in workers:
        worker.start()
    time.sleep(1.0)  # both are up and waiting
    go.set()
    for worker in workers:
        worker.join(120)
        assert worker.exitcode == 0
    history = ReviewStore(store_url).history(100002, limit=10 * count)
    assert len(history) == 2 * count
    assert {(r.advisor, r.comment) for r in history} == {
        (name, f"review number {i} by {name}") for name in ("w1", "w2") for i in range(count)
    }
    assert len({r.id for r in history}) == 2 * count
    # Both really wrote at the same time: their reviews interleave in time.
    order = [r.advisor for r in sorted(history, key=lambda r: r.id)]
    assert sum(a != b for a, b in zip(order, order[1:], strict=False)) > 2


def test_sqlite_that_cannot_be_opened_is_a_clear_error(tmp_path, caplog):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    store = ReviewStore(f"sqlite:///{blocker / 'reviews.sqlite3'}")
    assert store.prepare() is False
    with pytest.raises(ReviewStoreUnavailable, match="unavailable"):
        review(store)
    with pytest.raises(ReviewStoreUnavailable):
        store.history(100002)
    assert SECRET not in caplog.text


def test_postgres_down_then_back(postgres, caplog):
    url = postgres.create_database("reviews_outage")
    store = ReviewStore(url, retry_after=0.0)
    store.prepare()  # the table's DDL names the reason codes; what must stay out of logs is a review's text
    caplog.set_level(logging.DEBUG)
    review(store, comment="before the outage")
    postgres.stop()
    try:
        started = time.perf_counter()
        with pytest.raises(ReviewStoreUnavailable):
            review(store, comment=SECRET)
        with pytest.raises(ReviewStoreUnavailable):
            store.history(100002)
        assert time.perf_counter() - started < 10  # refused connections fail fast, no long hang
    finally:
        postgres.start()
        postgres.wait_ready()
    # The same store (its pool held connections to the old server) works again, and nothing was lost.
    review(store, comment="after the outage")
    assert [r.comment for r in store.history(100002)] == ["after the outage", "before the outage"]
    store.dispose()
    assert_not_logged(caplog, SECRET, "documents_checked")


def test_outage_is_remembered_for_a_moment(tmp_path):
    blocker = tmp_path / "folder"
    blocker.write_text("a file where the folder should be")
    store = ReviewStore(f"sqlite:///{blocker / 'r.sqlite3'}", retry_after=1.0)
    with pytest.raises(ReviewStoreUnavailable):
        store.history(1)
    blocker.unlink()
    blocker.mkdir()  # the database could open now, but the store waits: meanwhile the form answers at once
    with pytest.raises(ReviewStoreUnavailable):
        store.history(1)
    time.sleep(1.1)
    assert store.history(1) == []


def test_review_text_never_reaches_the_logs(store_url, caplog):
    store = ReviewStore(store_url)
    store.prepare()  # before logging: the table's DDL names the reason codes
    caplog.set_level(logging.DEBUG)
    loggers = [logging.getLogger(name) for name in ("sqlalchemy", "sqlalchemy.engine", "sqlalchemy.pool")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:  # the most talkative SQLAlchemy can be: statements, parameters, rows
        logger.setLevel(logging.DEBUG)
    try:
        review(store, reason="debt_burden", decision="refuse")
        assert store.history(100002)[0].comment == SECRET
        store.dispose()
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)
    statements = [r.getMessage() for r in caplog.records if r.name.startswith("sqlalchemy.engine")]
    assert any("INSERT INTO reviews" in m for m in statements) and any("SELECT" in m for m in statements)
    assert_not_logged(caplog, SECRET, "debt_burden")


def assert_not_logged(caplog, *secrets: str) -> None:
    for record in caplog.records:
        text = record.getMessage() + (record.exc_text or "") + str(record.args)
        for secret in secrets:
            assert secret not in text, f"{secret!r} logged by {record.name}: {text[:200]}"


def test_default_is_an_sqlite_file_beside_the_code():
    assert Path(DEFAULT_SQLITE).name == "reviews.sqlite3" and "instance" in Path(DEFAULT_SQLITE).parts
    assert ReviewStore("").backend == "sqlite"
    assert ReviewStore("postgres://u@h/d").backend == "postgresql"


def test_heroku_provisions_postgres_and_the_web_dependencies_are_listed():
    import json
    import tomllib

    from app.config import ROOT

    manifest = json.loads((ROOT / "app.json").read_text(encoding="utf-8"))
    plans = [a["plan"] if isinstance(a, dict) else a for a in manifest["addons"]]
    assert any(p.startswith("heroku-postgresql:") for p in plans)  # it sets DATABASE_URL (postgres://...)
    deps = " ".join(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"])
    assert "sqlalchemy" in deps and "psycopg[binary]" in deps and "fairlearn" in deps

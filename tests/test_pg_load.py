"""``scoring load-clients`` killed during its COPY leaves the previous version serving and nothing half-made
visible; a version table left behind is dropped by the next run. Then the Procfile's Gunicorn (preloaded app, two
workers) serves a client's pages from PostgreSQL, each worker with its own connections, the master none."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import psycopg
import pytest
import requests

from scoring.artifacts import Artifacts
from scoring.stores.pg_schema import current_table, libpq_url, version_tables
from tests.callback_requests import index_dependencies, payload
from tests.servers import free_port, start_gunicorn, stop, wait_until_up

from .conftest import ROOT
from .pg_clients import load, table_digest, write_portfolio_files

GUNICORN = str(Path(sys.executable).parent / "gunicorn")


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return write_portfolio_files(tmp_path_factory.mktemp("clients"))


@pytest.fixture(scope="module")
def url(postgres, data, synthetic_artifacts) -> str:
    url = postgres.create_database("clients_load")
    assert load(data, url, synthetic_artifacts) == 0
    return url


def copying(connection) -> bool:
    row = connection.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE 'COPY clients\\_v%%'"
    ).fetchone()
    return row[0] > 0


def test_a_load_killed_during_its_copy_leaves_the_previous_version_serving(url, data, synthetic_artifacts):
    with psycopg.connect(libpq_url(url), autocommit=True) as watch:
        serving, before = current_table(watch), table_digest(watch)
        command = [
            sys.executable,
            "-m",
            "scoring",
            "load-clients",
            "--data",
            str(data),
            "--database-url",
            url,
            "--artifacts",
            str(synthetic_artifacts),
            "--chunk-rows",
            "200",
        ]
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        loader = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while not copying(watch):
            assert loader.poll() is None, loader.stderr.read().decode()[-2000:]
            assert time.monotonic() < deadline, "the load never reached its COPY"
            time.sleep(0.02)
        time.sleep(0.3)  # well inside the COPY (dozens of chunks)
        assert loader.poll() is None, "the load finished before it could be killed: give it more chunks"
        loader.send_signal(signal.SIGKILL)
        loader.wait(10)
        # The server rolls the dead session back: the view, its rows and the tables are as before.
        deadline = time.monotonic() + 10
        while copying(watch) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert current_table(watch) == serving and table_digest(watch) == before
        assert version_tables(watch) == [serving]
        # A version table a crash left between the switch and the clean-up: the next run drops it.
        watch.execute("CREATE TABLE clients_v99 (x int)")
    assert load(data, url, synthetic_artifacts) == 0
    with psycopg.connect(libpq_url(url), autocommit=True) as watch:
        now = current_table(watch)
        assert now not in (serving, "clients_v99") and version_tables(watch) == [now]
        assert table_digest(watch) == before  # the k-nearest points too: the same input, the same table
        # The old version's pattern table went with it; the served one has its own and its space.
        knn_tables = watch.execute("SELECT tablename FROM pg_tables WHERE tablename LIKE '%%knn_patterns'").fetchall()
        assert [r[0] for r in knn_tables] == [f"{now}_knn_patterns"]
        assert watch.execute("SELECT obj_description(%s::regclass, 'pg_class')", (now,)).fetchone()[0]


def test_gunicorn_serves_a_client_from_postgres(url, synthetic_artifacts, tmp_path):
    client_id = int(np.asarray(Artifacts(synthetic_artifacts).array("ids"))[123])
    env = {
        **os.environ,
        "APP_ENV": "development",
        "ARTIFACTS_DIR": str(synthetic_artifacts),
        "BUILD_DEFAULT_ARTIFACTS": "0",
        "WEB_CONCURRENCY": "2",
        "CLIENTS_DATABASE_URL": url,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'reviews.sqlite3'}",
    }
    port, log = free_port(), tmp_path / "gunicorn.log"
    server = start_gunicorn(ROOT, env, port, gunicorn=GUNICORN, log_path=log)
    base = f"http://127.0.0.1:{port}"
    try:
        assert wait_until_up(base, server, 120) is not None, log.read_text()[-3000:]
        dependencies = index_dependencies(requests.get(f"{base}/_dash-dependencies", timeout=30).json())
        summary = dependencies["summary-empty.hidden"]
        for _ in range(6):  # enough requests for both workers to answer some
            answer = requests.post(
                f"{base}/_dash-update-component",
                json=payload(summary, {"client-id.data": client_id, "lang.data": "fr"}),
                timeout=30,
            )
            assert answer.status_code == 200 and answer.json()["response"]["summary-body"]["hidden"] is False
        letter = requests.get(f"{base}/lettre?client={client_id}", timeout=30)
        assert letter.status_code == 200 and str(client_id) in letter.text
        with psycopg.connect(libpq_url(url)) as connection:
            holders = {
                int(r[0].rsplit("-", 1)[1])
                for r in connection.execute(
                    "SELECT application_name FROM pg_stat_activity WHERE application_name LIKE 'pad-clients-%'"
                )
            }
        assert holders and server.pid not in holders, (holders, server.pid)
    finally:
        stop(server)
    assert " 500 " not in log.read_text()

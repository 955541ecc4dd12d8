"""Reviews through the real server: Gunicorn as the Procfile runs it (preloaded app, two workers) writing
to a real PostgreSQL at once, then the database stopped under it and started again."""

from __future__ import annotations

import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import psycopg
import pytest
import requests

from app.reviews import ReviewStore
from scoring.artifacts import Artifacts
from tests.callback_requests import index_dependencies, payload
from tests.servers import free_port, start_gunicorn, stop, wait_until_up

from .conftest import ROOT

pytestmark = pytest.mark.slow
GUNICORN = str(Path(sys.executable).parent / "gunicorn")
SECRET = "justificatif SECRET-4b1d"
REVIEWS = 60


def values(client_id, clicks=0, decision=None, reason="", comment="") -> dict:
    return {
        "client-id.data": client_id,
        "review-submit.n_clicks": clicks,
        "review-decision.value": decision,
        "review-reason.value": reason,
        "review-comment.value": comment,
        "review-confirm.value": True,
        "lang.data": "fr",
    }


def test_two_workers_write_at_once_and_an_outage_only_stops_the_form(postgres, synthetic_artifacts, tmp_path):
    url = postgres.create_database("reviews_gunicorn")
    clients = [int(i) for i in np.asarray(Artifacts(synthetic_artifacts).array("ids"))[:6]]
    env = {
        **os.environ,
        "APP_ENV": "development",
        "ARTIFACTS_DIR": str(synthetic_artifacts),
        "BUILD_DEFAULT_ARTIFACTS": "0",
        "WEB_CONCURRENCY": "2",
        "GUNICORN_THREADS": "2",
        "DATABASE_URL": url,
    }
    port, log = free_port(), tmp_path / "gunicorn.log"
    server = start_gunicorn(ROOT, env, port, gunicorn=GUNICORN, log_path=log)
    base = f"http://127.0.0.1:{port}"
    try:
        assert wait_until_up(base, server, 120) is not None, log.read_text()[-3000:]
        dependencies = index_dependencies(requests.get(f"{base}/_dash-dependencies", timeout=30).json())
        review, summary = dependencies["review-empty.hidden"], dependencies["summary-empty.hidden"]

        def submit(i: int) -> tuple[int, str]:
            body = payload(
                review, values(clients[i % 6], 1, "grant", "bank_history", f"{SECRET} n°{i}"), ["review-submit.n_clicks"]
            )
            response = requests.post(f"{base}/_dash-update-component", json=body, timeout=60)
            return response.status_code, response.json()["response"]["review-message"]["className"]

        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(submit, range(REVIEWS)))
        assert all(status == 200 and "review-ok" in css for status, css in results), results
        with psycopg.connect(postgres.url("reviews_gunicorn")) as connection:
            writers = connection.execute(
                "SELECT DISTINCT application_name FROM pg_stat_activity WHERE datname = 'reviews_gunicorn' "
                "AND application_name LIKE 'pad-reviews-%'"
            ).fetchall()
        assert len(writers) >= 2, f"only {writers} wrote: the test did not exercise two workers"

        postgres.stop()
        try:
            started = time.monotonic()
            body = payload(
                review,
                values(clients[0], 1, "refuse", "debt_burden", f"{SECRET} pendant la panne"),
                ["review-submit.n_clicks"],
            )
            answer = requests.post(f"{base}/_dash-update-component", json=body, timeout=60)
            assert answer.status_code == 200 and "review-error" in answer.json()["response"]["review-message"]["className"]
            assert time.monotonic() - started < 10
            other = requests.post(
                f"{base}/_dash-update-component",
                json=payload(summary, {"client-id.data": clients[1], "lang.data": "fr"}),
                timeout=30,
            )
            assert other.status_code == 200 and other.json()["response"]["summary-body"]["hidden"] is False
            assert requests.get(f"{base}/modele", timeout=30).status_code == 200
        finally:
            postgres.start()
            postgres.wait_ready()
        deadline = time.monotonic() + 30  # each worker tries again once its short pause is over
        while True:
            status, css = submit(REVIEWS)
            if "review-ok" in css or time.monotonic() > deadline:
                break
            time.sleep(1)
        assert status == 200 and "review-ok" in css
    finally:
        stop(server)
    store = ReviewStore(url)
    recorded = [r for client in clients for r in store.history(client, limit=1000)]
    assert sorted(r.comment for r in recorded) == sorted(f"{SECRET} n°{i}" for i in range(REVIEWS + 1))
    store.dispose()
    assert SECRET not in log.read_text(), "review text in the server's logs"

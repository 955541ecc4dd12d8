"""Shared Redis cache with a real redis-server on loopback: shared between workers, and the app keeps
answering (uncached, with a warning) when Redis dies or hangs."""

from __future__ import annotations

import logging
import os
import shutil
import signal
import time

import pytest

from app.config import Config
from layouts.comparison import DEFAULT_X, DEFAULT_Y
from scoring.comparison import GroupSpec, resolve_group
from wsgi import create_app

from .dash_requests import post
from .servers import free_port, start_redis


@pytest.fixture(autouse=True, scope="module")
def _needs_redis_server():
    # A failure, not a skip: CI installs redis-server (make system-deps) and must run these tests.
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is missing: apt-get install redis-server (or make system-deps)")


@pytest.fixture()
def redis_server():
    port = free_port()
    process = start_redis(port)
    yield process, port
    if process.poll() is None:
        os.kill(process.pid, signal.SIGCONT)
        process.kill()
        process.wait(5)


def redis_app(artifacts, port: int):
    config = Config.from_env({"ARTIFACTS_DIR": str(artifacts), "BUILD_DEFAULT_ARTIFACTS": "0",
                              "REDIS_URL": f"redis://127.0.0.1:{port}/0"})
    assert config.cache_type == "RedisCache"
    return create_app(config)


COMPARE = {
    "compare-feature.value": DEFAULT_X,
    "compare-feature-y.value": DEFAULT_Y,
    "compare-group.value": "all",
    "compare-k.value": 500,
    "filter-gender.value": "any",
    "filter-age.value": "same",
    "filter-income.value": "any",
    "filter-contract.value": "any",
}


def show(client, app, client_id: int):
    """Select a client, then ask for its summary and comparison, as the browser does: (statuses, probability text).

    The comparison reads its group aggregates through the cache (cached data is what workers share).
    """
    selected = post(client, app, "client-id.data", {"url.search": f"?client={client_id}", "lang.data": "fr"},
                    ["url.search"])
    score = post(client, app, "summary-empty.hidden", {"client-id.data": client_id, "lang.data": "fr"})
    compared = post(client, app, "compare-size.children", {"client-id.data": client_id, "lang.data": "fr", **COMPARE})
    proba = score.get_json()["response"]["summary-proba"]["children"] if score.status_code == 200 else None
    return (selected.status_code, score.status_code, compared.status_code), proba


def group_key(app, client_id: int) -> tuple:
    """The cache key of the comparison group ``show`` asks for (same resolution as the callback)."""
    portfolio = app.server.config["services"].portfolio
    spec = GroupSpec(age="same")
    group = resolve_group(portfolio, portfolio.index_of(client_id), spec)
    return (group.key(), DEFAULT_X, DEFAULT_Y)


def test_redis_settings_from_environment():
    plain = Config.from_env({"REDIS_URL": "redis://h:6379/0"}).flask_caching()
    assert plain["CACHE_TYPE"] == "RedisCache" and plain["CACHE_OPTIONS"]["socket_timeout"] == 0.25
    tls = Config.from_env({"REDIS_URL": "rediss://h:6380"}).flask_caching()
    assert tls["CACHE_OPTIONS"]["ssl_cert_reqs"] is None  # Heroku Redis: self-signed certificate
    assert Config.from_env({}).flask_caching()["CACHE_TYPE"] == "SimpleCache"


def test_cache_is_shared_and_survives_redis_death(synthetic_artifacts, redis_server, caplog):
    import redis

    process, port = redis_server
    worker_a = redis_app(synthetic_artifacts, port)
    worker_b = redis_app(synthetic_artifacts, port)  # a second worker process, as Gunicorn forks them
    ids = [int(i) for i in worker_a.server.config["services"].portfolio.ids[:8]]
    client = worker_a.server.test_client()

    statuses, proba = show(client, worker_a, ids[0])
    assert statuses == (200, 200, 200) and proba.endswith("%")
    assert redis.Redis(port=port).dbsize() > 0
    # Worker B reads what worker A computed: its compute function is never called.
    services_b = worker_b.server.config["services"]

    def must_not_run():
        raise AssertionError("computed again: the cache is not shared")

    assert services_b.cached("group", group_key(worker_a, ids[0]), must_not_run) is not None

    # Redis dies mid-run: every request still answers, uncached, and the app says so once.
    caplog.set_level(logging.WARNING, logger="app")
    process.kill()
    process.wait(5)
    started = time.monotonic()
    for client_id in ids[1:6]:
        statuses, proba = show(client, worker_a, client_id)
        assert statuses == (200, 200, 200) and proba.endswith("%"), client_id
    assert time.monotonic() - started < 10
    warnings = [r.getMessage() for r in caplog.records if "cache unavailable" in r.getMessage()]
    assert len(warnings) == 1, warnings  # rate-limited: one line, not one per request
    assert "serving without the shared cache" in warnings[0]

    # Redis comes back on the same address: the cache is used again without a restart.
    start_redis(port)
    try:
        assert show(client, worker_a, ids[6])[0] == (200, 200, 200)
        assert redis.Redis(port=port).dbsize() > 0
    finally:
        redis.Redis(port=port).shutdown(nosave=True)


def test_hung_redis_costs_timeouts_not_failures(synthetic_artifacts, redis_server):
    process, port = redis_server
    app = redis_app(synthetic_artifacts, port)
    ids = [int(i) for i in app.server.config["services"].portfolio.ids[10:13]]
    client = app.server.test_client()
    assert show(client, app, ids[0])[0] == (200, 200, 200)
    os.kill(process.pid, signal.SIGSTOP)  # accepts connections, never answers
    try:
        for client_id in ids[1:]:
            started = time.monotonic()
            statuses, proba = show(client, app, client_id)
            assert statuses == (200, 200, 200) and proba.endswith("%")
            # 0.25 s socket timeout per cache call (a get and a set per callback): well under the 30 s router limit.
            assert time.monotonic() - started < 5
    finally:
        os.kill(process.pid, signal.SIGCONT)

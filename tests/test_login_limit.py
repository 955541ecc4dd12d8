"""The login brake in real Gunicorn: 10 failed logins from one address within 15 minutes, then every
worker answers 429 for that address (the count shared through a real Redis), and on one worker without
Redis (memory storage). The 429 answer is the localized login page saying so."""

from __future__ import annotations

import http.client
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

import pytest
from werkzeug.security import generate_password_hash

from app.config import ROOT
from layouts.login import login_messages

from .servers import free_port, start_redis

GUNICORN = str(Path(sys.executable).parent / "gunicorn")
PASSWORD = "correct horse battery staple"
ATTACKER, OTHER = "203.0.113.7", "198.51.100.4"  # client addresses as Heroku's router forwards them


class Browser:
    """One keep-alive connection (hence one Gunicorn worker) with its own cookies, behind an HTTPS router."""

    def __init__(self, port: int, address: str):
        self.port, self.address = port, address
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, str]:
        headers = {
            "X-Forwarded-For": self.address,
            "X-Forwarded-Proto": "https",
            "Referer": f"https://127.0.0.1:{self.port}/login",  # same-origin referrer, as the browser sends it
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        text = response.read().decode("utf-8")
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            self.cookies[name] = rest.split(";")[0]
        return response.status, text

    def login(self, password: str, username: str = "alice") -> tuple[int, str]:
        status, page = self.request("GET", "/login")
        assert status == 200, page
        token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        return self.request("POST", "/login", {"csrf": token, "username": username, "password": password, "next": "/"})

    def close(self) -> None:
        self.connection.close()


def worker_of(browser: Browser, access_log: Path) -> str:
    """The pid of the worker holding this connection, read from Gunicorn's access log."""
    probe = uuid.uuid4().hex
    assert browser.request("GET", f"/healthz?probe={probe}")[0] == 200
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # the worker logs the request just after answering it
        for line in access_log.read_text(encoding="utf-8").splitlines():
            if probe in line:
                return line.split()[0]
        time.sleep(0.05)
    raise AssertionError("request not in the access log")


def browsers_on_each_worker(port: int, access_log: Path, workers: int, address: str) -> list[Browser]:
    """One connection per worker (new connections land on whichever worker accepts first)."""
    held: dict[str, Browser] = {}
    for _ in range(60):
        browser = Browser(port, address)
        pid = worker_of(browser, access_log)
        if pid in held:
            browser.close()
        else:
            held[pid] = browser
        if len(held) == workers:
            return list(held.values())
    raise AssertionError(f"connections reached {len(held)} of {workers} workers")


def serve(artifacts: Path, tmp_path: Path, workers: int, redis_url: str = ""):
    port = free_port()
    access_log = tmp_path / "access.log"
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CACHE_TYPE", "AUDIT_LOG_PATH")}
    env.update(
        APP_ENV="production",
        ARTIFACTS_DIR=str(artifacts),
        BUILD_DEFAULT_ARTIFACTS="0",
        WEB_CONCURRENCY=str(workers),
        SECRET_KEY="k" * 48,
        ADVISOR_CREDENTIALS=f"alice:{generate_password_hash(PASSWORD)}",
        **({"REDIS_URL": redis_url} if redis_url else {}),
    )
    process = subprocess.Popen(
        [GUNICORN, "--config", "app/gunicorn_conf.py", "--bind", f"127.0.0.1:{port}",
         "--access-logfile", str(access_log), "--access-logformat", '%(p)s %(s)s "%(r)s"', "wsgi:server"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=open(tmp_path / "gunicorn.err", "w"),  # noqa: SIM115
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError((tmp_path / "gunicorn.err").read_text())
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                break
        except OSError:
            time.sleep(0.2)
    else:
        process.kill()
        raise AssertionError("gunicorn did not start")
    return process, port, access_log


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


def assert_throttled(status: int, page: str) -> None:
    assert status == 429, page[:300]
    assert page.startswith('<!DOCTYPE html>\n<html lang="fr">') and login_messages("fr")["throttled"] in page
    assert 'name="csrf"' in page  # still the login form, so the advisor can retry later


def test_limit_is_shared_by_two_workers_through_redis(synthetic_artifacts, tmp_path):
    import redis

    redis_port = free_port()
    redis_process = start_redis(redis_port)
    process = None
    try:
        process, port, access_log = serve(synthetic_artifacts, tmp_path, 2, f"redis://127.0.0.1:{redis_port}/0")
        worker_a, worker_b = browsers_on_each_worker(port, access_log, 2, ATTACKER)
        # Five failures on each worker: neither worker alone saw ten.
        for browser in (worker_a, worker_b):
            for _ in range(5):
                assert browser.login("wrong password")[0] == 401
        assert redis.Redis(port=redis_port).keys("LIMITS*"), "the count is not in Redis"
        # The 11th attempt is refused by both workers, even with the right password.
        for browser in (worker_a, worker_b):
            assert_throttled(*browser.login(PASSWORD))
        # Another address still logs in, on each worker.
        for browser in browsers_on_each_worker(port, access_log, 2, OTHER):
            status, _ = browser.login(PASSWORD)
            assert status == 302
            assert browser.request("GET", "/")[0] == 200
            browser.close()
        worker_a.close()
        worker_b.close()
    finally:
        if process is not None:
            stop(process)
        redis_process.kill()
        redis_process.wait(5)


def test_limit_in_memory_on_one_worker_without_redis(synthetic_artifacts, tmp_path):
    process, port, _ = serve(synthetic_artifacts, tmp_path, 1)
    try:
        browser = Browser(port, ATTACKER)
        for _ in range(10):
            assert browser.login("wrong password")[0] == 401
        assert_throttled(*browser.login(PASSWORD))
        assert_throttled(*Browser(port, ATTACKER).login(PASSWORD))  # a new connection, the same address
        assert Browser(port, OTHER).login(PASSWORD)[0] == 302
    finally:
        stop(process)
    # Production without Redis says that the count is per worker.
    assert "login limit counted per worker (no REDIS_URL)" in (tmp_path / "gunicorn.err").read_text()


@pytest.fixture(autouse=True, scope="module")
def _needs_redis_server():
    import shutil

    if shutil.which("redis-server") is None:  # a failure, not a skip: CI installs it (make system-deps)
        pytest.fail("redis-server is missing: apt-get install redis-server (or make system-deps)")

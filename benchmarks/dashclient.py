"""A small HTTP client of the dashboard for benchmarks: advisor login, then callbacks as the browser sends them."""

from __future__ import annotations

import os
import re

import requests
from werkzeug.security import generate_password_hash

from tests.callback_requests import index_dependencies

ADVISOR, PASSWORD = "bench", "benchmark password, not a secret"


def production_env(**extra: str) -> dict[str, str]:
    """Environment of a production dyno with one advisor account made for the benchmark."""
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CACHE_TYPE", "AUDIT_LOG_PATH")}
    env.update(
        APP_ENV="production",
        SECRET_KEY="benchmark-" + "x" * 40,
        ADVISOR_CREDENTIALS=f"{ADVISOR}:{generate_password_hash(PASSWORD)}",
        BUILD_DEFAULT_ARTIFACTS="0",
        WEB_CONCURRENCY="2",
        # As app.json sets it: glibc's per-thread malloc arenas cost ~165 MB more PSS under load (measured).
        MALLOC_ARENA_MAX="2",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def new_session() -> requests.Session:
    """A session that sends the app's cookies back over plain HTTP.

    Production cookies are Secure and the benchmark talks plain HTTP on loopback (as Heroku's router does
    behind TLS); requests' jar would never send them, so they travel in a Cookie header kept here.
    """
    session = requests.Session()
    cookies: dict[str, str] = {}

    def remember(response, *args, **kwargs):
        for cookie in response.cookies:
            cookies[cookie.name] = cookie.value
        if cookies:
            session.headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in cookies.items())

    session.hooks["response"].append(remember)
    return session


def login(session: requests.Session, base: str, timeout: float = 30) -> None:
    page = session.get(f"{base}/login", timeout=timeout)
    token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    answer = session.post(
        f"{base}/login",
        data={"csrf": token, "username": ADVISOR, "password": PASSWORD, "next": "/"},
        allow_redirects=False,
        timeout=timeout,
    )
    if answer.status_code != 302:
        raise RuntimeError(f"login failed: HTTP {answer.status_code}")


def callbacks(session: requests.Session, base: str, timeout: float = 30) -> dict[str, dict]:
    """{first output "id.prop": dependency} from /_dash-dependencies, as the renderer reads them."""
    return index_dependencies(session.get(f"{base}/_dash-dependencies", timeout=timeout).json())

"""The login brake on Flask-Limiter: 10 failed logins per address within 15 minutes, then 429.

With ``REDIS_URL`` the count lives in Redis, so it holds across all workers and dynos; without it, in
each worker's memory (one worker: exact; N workers: up to N times the attempts). If Redis stops, each
worker falls back to its own memory until Redis answers again, and logins keep working.

Every login POST takes one place in the moving window before the password is checked (one atomic
Redis call: parallel attempts cannot slip past the limit), and a successful login frees the address
again, so the window only ever holds failures.
"""

from __future__ import annotations

import logging

from flask_limiter import Limiter, RequestLimit
from flask_limiter.util import get_remote_address

from app.config import Config

LOGIN_LIMIT = "10 per 15 minutes"
log = logging.getLogger("app.security")


def build_limiter(config: Config) -> Limiter:
    """A limiter for one app (bind it with ``init_app``); its storage and counters belong to that app."""
    if config.production and not config.redis_url:
        log.warning("login limit counted per worker (no REDIS_URL): set REDIS_URL to share it across workers")
    return Limiter(
        get_remote_address,  # REMOTE_ADDR, which ProxyFix sets from the router's X-Forwarded-For
        storage_uri=config.redis_url or "memory://",
        storage_options=config.redis_options() if config.redis_url else {},
        strategy="moving-window",  # exactly "10 within the last 15 minutes", like a list of timestamps
        key_prefix="login",
        in_memory_fallback_enabled=True,  # Redis down: per-worker counting, never an unbraked login
        swallow_errors=True,  # a storage failure costs a log line, not a 500 on the login page
        headers_enabled=False,  # the response headers stay exactly the security headers
    )


def login_limit(limiter: Limiter, on_breach):
    """Decorator for the login view: POSTs only; ``on_breach(RequestLimit)`` returns the 429 page."""
    return limiter.limit(LOGIN_LIMIT, methods=["POST"], on_breach=on_breach)


def forget_attempts(limiter: Limiter) -> None:
    """After a successful login: the address starts afresh (as a person who mistyped expects)."""
    limits: list[RequestLimit] = limiter.current_limits
    for request_limit in limits:
        try:
            limiter.limiter.clear(request_limit.limit, *request_limit.request_args)
        except Exception as exc:  # noqa: BLE001 - the advisor is signed in; the count ages out by itself
            log.warning("login limit not reset (%s)", type(exc).__name__)

"""Advisor login, security headers, request checks and the audit trail, one module per concern.

Production (``APP_ENV=production``): every page and callback needs an advisor session. Advisors come
from ``ADVISOR_CREDENTIALS`` (``name:hash;name:hash``, werkzeug password hashes made with
``python -m app.security hash-password``) and the session cookie is signed with ``SECRET_KEY``. Both
are required: without them ``check_production_settings`` raises ConfigError and the entry point stops
with one line. Development runs without login (the page says so in a banner).

- ``credentials``: parsing ``ADVISOR_CREDENTIALS``, password checks, what production cannot run without;
- ``sessions``: Flask-Login sessions, the login gate, ``/login`` ``/logout`` ``/healthz``;
- ``limiter``: the login brake on Flask-Limiter (Redis when ``REDIS_URL`` is set: shared by all workers);
- ``validation``: same-origin POSTs, Flask-WTF CSRF on forms, well-formed Dash callbacks;
- ``headers``: security headers and the Content-Security-Policy;
- ``audit``: one JSON line per event; client ids only, never client data (the other logs not even ids);
- ``cli``: ``python -m app.security hash-password NAME``.
"""

from __future__ import annotations

import flask

from app.config import Config
from app.security.audit import audit, audit_client_view, install_audit
from app.security.credentials import check_production_settings, parse_credentials
from app.security.headers import install_headers
from app.security.limiter import build_limiter
from app.security.sessions import configure_session_cookie, install_login_manager, install_login_routes, safe_next
from app.security.validation import install_body_checks, install_origin_check

__all__ = [
    "audit",
    "audit_client_view",
    "check_production_settings",
    "install_security",
    "parse_credentials",
    "safe_next",
]


def install_security(server: flask.Flask, config: Config, dash_app=None) -> None:
    """Login (production), request checks and security headers (always), audit trail.

    Raises ConfigError when production is not safely configured. Everything installed here belongs to
    ``server`` (limiter, login manager, CSRF): several apps or workers never share mutable state here.
    """
    advisors = check_production_settings(config)
    install_audit(config.audit_log_path)
    configure_session_cookie(server, config)
    # before_request order matters: cross-origin 403, then login 401/redirect, then CSRF and callback 400.
    install_origin_check(server)
    install_login_manager(server, config, advisors)
    install_body_checks(server, dash_app)
    limiter = build_limiter(config)
    install_login_routes(server, config, advisors, limiter)
    limiter.init_app(server)
    install_headers(server, dash_app)

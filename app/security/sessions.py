"""Advisor sessions on Flask-Login: the session cookie, the login gate, ``/login``, ``/logout``, ``/healthz``.

The session holds ``name:fingerprint`` (Flask-Login's user id): changing or removing an advisor's entry
in ``ADVISOR_CREDENTIALS`` ends their sessions at the next restart. Development has no login: every
request is the stand-in advisor ``dev-no-login`` (the page says so in a banner).
"""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta
from urllib.parse import quote, urlparse

import flask
from flask_login import LoginManager, current_user, login_user, logout_user
from flask_wtf.csrf import CSRFError, generate_csrf
from werkzeug.middleware.proxy_fix import ProxyFix

from app.config import Config
from app.rendering import render_page, request_language
from app.security.audit import audit
from app.security.credentials import Advisors
from app.security.limiter import forget_attempts, login_limit
from layouts.login import login_context, login_messages

log = logging.getLogger("app.security")

DEV_ADVISOR = "dev-no-login"
LOGIN_PATH = "/login"
# Reachable without a session: the login page and what it needs, the health check, the accessibility
# statement (a legal page) and the language switch.
PUBLIC_PATHS = frozenset(
    {LOGIN_PATH, "/healthz", "/vendor/bootstrap.min.css", "/assets/style.css", "/accessibilite", "/accessibility"}
)
PUBLIC_PREFIXES = ("/lang/",)


class Advisor:
    """A signed-in advisor as Flask-Login sees them (the fingerprint ties the session to the password)."""

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def __init__(self, name: str, fingerprint: str = "", *, development: bool = False):
        self.name = name
        self.fingerprint = fingerprint
        self.development = development  # the stand-in of a run without login, never a real account

    def get_id(self) -> str:
        return f"{self.name}:{self.fingerprint}"


def safe_next(target: str | None) -> str:
    """A local path to go back to after login; anything else (other host, scheme, //) is '/'."""
    target = (target or "").strip()
    parsed = urlparse(target)
    if not target.startswith("/") or target.startswith(("//", "/\\")) or parsed.scheme or parsed.netloc:
        return "/"
    return target


def configure_session_cookie(server: flask.Flask, config: Config) -> None:
    server.debug = False if config.production else server.debug
    server.secret_key = config.secret_key or secrets.token_urlsafe(48)  # dev: random, sessions end on restart
    server.config.update(
        SESSION_COOKIE_NAME="pad_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config.production,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=config.session_hours),
    )
    if config.production:
        # Heroku (and most PaaS) put one proxy in front: trust its X-Forwarded-For/-Proto, no more.
        server.wsgi_app = ProxyFix(server.wsgi_app, x_for=1, x_proto=1)


def install_login_manager(server: flask.Flask, config: Config, advisors: Advisors) -> LoginManager:
    """Flask-Login for this app, and the gate: in production every non-public request needs an advisor."""
    manager = LoginManager(server)
    # No binding to the address: advisors move between networks; sessions end by lifetime or logout.
    manager.session_protection = None

    @manager.user_loader
    def load_advisor(user_id: str) -> Advisor | None:
        name, _, fingerprint = user_id.partition(":")
        return Advisor(name, fingerprint) if advisors.current(name, fingerprint) else None

    if not config.production:
        log.warning("development mode: no login (set APP_ENV=production to require advisor accounts)")

        @manager.request_loader
        def development_advisor(_request) -> Advisor:
            return Advisor(DEV_ADVISOR, development=True)

    @manager.unauthorized_handler
    def unauthorized():
        request = flask.request
        if request.path.startswith("/_dash-") or request.method != "GET":
            return flask.jsonify(error="login required"), 401
        target = request.full_path.rstrip("?") if request.query_string else request.path
        return flask.redirect(LOGIN_PATH + (f"?next={quote(target, safe='/')}" if target != "/" else ""))

    @server.before_request
    def require_login():
        path = flask.request.path
        if not config.production or path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES):
            return None
        return None if current_user.is_authenticated else manager.unauthorized()

    return manager


# Module-level routes (a Blueprint): what they need of one app (settings, accounts, limiter) they read from
# that app's extensions, so several apps or workers never share it.
session_pages = flask.Blueprint("session_pages", __name__)
LOGIN_STATE = "login_state"  # key in app.extensions: (config, advisors, limiter)


def _state() -> tuple[Config, Advisors, object]:
    return flask.current_app.extensions[LOGIN_STATE]


def _signed_in() -> bool:
    return current_user.is_authenticated and not current_user.development


def login_page(message_key: str = "", status: int = 200, *, error: bool = False, username: str = "") -> flask.Response:
    """The login form, with a fresh CSRF token and the message of ``message_key``."""
    request = flask.request
    language = request_language(_state()[0].language)
    source = request.form if request.method == "POST" else request.args
    context = login_context(
        language,
        csrf=generate_csrf(),
        next_url=safe_next(source.get("next")),
        message=login_messages(language)[message_key] if message_key else "",
        error=error,
        username=username,
    )
    body = render_page("login.html", language, **context)
    response = flask.Response(body, status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


def throttled(_limit) -> flask.Response:
    audit("login_throttled")
    return login_page("throttled", 429, error=True)


@session_pages.app_errorhandler(CSRFError)
def csrf_failed(error: CSRFError):
    if flask.request.path == LOGIN_PATH:
        return login_page("expired", 400, error=True)  # a fresh token: the next try works
    return flask.jsonify(error=f"form refused: {error.description}"), 400


@session_pages.route(LOGIN_PATH, methods=["GET", "POST"])
def login():
    request = flask.request
    if request.method == "GET":
        if _signed_in():
            return flask.redirect(safe_next(request.args.get("next")))
        return login_page("out" if request.args.get("out") else "")
    _config, advisors, limiter = _state()
    username = (request.form.get("username") or "").strip()[:64]
    if not advisors.verify(username, request.form.get("password") or ""):
        # The name only when it is an account: a password typed in the name field stays out of logs.
        audit("login_failed", attempted=username if username in advisors else None)
        return login_page("bad", 401, error=True, username=username)
    forget_attempts(limiter)
    next_url = safe_next(request.form.get("next"))
    flask.session.clear()  # no session fixation: a fresh session for the signed-in advisor
    flask.session.permanent = True
    login_user(Advisor(username, advisors.fingerprint(username)))
    audit("login")
    return flask.redirect(next_url)


@session_pages.route("/logout", methods=["GET", "POST"])
def logout():
    if _signed_in():
        audit("logout")
    logout_user()
    flask.session.clear()
    return flask.redirect(f"{LOGIN_PATH}?out=1")


@session_pages.get("/healthz")
def healthz():
    return flask.Response("ok\n", mimetype="text/plain")


@session_pages.get("/session/extend")
def extend_session():
    # Behind the login gate: answering at all renews the advisor's session (Flask refreshes a permanent
    # session's expiry on each request). The page calls it from its "stay signed in" warning (RGAA 13.1).
    flask.session.modified = True
    return flask.Response(status=204)


def install_login_routes(server: flask.Flask, config: Config, advisors: Advisors, limiter) -> None:
    """``/login`` (form, CSRF by Flask-WTF, brake by Flask-Limiter), ``/logout``, ``/healthz``: the Blueprint,
    this app's settings, accounts and limiter, and the brake on the login view of this app only."""
    server.extensions[LOGIN_STATE] = (config, advisors, limiter)
    server.register_blueprint(session_pages)
    endpoint = f"{session_pages.name}.login"
    server.view_functions[endpoint] = login_limit(limiter, on_breach=throttled)(server.view_functions[endpoint])

    @limiter.request_filter
    def not_the_login_page() -> bool:
        # The only limited view: every other request skips the limiter's bookkeeping.
        return flask.request.path != LOGIN_PATH

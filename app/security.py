"""Advisor login, security headers and the audit trail of client views.

Production (``APP_ENV=production``): every page and callback needs an advisor session. Advisors come
from ``ADVISOR_CREDENTIALS`` (``name:hash;name:hash``, werkzeug password hashes made with
``python -m app.security hash-password``) and the session cookie is signed with ``SECRET_KEY``. Both
are required: without them the app refuses to start with one line. Development runs without login
(the page says so in a banner).

Every response carries the security headers; the audit trail is one JSON line per event on the
``audit`` logger (and in ``AUDIT_LOG_PATH`` when set). Client data never goes to logs: the audit
lines carry client ids only, the other logs not even those.
"""

from __future__ import annotations

import argparse
import getpass
import hashlib
import hmac
import json
import logging
import re
import secrets
import sys
import threading
import time
from collections import deque
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from urllib.parse import urlparse

import flask
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.security import check_password_hash, generate_password_hash

from app.config import Config
from layouts.i18n import normalise_language
from layouts.login import login_context, login_messages

log = logging.getLogger("app.security")
audit_log = logging.getLogger("audit")
audit_log.setLevel(logging.INFO)

SESSION_USER = "advisor"
SESSION_FINGERPRINT = "advisor_fp"
SESSION_CSRF = "csrf"
DEV_ADVISOR = "dev-no-login"
MIN_SECRET_CHARS = 32
NAME_RE = re.compile(r"^[A-Za-z0-9._@-]{1,64}$")
HASH_METHODS = ("scrypt:", "pbkdf2:")
# Reachable without a session: the login page and what it needs, the health check, the accessibility
# statement (a legal page) and the language switch.
PUBLIC_PATHS = frozenset(
    {"/login", "/healthz", "/vendor/bootstrap.min.css", "/assets/style.css", "/accessibilite", "/accessibility"}
)
PUBLIC_PREFIXES = ("/lang/",)
STATIC_PREFIXES = ("/assets/", "/_dash-component-suites/", "/vendor/")
# Failed logins per client address and worker before answering 429 for a while.
MAX_FAILURES = 10
FAILURE_WINDOW_S = 900

# Dash 4 needs: its inline renderer script (allowed by hash, computed from the app), inline styles
# (React style attributes, plotly's injected <style>), data: images and fonts (plotly, Bootstrap).
# The JSON config block <script type="application/json"> is data, not script: CSP does not apply.
CSP_TEMPLATE = (
    "default-src 'self'; script-src 'self'{hashes}; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
STATIC_HEADERS = {
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # same-origin, not no-referrer: the language switch sends the user back to the page they were on.
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}

# --------------------------------------------------------------------------- credentials


def parse_credentials(text: str) -> dict[str, str]:
    """``name:hash`` entries separated by ``;`` or new lines -> {name: hash}. Raises ValueError (no secret in it)."""
    advisors: dict[str, str] = {}
    for number, entry in enumerate((e.strip() for e in re.split(r"[;\n]", text or "")), start=1):
        if not entry:
            continue
        name, _, hashed = entry.partition(":")
        if not NAME_RE.match(name) or not hashed.startswith(HASH_METHODS) or hashed.count("$") != 2:
            raise ValueError(
                f"ADVISOR_CREDENTIALS entry {number} is not NAME:HASH with a werkzeug password hash "
                "(make one with `python -m app.security hash-password NAME`)"
            )
        if name in advisors:
            raise ValueError(f"ADVISOR_CREDENTIALS names advisor {name!r} twice")
        advisors[name] = hashed
    return advisors


def check_production_settings(config: Config) -> dict[str, str]:
    """The advisors, or SystemExit with one line when production is not safely configured."""
    try:
        advisors = parse_credentials(config.advisor_credentials)
    except ValueError as exc:
        raise SystemExit(f"cannot start: {exc}") from None
    if not config.production:
        return advisors
    if not advisors:
        raise SystemExit(
            "cannot start: APP_ENV=production needs ADVISOR_CREDENTIALS (NAME:HASH;...; "
            "make hashes with `python -m app.security hash-password NAME`)"
        )
    if len(config.secret_key) < MIN_SECRET_CHARS:
        raise SystemExit(
            f"cannot start: APP_ENV=production needs SECRET_KEY of at least {MIN_SECRET_CHARS} characters "
            '(e.g. `python -c "import secrets; print(secrets.token_urlsafe(48))"`)'
        )
    return advisors


def _fingerprint(hashed: str) -> str:
    # Stored in the session: changing an advisor's password (or removing them) ends their sessions.
    return hashlib.sha256(hashed.encode()).hexdigest()[:16]


# --------------------------------------------------------------------------- audit


def current_advisor() -> str | None:
    if not flask.has_request_context():
        return None
    return flask.session.get(SESSION_USER) or flask.g.get("dev_advisor")


def audit(event: str, **fields) -> None:
    """One JSON line on the "audit" logger: who did what, when. Ids only, never client data."""
    record = {"ts": datetime.now(UTC).isoformat(timespec="milliseconds"), "event": event, "advisor": current_advisor()}
    if flask.has_request_context():
        record["ip"] = flask.request.remote_addr
    record.update(fields)
    audit_log.info(json.dumps(record, sort_keys=True, ensure_ascii=False))


def audit_client_view(client_id: int, source: str = "") -> None:
    """Called by every callback that shows a client's data (``source``: which view)."""
    try:
        audit("client_view", client_id=int(client_id), source=source or None)
    except Exception:  # noqa: BLE001 - a broken audit sink must be seen, and must not hide the page
        log.exception("audit write failed")


_audit_files: set[str] = set()
_audit_lock = threading.Lock()


def _attach_audit_file(path: str) -> None:
    with _audit_lock:
        if not path or path in _audit_files:
            return
        # Each line is one write() in append mode: lines from several workers do not interleave.
        handler = logging.FileHandler(path, encoding="utf-8", delay=True)
        handler.setFormatter(logging.Formatter("%(message)s"))
        audit_log.addHandler(handler)
        _audit_files.add(path)


# --------------------------------------------------------------------------- login page


class _Throttle:
    """Failed logins per address in this worker (a brute-force brake, not an account lockout)."""

    def __init__(self):
        self._failures: dict[str, deque] = {}
        self._lock = threading.Lock()

    def blocked(self, key: str) -> bool:
        with self._lock:
            times = self._failures.get(key)
            now = time.monotonic()
            while times and now - times[0] > FAILURE_WINDOW_S:
                times.popleft()
            return bool(times) and len(times) >= MAX_FAILURES

    def fail(self, key: str) -> None:
        with self._lock:
            if len(self._failures) > 10_000:
                self._failures.clear()
            self._failures.setdefault(key, deque()).append(time.monotonic())

    def reset(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)


def safe_next(target: str | None) -> str:
    """A local path to go back to after login; anything else (other host, scheme, //) is '/'."""
    target = (target or "").strip()
    parsed = urlparse(target)
    if not target.startswith("/") or target.startswith(("//", "/\\")) or parsed.scheme or parsed.netloc:
        return "/"
    return target


# --------------------------------------------------------------------------- installation


def install_security(server: flask.Flask, config: Config, dash_app=None) -> None:
    """Login (production), security headers (always), audit trail. Exits when production is misconfigured."""
    advisors = check_production_settings(config)
    login_required = config.production
    fingerprints = {name: _fingerprint(hashed) for name, hashed in advisors.items()}
    # A dummy hash for unknown names, so that a wrong name costs the same time as a wrong password.
    dummy_hash = generate_password_hash(secrets.token_urlsafe(16))
    throttle = _Throttle()
    _attach_audit_file(config.audit_log_path)

    server.debug = False if config.production else server.debug
    server.secret_key = config.secret_key or secrets.token_urlsafe(48)  # dev: random, sessions end on restart
    server.config.update(
        SESSION_COOKIE_NAME="pad_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config.production,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=config.session_hours),
        MAX_CONTENT_LENGTH=1 << 20,  # callback payloads are small; refuse megabyte bodies outright
    )
    if config.production:
        # Heroku (and most PaaS) put one proxy in front: trust its X-Forwarded-For/-Proto, no more.
        server.wsgi_app = ProxyFix(server.wsgi_app, x_for=1, x_proto=1)
    if not login_required:
        log.warning("development mode: no login (set APP_ENV=production to require advisor accounts)")
    csp_cache: dict[str, str] = {}

    def csp() -> str:
        # Computed on first use: the clientside callbacks (inline scripts) are registered after this call.
        if "value" not in csp_cache:
            hashes = "".join(f" {h}" for h in dash_app.csp_hashes()) if dash_app is not None else ""
            csp_cache["value"] = CSP_TEMPLATE.format(hashes=hashes)
        return csp_cache["value"]

    def lang() -> str:
        from app import LANG_COOKIE  # the cookie the dashboard's language switch sets

        return normalise_language(flask.request.cookies.get(LANG_COOKIE) or config.language)

    def signed_in() -> bool:
        name = flask.session.get(SESSION_USER)
        return bool(name) and fingerprints.get(name) == flask.session.get(SESSION_FINGERPRINT)

    @server.before_request
    def require_login():
        request = flask.request
        origin = request.headers.get("Origin")
        if request.method == "POST" and origin and urlparse(origin).netloc != request.host:
            # Cross-site POSTs (CSRF on callbacks or the login form) never reach the app.
            return flask.jsonify(error="cross-origin request refused"), 403
        path = request.path
        if login_required and not (path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES) or signed_in()):
            if path.startswith("/_dash-") or request.method != "GET":
                return flask.jsonify(error="login required"), 401
            target = request.full_path.rstrip("?") if request.query_string else path
            return flask.redirect("/login" + (f"?next={_quote(target)}" if target != "/" else ""))
        if not login_required:
            flask.g.dev_advisor = DEV_ADVISOR
        if path == "/_dash-update-component" and dash_app is not None and request.method == "POST":
            problem = callback_request_problem(request.get_json(silent=True), dash_app.callback_map)
            if problem:
                return flask.jsonify(error=f"malformed callback request: {problem}"), 400
        return None

    @server.route("/login", methods=["GET", "POST"])
    def login():
        request = flask.request
        language = lang()
        if flask.request.method == "GET":
            if signed_in():
                return flask.redirect(safe_next(request.args.get("next")))
            token = flask.session.setdefault(SESSION_CSRF, secrets.token_urlsafe(24))
            message = login_messages(language)["out"] if request.args.get("out") else ""
            return _no_store(login_page(language, csrf=token, next_url=safe_next(request.args.get("next")), message=message))
        key = request.remote_addr or "?"
        next_url = safe_next(request.form.get("next"))
        username = (request.form.get("username") or "").strip()[:64]
        password = request.form.get("password") or ""
        token = flask.session.get(SESSION_CSRF, "")
        if not token or not hmac.compare_digest(token, request.form.get("csrf") or ""):
            new_token = flask.session[SESSION_CSRF] = secrets.token_urlsafe(24)
            expired = login_messages(language)["expired"]
            page = login_page(language, csrf=new_token, next_url=next_url, message=expired, error=True)
            return _no_store(page, 400)
        if throttle.blocked(key):
            audit("login_throttled")
            throttled = login_messages(language)["throttled"]
            page = login_page(language, csrf=token, next_url=next_url, message=throttled, error=True)
            return _no_store(page, 429)
        hashed = advisors.get(username)
        valid = check_password_hash(hashed or dummy_hash, password[:200]) and hashed is not None
        if not valid:
            throttle.fail(key)
            # The name only when it is an account: a password typed in the name field stays out of logs.
            audit("login_failed", attempted=username if username in advisors else None)
            page = login_page(
                language, csrf=token, next_url=next_url, message=login_messages(language)["bad"], error=True, username=username  # noqa: E501
            )
            return _no_store(page, 401)
        throttle.reset(key)
        flask.session.clear()  # no session fixation: a fresh session for the signed-in advisor
        flask.session.permanent = True
        flask.session[SESSION_USER] = username
        flask.session[SESSION_FINGERPRINT] = fingerprints[username]
        audit("login")
        return flask.redirect(next_url)

    @server.route("/logout", methods=["GET", "POST"])
    def logout():
        if flask.session.get(SESSION_USER):
            audit("logout")
        flask.session.clear()
        return flask.redirect("/login?out=1")

    @server.get("/healthz")
    def healthz():
        return flask.Response("ok\n", mimetype="text/plain")

    @server.after_request
    def security_headers(response: flask.Response) -> flask.Response:
        for name, value in STATIC_HEADERS.items():
            response.headers.setdefault(name, value)
        response.headers.setdefault("Content-Security-Policy", csp())
        path = flask.request.path
        if "Cache-Control" not in response.headers and not path.startswith(STATIC_PREFIXES):
            # Pages and callback answers carry client data: no browser or proxy keeps a copy.
            response.headers["Cache-Control"] = "no-store"
        return response


def _is_prop(item) -> bool:
    return isinstance(item, dict) and isinstance(item.get("id"), str | dict) and isinstance(item.get("property"), str)


def callback_request_problem(body, callback_map: Mapping) -> str | None:
    """Why a /_dash-update-component body cannot be a request from our page (None when well formed).

    Dash answers malformed bodies with a 500 (KeyError, wrong argument count): we answer 400 before.
    """
    if not isinstance(body, dict):
        return "body is not a JSON object"
    spec = callback_map.get(body.get("output")) if isinstance(body.get("output"), str) else None
    if spec is None:
        return "unknown callback"
    outputs = body.get("outputs")
    outputs = outputs if isinstance(outputs, list) else [outputs]
    expected = spec["output"] if isinstance(spec["output"], list) else [spec["output"]]
    if len(outputs) != len(expected) or not all(map(_is_prop, outputs)):
        return "outputs do not match the callback"
    for part in ("inputs", "state"):
        items = body.get(part, [])
        if not isinstance(items, list) or len(items) != len(spec[part]) or not all(map(_is_prop, items)):
            return f"{part} do not match the callback"
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or not all(isinstance(c, str) for c in changed):
        return "changedPropIds is not a list of strings"
    return None


def login_page(lang: str, **context) -> str:
    from app import render_page  # the app package renders every server-side page

    return render_page("login.html", lang, **login_context(lang, **context))


def _quote(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="/")


def _no_store(body: str, status: int = 200) -> flask.Response:
    response = flask.Response(body, status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


# --------------------------------------------------------------------------- CLI


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.security", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    hasher = commands.add_parser(
        "hash-password",
        help="print NAME:HASH for ADVISOR_CREDENTIALS (password read from the terminal, or from stdin)",
    )
    hasher.add_argument("name", help="advisor username (letters, digits, . _ @ -)")
    args = parser.parse_args(argv)
    if not NAME_RE.match(args.name):
        parser.error("the name may contain letters, digits and . _ @ - (at most 64)")
    if sys.stdin.isatty():
        password = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != password:
            print("passwords differ", file=sys.stderr)
            return 1
    else:
        password = sys.stdin.readline().rstrip("\n")
    if len(password) < 12:
        print("use at least 12 characters", file=sys.stderr)
        return 1
    print(f"{args.name}:{generate_password_hash(password)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The site's own pages around the dashboard: Bootstrap's stylesheet, the favicon, the language switch, the
accessibility statement and the error pages (a Blueprint: it reads the running app's services, holds nothing)."""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import urlparse

import dash
import flask
import flask_bootstrap

from app.accessibility_audit import AuditError, foreign, load_audit, statement_context
from app.rendering import LANG_COOKIE, current_services, page_language, render_page
from layouts.i18n import LANGUAGES, language, normalise_language, other_language
from layouts.page import statement_path

BOOTSTRAP_URL = "/vendor/bootstrap.min.css"  # the statement and login pages link it without a fingerprint
AUDIT = "accessibility_audit"  # key in app.extensions: read once per process, at registration

site = flask.Blueprint("site", __name__)


def bootstrap_css_dir() -> Path:
    return Path(flask_bootstrap.__file__).parent / "static" / "bootstrap5" / "css"


@site.record_once
def _read_audit(state) -> None:
    try:
        audit = load_audit()
    except AuditError as exc:  # no valid audit: the statement then says "non-compliant", as the RGAA requires
        logging.getLogger(__name__).error("accessibility statement without audit: %s", exc)
        audit = None
    state.app.extensions[AUDIT] = audit


@site.get(BOOTSTRAP_URL)
def bootstrap_css():
    return flask.send_from_directory(bootstrap_css_dir(), "bootstrap.min.css", max_age=86400)


@site.get("/favicon.ico")
def favicon():
    # Pages outside Dash (letter, login, statement) get the browser's implicit request answered, not a 404.
    return flask.send_from_directory(Path(dash.__file__).parent, "favicon.ico", max_age=86400)


@site.get("/lang/<code>")
def switch_language(code: str):
    # Back to the page the user was on (path and query only: never an open redirect).
    referrer = urlparse(flask.request.referrer or "/")
    target = (referrer.path or "/") + (f"?{referrer.query}" if referrer.query else "")
    response = flask.redirect(target if target.startswith("/") and not target.startswith("//") else "/")
    if code in LANGUAGES:
        secure = current_services().config.production
        response.set_cookie(LANG_COOKIE, code, max_age=365 * 86400, samesite="Lax", secure=secure)
    return response


@site.get("/accessibilite")
@site.get("/accessibility")
def statement():
    # The address says the language (each version links to the other), whatever the dashboard's cookie.
    lang = normalise_language("fr" if flask.request.path == "/accessibilite" else "en")
    other = other_language(lang)
    return render_page(
        "statement.html",
        lang,
        foreign=foreign,
        other=other,
        other_name=language(other).locale.get_display_name(other).capitalize(),
        other_path=statement_path(other),
        **statement_context(flask.current_app.extensions[AUDIT], lang),
    )


@site.app_errorhandler(404)
def not_found(_error):
    lang = page_language()
    tr = language(lang)
    return render_page("error.html", lang, heading=tr._("Page not found"), text=tr._("This address leads nowhere.")), 404


@site.app_errorhandler(500)
def server_error(_error):
    lang = page_language()
    tr = language(lang)
    text = tr._("The dashboard met an unexpected error. Nothing was lost: go back and try again.")
    return render_page("error.html", lang, heading=tr._("Internal error"), text=text), 500

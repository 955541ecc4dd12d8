"""What every server-rendered page shares: the request's language, the page renderer, the running services."""

from __future__ import annotations

import flask

from layouts.i18n import language, normalise_language

LANG_COOKIE = "lang"


def request_language(default: str) -> str:
    """UI language of the current request: the cookie set by the header link, else the default."""
    if not flask.has_request_context():
        return default
    return normalise_language(flask.request.cookies.get(LANG_COOKIE) or default)


def render_page(template: str, lang: str, **context) -> str:
    """A server-rendered page (statement, errors, letter, login) in ``lang``: gettext functions go in the context."""
    tr = language(lang)
    return flask.render_template(template, lang=tr.code, _=tr._, ngettext=tr.ngettext, tr=tr, **context)


def current_services():
    """The services of the app serving this request (Blueprints hold no state of their own)."""
    return flask.current_app.config["services"]


def page_language() -> str:
    """The language of a server page: the dashboard's cookie, else the configured default."""
    return request_language(current_services().config.language)

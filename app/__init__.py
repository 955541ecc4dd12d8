"""Dash app factory. ``server`` (the Flask app Gunicorn serves) is built on first access."""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import urlparse

import dash
import flask
from dash import html
from flask_caching import Cache

from app.config import ROOT, Config
from app.delivery import (
    file_fingerprint,
    install_cache_headers,
    install_compression,
    preload_graph_chunk,
    register_dash_resources,
)
from app.services import Services, load_services
from layouts.client_card import client_card_view
from layouts.comparison import comparison_view
from layouts.explanation import explanation_view
from layouts.i18n import LANGUAGES, normalise_language, t
from layouts.page import page
from layouts.score import score_view
from layouts.selection import selection_view
from layouts.statement import statement_html

LANG_COOKIE = "lang"
BOOTSTRAP_URL = "/vendor/bootstrap.min.css"  # the statement and login pages link it without a fingerprint
INDEX = """<!DOCTYPE html>
<html>
<head>
{%metas%}
<title>{%title%}</title>
{%favicon%}
{%css%}
</head>
<body>
{%app_entry%}
<footer>
{%config%}
{%scripts%}
{%renderer%}
</footer>
</body>
</html>"""


def request_language(default: str) -> str:
    """UI language of the current request: the cookie set by the header link, else the default."""
    if not flask.has_request_context():
        return default
    return normalise_language(flask.request.cookies.get(LANG_COOKIE) or default)


class LocalisedDash(dash.Dash):
    """Dash sets no ``<html lang>`` (plotly/dash#2563): add it, and the title, per request."""

    def __init__(self, *args, default_language: str = "fr", **kwargs):
        super().__init__(*args, **kwargs)
        self.default_language = default_language

    def interpolate_index(self, **kwargs):
        lang = request_language(self.default_language)
        kwargs["title"] = t("app.title", lang)
        return super().interpolate_index(**kwargs).replace("<html>", f'<html lang="{lang}">', 1)


def bootstrap_css_dir() -> Path:
    import flask_bootstrap

    return Path(flask_bootstrap.__file__).parent / "static" / "bootstrap5" / "css"


def create_app(config: Config | None = None) -> dash.Dash:
    from app.security import check_production_settings, install_security  # here: `python -m app.security` stays clean

    if config is None:
        try:
            config = Config.from_env()
        except ValueError as exc:
            raise SystemExit(f"cannot start: {exc}") from None
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    check_production_settings(config)  # before any slow work: a misconfigured production stops at once
    server = flask.Flask(__name__)
    cache = Cache(server, config=config.flask_caching())
    services = load_services(config, cache)
    bootstrap_version = file_fingerprint(bootstrap_css_dir() / "bootstrap.min.css")
    app = LocalisedDash(
        __name__,
        server=server,
        default_language=config.language,
        assets_folder=str(ROOT / "assets"),
        external_stylesheets=[f"{BOOTSTRAP_URL}?v={bootstrap_version}"],
        index_string=INDEX,
        update_title=None,
        title=t("app.title", config.language),
        meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
        suppress_callback_exceptions=False,
    )
    app.layout = lambda: serve_layout(services, request_language(config.language))
    register_routes(server, config)

    install_security(server, config, app)
    from callbacks import register_all

    register_all(app, services)
    install_compression(server)
    install_cache_headers(server, {BOOTSTRAP_URL: bootstrap_version})
    preload_graph_chunk(app)
    register_dash_resources(app)  # last: before Gunicorn forks its workers (preload), never on a request
    server.config["services"] = services
    return app


def serve_layout(services: Services, lang: str) -> html.Div:
    decision = services.artifacts.decision
    portfolio = services.portfolio
    levels = {c: portfolio.levels(c) for c in ("CODE_GENDER", "NAME_CONTRACT_TYPE")}
    ratio = decision.cost_fn / decision.cost_fp
    return page(
        lang,
        synthetic=services.artifacts.synthetic,
        development=not services.config.production,
        threshold=decision.threshold,
        cost_ratio=ratio,
        views=[
            selection_view(lang, len(portfolio), services.examples()),
            score_view(lang, ratio),
            explanation_view(lang, portfolio.importance),
            client_card_view(lang),
            comparison_view(lang, levels),
        ],
    )


def register_routes(server: flask.Flask, config: Config) -> None:
    css_dir = bootstrap_css_dir()

    @server.get(BOOTSTRAP_URL)
    def bootstrap_css():
        return flask.send_from_directory(css_dir, "bootstrap.min.css", max_age=86400)

    @server.get("/lang/<code>")
    def switch_language(code: str):
        # Back to the page the user was on (path and query only: never an open redirect).
        referrer = urlparse(flask.request.referrer or "/")
        target = (referrer.path or "/") + (f"?{referrer.query}" if referrer.query else "")
        response = flask.redirect(target if target.startswith("/") and not target.startswith("//") else "/")
        if code in LANGUAGES:
            response.set_cookie(LANG_COOKIE, code, max_age=365 * 86400, samesite="Lax", secure=config.production)
        return response

    @server.get("/accessibilite")
    @server.get("/accessibility")
    def statement():
        default = "fr" if flask.request.path == "/accessibilite" else "en"
        lang = normalise_language(flask.request.cookies.get(LANG_COOKIE) or default)
        return statement_html(lang, [BOOTSTRAP_URL, "/assets/style.css"])

    @server.errorhandler(404)
    def not_found(_error):
        lang = request_language(config.language)
        text = t("error.not_found", lang)
        return (
            f'<!DOCTYPE html><html lang="{lang}"><title>404</title><main><h1>{text}</h1><a href="/">↩</a></main></html>',
            404,
        )

    @server.errorhandler(500)
    def server_error(_error):
        return '<!DOCTYPE html><html lang="fr"><title>Erreur</title><main><h1>Erreur interne</h1></main></html>', 500


def __getattr__(name: str):
    # Gunicorn imports ``app:server``; building lazily keeps ``import app`` cheap for tests and tools.
    if name == "server":
        return create_app().server
    raise AttributeError(name)

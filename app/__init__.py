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
from app.services import Services
from layouts import (
    advice,
    application,
    client_card,
    comparison,
    curve,
    explanation,
    page,
    review,
    selection,
    summary,
    whatif,
)
from layouts.i18n import LANGUAGES, language, normalise_language, other_language
from layouts.page import statement_path
from scoring.comparison import comparable
from scoring.errors import ArtifactError

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
{%config%}
{%scripts%}
{%renderer%}
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
        tr = language(request_language(self.default_language))
        kwargs["title"] = tr._("Credit dashboard — Prêt à dépenser")
        # Dash's placeholder while the page starts is English, and React swaps in another English "Loading..."
        # that Orca reads on load: the entry point is aria-busy with a translated placeholder beside it, which
        # assets/a11y.js removes once the layout is drawn (React's own placeholder is hidden by style.css).
        # The line comes after the entry point: when it goes, Orca's reading position does not land on the skip
        # link (Orca then stays silent when the first Tab focuses it).
        kwargs["app_entry"] = (
            kwargs["app_entry"]
            .replace("Loading...", tr._("Loading…"))
            .replace('id="react-entry-point"', 'id="react-entry-point" aria-busy="true"', 1)
            + f'\n<p id="page-loading" class="page-loading">{tr._("Loading…")}</p>'
        )
        return super().interpolate_index(**kwargs).replace("<html>", f'<html lang="{tr.code}">', 1)

    def index(self, *args, **kwargs):
        # Dash serves its page at any path; the dashboard lives at "/" only, anything else is a real 404.
        if kwargs.get("path"):
            flask.abort(404)
        return super().index(*args, **kwargs)


def bootstrap_css_dir() -> Path:
    import flask_bootstrap

    return Path(flask_bootstrap.__file__).parent / "static" / "bootstrap5" / "css"


def create_app(config: Config | None = None) -> dash.Dash:
    from app.security import check_production_settings, install_security  # here: `python -m app.security` stays clean

    # The entry point of every run (Gunicorn's `app:server`, tests, tools): a setting the app cannot run
    # with stops it here with one line; the library code below only raises.
    try:
        config = Config.from_env() if config is None else config
        check_production_settings(config)  # before any slow work: a misconfigured production stops at once
    except ValueError as exc:  # ConfigError, or a malformed number in the environment
        raise SystemExit(f"cannot start: {exc}") from None
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    server = flask.Flask(__name__)
    cache = Cache(server, config=config.flask_caching())
    try:
        services = Services(config, cache)
    except ArtifactError as exc:  # a dashboard on broken artifacts would show wrong decisions: stop, one line
        raise SystemExit(f"cannot start: {exc}") from None
    bootstrap_version = file_fingerprint(bootstrap_css_dir() / "bootstrap.min.css")
    app = LocalisedDash(
        __name__,
        server=server,
        default_language=config.language,
        assets_folder=str(ROOT / "assets"),
        external_stylesheets=[f"{BOOTSTRAP_URL}?v={bootstrap_version}"],
        index_string=INDEX,
        update_title=None,
        title=language(config.language)._("Credit dashboard — Prêt à dépenser"),
        meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
        suppress_callback_exceptions=False,
    )
    # Outside a request (Dash building the layout it validates callbacks against), the layout is the full one:
    # forms built on demand (the new application's) included.
    app.layout = lambda: serve_layout(
        services, request_language(config.language), full=not flask.has_request_context()
    )
    register_routes(server, config)

    install_security(server, config, app)
    from callbacks import register_all

    register_all(app, services)
    services.simulator  # noqa: B018 - imports XGBoost's module in the master (shared pages); Boosters load per worker
    from app.letter import register_letter

    register_letter(server, config, services)
    install_compression(server)
    install_cache_headers(server, {BOOTSTRAP_URL: bootstrap_version})
    preload_graph_chunk(app)
    register_dash_resources(app)  # last: before Gunicorn forks its workers (preload), never on a request
    server.config["services"] = services
    return app


def serve_layout(services: Services, lang: str, full: bool = False) -> html.Div:
    from callbacks.application import COLUMNS as APPLICATION_COLUMNS
    from callbacks.application import regions_of

    regions = regions_of(services) if full else ()  # only the full layout holds the form
    decision = services.artifacts.decision
    portfolio = services.portfolio
    levels = {c: portfolio.levels(c) for c in comparison.FILTER_COLUMNS.values()}
    ratio = decision.cost_fn / decision.cost_fp
    return page.layout(
        lang,
        synthetic=services.artifacts.synthetic,
        development=not services.config.production,
        session_seconds=int(services.config.session_hours * 3600),
        threshold=decision.threshold,
        cost_ratio=ratio,
        views=[
            selection.layout(lang, len(portfolio), services.examples()),
            summary.layout(lang, ratio),
            review.layout(lang),
            html.Div(
                className="detail-grid",
                children=[
                    explanation.layout(lang, portfolio.importance, list(portfolio.feature_names)),
                    client_card.layout(lang, with_content=full),
                ],
            ),
            comparison.layout(lang, levels, comparable(portfolio)),
            whatif.layout(lang, with_form=full),
            curve.layout(lang),
            advice.layout(lang),
            application.layout(lang, APPLICATION_COLUMNS, regions, with_form=full),
        ],
    )


def register_routes(server: flask.Flask, config: Config) -> None:
    css_dir = bootstrap_css_dir()

    @server.get(BOOTSTRAP_URL)
    def bootstrap_css():
        return flask.send_from_directory(css_dir, "bootstrap.min.css", max_age=86400)

    @server.get("/favicon.ico")
    def favicon():
        # Pages outside Dash (letter, login, statement) get the browser's implicit request answered, not a 404.
        return flask.send_from_directory(Path(dash.__file__).parent, "favicon.ico", max_age=86400)

    @server.get("/lang/<code>")
    def switch_language(code: str):
        # Back to the page the user was on (path and query only: never an open redirect).
        referrer = urlparse(flask.request.referrer or "/")
        target = (referrer.path or "/") + (f"?{referrer.query}" if referrer.query else "")
        response = flask.redirect(target if target.startswith("/") and not target.startswith("//") else "/")
        if code in LANGUAGES:
            response.set_cookie(LANG_COOKIE, code, max_age=365 * 86400, samesite="Lax", secure=config.production)
        return response

    # Here, not at the top: `python -m app.accessibility_audit` must not find itself already imported.
    from app.accessibility_audit import AuditError, foreign, load_audit, statement_context

    try:
        audit = load_audit()
    except AuditError as exc:  # no valid audit: the statement then says "non-compliant", as the RGAA requires
        logging.getLogger(__name__).error("accessibility statement without audit: %s", exc)
        audit = None

    @server.get("/accessibilite")
    @server.get("/accessibility")
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
            **statement_context(audit, lang),
        )

    @server.errorhandler(404)
    def not_found(_error):
        lang = request_language(config.language)
        tr = language(lang)
        return render_page("error.html", lang, heading=tr._("Page not found"), text=tr._("This address leads nowhere.")), 404

    @server.errorhandler(500)
    def server_error(_error):
        lang = request_language(config.language)
        tr = language(lang)
        text = tr._("The dashboard met an unexpected error. Nothing was lost: go back and try again.")
        return render_page("error.html", lang, heading=tr._("Internal error"), text=text), 500


def render_page(template: str, lang: str, **context) -> str:
    """A server-rendered page (statement, errors, letter) in ``lang``: gettext functions go in the context."""
    tr = language(lang)
    return flask.render_template(template, lang=tr.code, _=tr._, ngettext=tr.ngettext, tr=tr, **context)


def __getattr__(name: str):
    # Gunicorn imports ``app:server``; building lazily keeps ``import app`` cheap for tests and tools.
    if name == "server":
        return create_app().server
    raise AttributeError(name)

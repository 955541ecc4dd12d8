"""Composition root: builds the dashboard from the layers below and is imported by nothing in them.

Gunicorn serves ``wsgi:server`` (built on first access, so ``import wsgi`` stays cheap for tests and tools).
"""

from __future__ import annotations

import logging

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
from app.letter import letter
from app.model_page import model_page
from app.queries import APPLICATION_COLUMNS, regions_of
from app.rendering import request_language
from app.security import check_production_settings, install_security
from app.services import Services
from app.site import BOOTSTRAP_URL, bootstrap_css_dir, site
from callbacks import register_all
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
from layouts.i18n import language
from scoring.comparison import comparable
from scoring.errors import ArtifactError

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


def create_app(config: Config | None = None) -> dash.Dash:
    # The entry point of every run (Gunicorn's `wsgi:server`, tests, tools): a setting the app cannot run
    # with stops it here with one line; the library code below only raises.
    try:
        config = Config.from_env() if config is None else config
        check_production_settings(config)  # before any slow work: a misconfigured production stops at once
    except ValueError as exc:  # ConfigError, or a malformed number in the environment
        raise SystemExit(f"cannot start: {exc}") from None
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    server = flask.Flask("app", root_path=str(ROOT / "app"))  # templates and static files live in app/
    cache = Cache(server, config=config.flask_caching())
    try:
        services = Services(config, cache)
    except ArtifactError as exc:  # a dashboard on broken artifacts would show wrong decisions: stop, one line
        raise SystemExit(f"cannot start: {exc}") from None
    server.config["services"] = services  # what the Blueprints read: they hold no state of their own
    bootstrap_version = file_fingerprint(bootstrap_css_dir() / "bootstrap.min.css")
    app = LocalisedDash(
        "app",
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
    server.register_blueprint(site)
    install_security(server, config, app)
    register_all(app, services)
    services.simulator  # noqa: B018 - imports XGBoost's module in the master (shared pages); Boosters load per worker
    server.register_blueprint(model_page)
    server.register_blueprint(letter)
    install_compression(server)
    install_cache_headers(server, {BOOTSTRAP_URL: bootstrap_version})
    preload_graph_chunk(app)
    register_dash_resources(app)  # last: before Gunicorn forks its workers (preload), never on a request
    return app


def serve_layout(services: Services, lang: str, full: bool = False) -> html.Div:
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


def __getattr__(name: str):
    # Gunicorn imports ``wsgi:server``; building lazily keeps ``import wsgi`` cheap for tests and tools.
    if name == "server":
        return create_app().server
    raise AttributeError(name)

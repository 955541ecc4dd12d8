"""The model page: ``/modele`` (French address) and ``/model`` (English), rendered on the server.

The page is the same for every advisor and changes only with the artifacts, so it is a plain Flask page
(no Dash callback, no script); the language cookie wins over the address, as for the accessibility
statement.
"""

from __future__ import annotations

import flask

from app.rendering import LANG_COOKIE, current_services, render_page
from layouts.i18n import language, normalise_language, other_language
from layouts.model import page_context
from layouts.page import model_path, nav_links, statement_path

PATHS = {"/modele": "fr", "/model": "en"}

model_page = flask.Blueprint("model_page", __name__)


def page_language(path: str, cookie: str | None) -> str:
    return normalise_language(cookie or PATHS.get(path))


def render_model_page(services, lang: str) -> str:
    other = other_language(lang)
    return render_page(
        "model.html",
        lang,
        model=page_context(services.artifacts, services.portfolio.importance, lang),
        other=other,
        other_name=language(other).locale.get_display_name(other).capitalize(),
        nav=[("/" + href, text) for href, text in nav_links(lang)],
        model_href=model_path(lang),
        statement_href=statement_path(lang),
        development=not services.config.production,
    )


@model_page.get("/modele")
@model_page.get("/model")
def show():
    lang = page_language(flask.request.path, flask.request.cookies.get(LANG_COOKIE))
    return render_model_page(current_services(), lang)

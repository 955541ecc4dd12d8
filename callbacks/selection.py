"""Client selection wiring: URL <-> selected client, search box, suggestions."""

from __future__ import annotations

from collections.abc import Callable

from dash import Input, Output, State, no_update

from callbacks.common import LANG, register_callback, triggered
from layouts.page import ids as page
from layouts.selection import (
    MIN_SEARCH_DIGITS,
    clean_id_text,
    error_message,
    parse_query_client,
    suggestion_options,
    validate_client_text,
)
from layouts.selection import ids as sel
from scoring.errors import UnknownClientError
from scoring.stores import StoreUnavailable

SELECT_OUTPUTS = {
    "client": Output(page.client, "data"),
    "search": Output(page.url, "search"),
    "error": Output(sel.error, "children"),
    "typed_out": Output(sel.input, "value"),
}
SELECT_INPUTS = {
    "url_search": Input(page.url, "search"),
    "clicks": Input(sel.submit, "n_clicks"),
    "submits": Input(sel.input, "n_submit"),
    "typed": State(sel.input, "value"),
    "lang": LANG,
}


def resolve_client(row_of: Callable[[int], object], text) -> tuple[int | None, str | None]:
    """(client id in the portfolio, error kind) for a typed or linked id; ``row_of`` reads the client's row."""
    client_id, error = validate_client_text(text)
    if error:
        return None, error
    try:
        row_of(client_id)
    except UnknownClientError:
        return None, "unknown"
    return client_id, None


def select_client(services, *, url_search, clicks, submits, typed, lang) -> dict:  # noqa: ARG001 - Dash inputs
    from_url = triggered() in (None, page.url)
    text = parse_query_client(url_search) if from_url else typed
    if from_url and text is None:
        return {"error": ""}
    client_id, error = resolve_client(services.client_row, text)
    if error:
        shown = clean_id_text(text)[:30] or str(text or "")[:30]
        close = services.clients.closest_ids(int(shown)) if error == "unknown" else []
        return {"error": error_message(error, shown, lang, close)}
    return {
        "client": client_id,
        "search": no_update if from_url else f"?client={client_id}",
        "error": "",
        # Rewriting the box with what it already holds would re-run the suggestions for nothing.
        "typed_out": no_update if typed == str(client_id) else str(client_id),
    }


def suggest(services, *, typed) -> dict:
    prefix = clean_id_text(typed)  # a forged request may send any JSON type
    if len(prefix) < MIN_SEARCH_DIGITS or not prefix.isdigit():
        return {"options": []}
    try:
        found = services.cached("search", (prefix,), lambda: services.clients.search(prefix, 20))
    except StoreUnavailable:  # no suggestion; choosing the client then says the database is down
        found = []
    return {"options": suggestion_options(found)}


def register(app, services) -> None:
    register_callback(
        app, services, SELECT_OUTPUTS, SELECT_INPUTS, select_client, message="error", unless_shown=("error",)
    )
    register_callback(
        app, services, {"options": Output(sel.suggestions, "children")}, {"typed": Input(sel.input, "value")}, suggest
    )

"""Client selection wiring: URL <-> selected client, search box, suggestions."""

from __future__ import annotations

from dash import Input, Output, State, ctx, no_update

from callbacks.common import guarded
from layouts.i18n import t
from layouts.selection import MIN_SEARCH_DIGITS, parse_query_client, suggestion_options, validate_client_text
from scoring.errors import UnknownClientError
from scoring.portfolio import Portfolio


def resolve_client(portfolio: Portfolio, text: str | None) -> tuple[int | None, str | None]:
    """(client id in the portfolio, error key) for a typed or linked id."""
    client_id, error = validate_client_text(text)
    if error:
        return None, error
    try:
        portfolio.index_of(client_id)
    except UnknownClientError:
        return None, "error.unknown"
    return client_id, None


def register(app, services) -> None:
    portfolio = services.portfolio

    @app.callback(
        Output("client-id", "data"),
        Output("url", "search"),
        Output("client-error", "children"),
        Output("client-input", "value"),
        Input("url", "search"),
        Input("client-submit", "n_clicks"),
        Input("client-input", "n_submit"),
        State("client-input", "value"),
        State("lang", "data"),
    )
    @guarded(4, message_at=2)
    def select_client(search, _clicks, _submits, typed, lang):
        from_url = ctx.triggered_id in (None, "url")
        text = parse_query_client(search) if from_url else typed
        if from_url and text is None:
            return no_update, no_update, "", no_update
        client_id, error = resolve_client(portfolio, text)
        if error:
            shown = str(text if text is not None else "").strip()[:30]
            return no_update, no_update, t(error, lang, value=shown), no_update
        search_out = no_update if from_url else f"?client={client_id}"
        return client_id, search_out, "", str(client_id)

    @app.callback(Output("client-suggestions", "children"), Input("client-input", "value"))
    @guarded(1)
    def suggest(typed):
        prefix = str(typed if typed is not None else "").strip()  # a forged request may send any JSON type
        if len(prefix) < MIN_SEARCH_DIGITS or not prefix.isdigit():
            return []
        return suggestion_options(services.cached("search", (prefix,), lambda: portfolio.search(prefix, 20)))

"""Why view wiring: one client -> waterfall, plain-French paragraph."""

from __future__ import annotations

from dash import Input, Output, State, no_update

from callbacks.common import guarded, viewed_client
from layouts.explanation import explanation_paragraph, factors, waterfall_aria, waterfall_figure, waterfall_table
from layouts.i18n import t


def register(app, services) -> None:
    portfolio = services.portfolio

    def compute(client_id: int, lang: str):
        explanation = portfolio.explanation(client_id)
        items = factors(explanation, portfolio.category_levels, lang)
        aria = waterfall_aria(explanation, items, lang)
        return (
            explanation_paragraph(explanation, items, lang),
            waterfall_figure(explanation, items, lang),
            aria,
            aria,
            waterfall_table(items, lang),
        )

    @app.callback(
        Output("why-paragraph", "children"),
        Output("waterfall", "figure"),
        Output("waterfall-img", "aria-label"),
        Output("waterfall-caption", "children"),
        Output("waterfall-table", "children"),
        Input("client-id", "data"),
        State("lang", "data"),
    )
    @guarded(5, message_at=0)
    def show_explanation(client_id, lang):
        client_id = viewed_client(services, client_id, "explanation")
        if client_id is None:
            return t("why.placeholder", lang), no_update, no_update, no_update, no_update
        return services.cached(f"why-{lang}", (client_id,), lambda: compute(int(client_id), lang))

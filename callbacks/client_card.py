"""Client card wiring."""

from __future__ import annotations

from dash import Input, Output, State, html

from callbacks.common import guarded, viewed_client
from layouts.client_card import CARD_COLUMNS, card_children
from layouts.i18n import t


def register(app, services) -> None:
    portfolio = services.portfolio
    split = portfolio.artifacts.array("split")

    def compute(client_id: int, lang: str):
        index = portfolio.index_of(client_id)
        values = {column: portfolio.raw_value(column, index) for column in CARD_COLUMNS}
        return card_children(client_id, values, int(split[index]) == 0, lang)

    @app.callback(Output("card-content", "children"), Input("client-id", "data"), State("lang", "data"))
    @guarded(1)
    def show_card(client_id, lang):
        client_id = viewed_client(services, client_id, "card")
        if client_id is None:
            return html.P(t("card.placeholder", lang), className="placeholder")
        return services.cached(f"card-{lang}", (client_id,), lambda: compute(int(client_id), lang))

"""Client card wiring."""

from __future__ import annotations

from dash import Input

from callbacks.common import CLIENT, LANG, outputs, register_callback, viewed_client, was_opened
from layouts import client_card
from layouts.client_card import ids
from scoring.fields import CARD_FIELDS

OUTPUTS = outputs(content=(ids.content, "children"))
INPUTS = {"client_id": CLIENT, "clicks": Input(ids.open, "n_clicks"), "lang": LANG}


def show_card(services, *, client_id, lang, clicks=None) -> dict:
    """The card, once its disclosure has been opened (then kept up to date); nothing is read before."""
    if not was_opened(clicks):
        return {}
    client_id = viewed_client(services, client_id, "card")
    if client_id is None:
        return {"content": client_card.empty(lang)}
    portfolio = services.portfolio
    index = portfolio.index_of(client_id)
    values = {name: portfolio.value(name, index) for name in CARD_FIELDS}
    in_training = int(portfolio.artifacts.array("split")[index]) == 0
    return {"content": client_card.card_children(client_id, values, in_training, lang)}


def register(app, services) -> None:
    register_callback(app, services, OUTPUTS, INPUTS, show_card)

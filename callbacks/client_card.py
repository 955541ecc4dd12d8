"""Client card wiring."""

from __future__ import annotations

from dash import Input, State

from callbacks.common import CLIENT, LANG, outputs, register_callback, viewed_client, was_opened
from layouts import client_card
from layouts.client_card import ids
from scoring.fields import CARD_FIELDS

OUTPUTS = outputs(content=(ids.content, "children"))
BODY_OUTPUTS = outputs(body=(ids.body, "children"), body_class=(ids.body, "className"))
BODY_INPUTS = {"clicks": Input(ids.open, "n_clicks"), "shown": State(ids.body, "className"), "lang": LANG}


def show_body(services, *, clicks, shown, lang) -> dict:  # noqa: ARG001 - the same signature as every callback
    """The card's content element, put in the page when the disclosure is first opened; Dash then runs
    ``show_card`` for it, and from then on at every client switch."""
    if not was_opened(clicks) or shown == client_card.FILLED:
        return {}
    return {"body": client_card.body(lang), "body_class": client_card.FILLED}


def show_card(services, *, client_id, lang) -> dict:
    client_id = viewed_client(services, client_id, "card")
    if client_id is None:
        return {"content": client_card.empty(lang)}
    row = services.client_row(client_id)
    values = {name: row.value(name) for name in CARD_FIELDS}
    return {"content": client_card.card_children(client_id, values, row.in_training, lang)}


def register(app, services) -> None:
    register_callback(app, services, BODY_OUTPUTS, BODY_INPUTS, show_body)
    register_callback(app, services, OUTPUTS, {"client_id": CLIENT, "lang": LANG}, show_card)

"""Advice wiring: a new client clears the options; the button searches them (cached per client: the letter reuses them)."""

from __future__ import annotations

from dash import Input

from app.queries import client_advice
from callbacks.common import CLIENT, LANG, outputs, register_callback, triggered, viewed_client
from layouts import advice as view
from layouts.advice import ids
from layouts.i18n import language

OUTPUTS = outputs(
    status=(ids.status, "children"),
    options=(ids.options, "children"),
    letter_hidden=(ids.letter_block, "hidden"),
    letter=(ids.letter, "href"),
    letter_pdf=(ids.letter_pdf, "href"),
)
INPUTS = {"client_id": CLIENT, "clicks": Input(ids.submit, "n_clicks"), "lang": LANG}


def show_advice(services, *, client_id, clicks, lang) -> dict:
    tr = language(lang)
    client_id = viewed_client(services, client_id, "advice")
    if client_id is None:
        return {"status": tr._("Choose a client first."), "options": [], "letter_hidden": True}
    links = {
        "letter_hidden": False,
        "letter": f"/lettre?client={client_id}",
        "letter_pdf": f"/lettre.pdf?client={client_id}",
    }
    if triggered() != ids.submit or not clicks:
        prompt = tr._("Press “Search for options” to look for changes that would get this credit granted.")
        return {"status": prompt, "options": [], **links}
    advice = client_advice(services, client_id)
    return {"status": view.advice_status(advice, lang), "options": view.option_items(advice, lang), **links}


def register(app, services) -> None:
    register_callback(app, services, OUTPUTS, INPUTS, show_advice, message="status")

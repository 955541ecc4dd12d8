"""Risk curves wiring: built when their disclosure is first opened, then kept to the chosen client.

The curves (one Booster call) and the advice (the advice view's search, shared through the cache with the advice
view and the letter) are data cached per client; only their drawing is made per request.
"""

from __future__ import annotations

from dash import Input, State

from app.queries import client_advice
from callbacks.common import CLIENT, LANG, outputs, register_callback, triggered, viewed_client, was_opened
from layouts import curve as view
from layouts.curve import ids
from layouts.i18n import language
from scoring.affordability import MAX_EFFORT_RATE
from scoring.curve import curves

OUTPUTS = outputs(status=(ids.status, "children"), body=(ids.body, "children"), shown=(ids.shown, "data"))
INPUTS = {"client_id": CLIENT, "clicks": Input(ids.open, "n_clicks"), "lang": LANG, "shown": State(ids.shown, "data")}


def max_effort_rate(config) -> float:
    """The lender's maximum effort rate from the configuration (``MAX_EFFORT_RATE``), else the French default."""
    for name in ("max_effort_rate", "MAX_EFFORT_RATE"):
        value = getattr(config, name, None)
        if isinstance(value, int | float) and not isinstance(value, bool) and 0 < value <= 1:
            return float(value)
    return MAX_EFFORT_RATE


def client_curves(services, client_id: int, max_rate: float):
    return services.cached(
        "curves",
        (client_id, max_rate),
        lambda: curves(services.simulator, services.application(client_id), max_rate),
    )


def show_curves(services, *, client_id, clicks, lang, shown) -> dict:
    """Nothing until the disclosure has been opened once; then the chosen client's curves, or why there are none.

    Closing and reopening the disclosure keeps the curves it shows (``shown``: the client and language drawn), so
    that an open data table is not rebuilt under the advisor."""
    if not was_opened(clicks):
        return {}
    tr = language(lang)
    client_id = viewed_client(services, client_id, "curve")
    drawn = {"client": client_id, "lang": lang}
    if triggered() == ids.open and shown == drawn:
        return {}
    if client_id is None:
        return {"status": tr._("Choose a client first."), "body": [], "shown": drawn}
    found = client_curves(services, client_id, max_effort_rate(services.config))
    advice = client_advice(services, client_id)
    return {"status": view.status_text(found, lang), "body": view.body(found, advice, lang), "shown": drawn}


def register(app, services) -> None:
    register_callback(app, services, OUTPUTS, INPUTS, show_curves, message="status")

"""Client selection view: server-side id search, examples, errors linked to the field with suggestions."""

from __future__ import annotations

from urllib.parse import parse_qs

import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts.i18n import language
from layouts.status import status_line
from scoring.ids import MAX_ID_DIGITS

MIN_SEARCH_DIGITS = 3


class ids:  # noqa: N801 - a namespace of element ids, read like constants
    section = "select"
    heading = "select-heading"
    input = "client-input"
    submit = "client-submit"
    help = "client-help"
    suggestions = "client-suggestions"
    error = "client-error"
    status = "status"


def parse_query_client(search: str | None) -> str | None:
    """The raw ``client`` parameter of a URL query string (``?client=123``), if any."""
    values = parse_qs((search or "").lstrip("?")).get("client")
    return values[0] if values else None


def clean_id_text(text) -> str:
    """What the advisor typed, without the spaces people put in long numbers ("100 002" -> "100002")."""
    return "".join(str(text if text is not None else "").split())


def validate_client_text(text) -> tuple[int | None, str | None]:
    """(client id, error kind) for what the advisor typed; the portfolio check comes after.

    Error kinds: "empty", "invalid" (not digits), "too_long" (more digits than an id has).
    """
    cleaned = clean_id_text(text)
    if not cleaned:
        return None, "empty"
    if not cleaned.isdigit():
        return None, "invalid"
    if len(cleaned) > MAX_ID_DIGITS:
        return None, "too_long"
    return int(cleaned), None


def error_message(kind: str, shown: str, lang: str, suggestions: list[int] = ()) -> str:
    """The sentence for an input error, with what to do next (WCAG 3.3.3)."""
    tr = language(lang)
    if kind == "empty":
        return tr._("Enter a client id.")
    if kind == "invalid":
        return tr._("“{value}” is not a valid id: type digits only (e.g. 100002).", value=shown)
    if kind == "too_long":
        return tr.ngettext(
            "“{value}” has too many digits: a client id has at most {n} digit.",
            "“{value}” has too many digits: a client id has at most {n} digits.",
            MAX_ID_DIGITS,
            value=shown,
        )
    if suggestions:
        return tr._(
            "Client {value} is not in the portfolio. Close ids: {ids}.",
            value=shown,
            ids=", ".join(str(i) for i in suggestions),
        )
    return tr._("Client {value} is not in the portfolio, and no id starts with these digits. Check the id.", value=shown)


def suggestion_options(ids_found: list[int]) -> list:
    return [html.Option(value=str(i)) for i in ids_found]


def layout(lang: str, n_clients: int, examples: list[tuple[str, int]]) -> html.Section:
    """``examples``: (kind, client id), kind in "refused", "granted", "grey"."""
    tr = language(lang)
    names = {"refused": tr._("refused client"), "granted": tr._("granted client"), "grey": tr._("grey-zone client")}
    links = []
    for kind, client in examples:
        links += [" ", dcc.Link(f"{client} ({names[kind]})", href=f"/?client={client}", className="example-link")]
    return html.Section(
        id=ids.section,
        **{"aria-labelledby": ids.heading},
        className="view view-select",
        children=[
            html.H2(tr._("Choose a client"), id=ids.heading, disable_n_clicks=True),
            html.Div(
                role="search",
                className="client-search",
                children=[
                    dbc.Label(tr._("Client id"), html_for=ids.input),
                    html.Div(
                        className="input-row",
                        children=[
                            # No maxlength: a 13th digit is said, not silently cut (WCAG 3.3.1).
                            dbc.Input(
                                id=ids.input,
                                type="text",
                                inputmode="numeric",
                                autocomplete="off",
                                list=ids.suggestions,
                                debounce=False,
                            ),
                            dbc.Button(tr._("Show client"), id=ids.submit, color="primary", n_clicks=0),
                        ],
                    ),
                    html.Small(
                        tr.ngettext(
                            "Type a numeric id; suggestions appear from 3 digits. {n} client in the portfolio.",
                            "Type a numeric id; suggestions appear from 3 digits. {n} clients in the portfolio.",
                            n_clients,
                        ),
                        id=ids.help,
                        className="form-text",
                        **{"data-describes": ids.input},
                    ),
                    html.Datalist(id=ids.suggestions),
                    html.P(id=ids.error, className="form-error", role="alert", **{"data-error-for": ids.input}),
                ],
            ),
            html.P([tr._("Examples:"), *links], className="examples"),
            # Announced to screen readers (the decision sentence); sighted users read the same in the summary band.
            # Empty at first: the only thing a deep link's first render announces is the decision (layouts/status.py).
            status_line(ids.status, class_name="visually-hidden", speaks_at_start=True),
        ],
    )

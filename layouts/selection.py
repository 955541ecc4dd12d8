"""Client selection view: server-side id search, examples, error linked to the field."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts.formatting import number
from layouts.i18n import t
from scoring.errors import UnknownClientError
from scoring.ids import parse_client_id

MIN_SEARCH_DIGITS = 3


def parse_query_client(search: str | None) -> str | None:
    """The raw ``client`` parameter of a URL query string (``?client=123``), if any."""
    from urllib.parse import parse_qs

    values = parse_qs((search or "").lstrip("?")).get("client")
    return values[0] if values else None


def validate_client_text(text: str | None) -> tuple[int | None, str | None]:
    """(client id, error key) for what the advisor typed; the portfolio check comes after."""
    if text is None or not str(text).strip():
        return None, "error.empty"
    try:
        return parse_client_id(str(text)), None
    except UnknownClientError:
        return None, "error.invalid"


def suggestion_options(ids: list[int]) -> list:
    return [html.Option(value=str(i)) for i in ids]


def selection_view(lang: str, n_clients: int, examples: dict[str, int]) -> html.Section:
    example_links = []
    for key, client in examples.items():
        example_links += [" ", dcc.Link(f"{client} ({t(key, lang)})", href=f"/?client={client}", className="example-link")]
    return html.Section(
        id="select",
        **{"aria-labelledby": "select-heading"},
        className="view",
        children=[
            html.H2(t("select.heading", lang), id="select-heading"),
            html.Div(
                role="search",
                className="client-search",
                children=[
                    dbc.Label(t("select.label", lang), html_for="client-input"),
                    html.Div(
                        className="input-row",
                        children=[
                            dbc.Input(
                                id="client-input",
                                type="text",
                                inputmode="numeric",
                                autocomplete="off",
                                list="client-suggestions",
                                maxlength=12,
                                pattern="[0-9]*",
                                debounce=False,
                            ),
                            dbc.Button(t("select.submit", lang), id="client-submit", color="primary", n_clicks=0),
                        ],
                    ),
                    html.Small(
                        t("select.help", lang, n=number(n_clients, 0, lang)),
                        id="client-help",
                        className="form-text",
                        **{"data-describes": "client-input"},
                    ),
                    html.Datalist(id="client-suggestions"),
                    html.P(id="client-error", className="form-error", role="alert", **{"data-error-for": "client-input"}),
                ],
            ),
            html.P([t("select.examples", lang), *example_links], className="examples"),
            html.P(
                t("status.none", lang),
                id="status",
                role="status",
                className="status-line",
                **{"aria-live": "polite", "aria-atomic": "true"},
            ),
        ],
    )

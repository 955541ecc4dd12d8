"""Client card: the registry's card sections, each field with its label, unit and translated values.

The card sits in a disclosure (the summary band shows the key facts); its content element is put in the page
when the disclosure is first opened (``callbacks.client_card``). Until then the card's callback has no output on
the page, so Dash does not run it: a client switch neither requests the card nor creates its ~65 components.
"""

from __future__ import annotations

from dash import html

from layouts.formatting import value_text
from layouts.i18n import language
from scoring.fields import CARD_SECTIONS, FIELDS


class ids:  # noqa: N801
    section = "card"
    heading = "card-heading"
    disclosure = "card-disclosure"
    open = "card-open"  # the disclosure's summary: clicks (or Enter, Space) build the card
    body = "card-body"
    content = "card-content"


def card_items(values: dict[str, object], lang: str) -> list[tuple[str, list[tuple[str, str, bool]]]]:
    """[(section title, [(label, value text, protected), ...]), ...] from field values."""
    tr = language(lang)
    return [
        (tr.label(title), [(tr.field(n), value_text(n, values.get(n), lang), FIELDS[n].role == "protected") for n in names])
        for _, title, names in CARD_SECTIONS
    ]


def card_children(client_id: int, values: dict[str, object], in_training: bool, lang: str) -> list:
    tr = language(lang)
    children: list = [
        html.P(tr._("Descriptive information for client {client}", client=client_id), className="visually-hidden")
    ]
    for title, items in card_items(values, lang):
        facts = []
        for label, value, protected in items:
            facts.append(html.Dt(label))
            note = [" ", html.Span(tr._("(not used by the model)"), className="small-print")] if protected else []
            facts.append(html.Dd([value, *note]))
        children.append(
            html.Div(className="card-block", children=[html.H3(title), html.Dl(className="client-facts", children=facts)])
        )
    if in_training:
        children.append(html.P(tr._("This client was part of the model's training data."), className="small-print"))
    return children


def empty(lang: str) -> html.P:
    return html.P(language(lang)._("Choose a client to see their card."), className="empty-state")


FILLED = "card-filled"  # the body's class once the content element is in it


def body(lang: str) -> html.Div:
    """The element the card's callback fills with the chosen client's card."""
    return html.Div(id=ids.content, children=empty(lang))


def layout(lang: str, *, with_content: bool = False) -> html.Section:
    """The section; its content element only with ``with_content`` (the layout Dash validates callbacks against)."""
    tr = language(lang)
    return html.Section(
        id=ids.section,
        **{"aria-labelledby": ids.heading},
        className="view",
        children=[
            html.H2(tr._("Client card"), id=ids.heading, disable_n_clicks=True),
            html.Details(
                id=ids.disclosure,
                className="section-disclosure",
                children=[
                    html.Summary(tr._("All the client's details"), id=ids.open),
                    html.Div(
                        id=ids.body, className=FILLED if with_content else "", children=body(lang) if with_content else []
                    ),
                ],
            ),
        ],
    )

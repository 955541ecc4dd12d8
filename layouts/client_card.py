"""Client card: descriptive information with readable labels and units."""

from __future__ import annotations

from dash import html

from layouts.formatting import display_value
from layouts.i18n import t

SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "card.identity",
        (
            "CODE_GENDER",
            "DAYS_BIRTH",
            "NAME_FAMILY_STATUS",
            "CNT_CHILDREN",
            "CNT_FAM_MEMBERS",
            "NAME_EDUCATION_TYPE",
            "NAME_INCOME_TYPE",
            "OCCUPATION_TYPE",
            "ORGANIZATION_TYPE",
            "DAYS_EMPLOYED",
            "NAME_HOUSING_TYPE",
            "FLAG_OWN_REALTY",
            "FLAG_OWN_CAR",
            "OWN_CAR_AGE",
        ),
    ),
    (
        "card.loan",
        ("NAME_CONTRACT_TYPE", "AMT_CREDIT", "AMT_ANNUITY", "AMT_GOODS_PRICE", "AMT_INCOME_TOTAL", "NAME_TYPE_SUITE"),
    ),
    (
        "card.scores",
        (
            "EXT_SOURCE_1",
            "EXT_SOURCE_2",
            "EXT_SOURCE_3",
            "REGION_RATING_CLIENT",
            "REGION_RATING_CLIENT_W_CITY",
            "REGION_POPULATION_RELATIVE",
        ),
    ),
)
CARD_COLUMNS: tuple[str, ...] = tuple(c for _, cols in SECTIONS for c in cols)


def card_items(values: dict[str, object], lang: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """[(section title, [(label, value text), ...]), ...] from raw column values."""
    return [
        (t(title, lang), [(t(f"column.{c}", lang), display_value(c, values.get(c), lang)) for c in columns])
        for title, columns in SECTIONS
    ]


def card_children(client_id: int, values: dict[str, object], in_training: bool, lang: str) -> list:
    children: list = [html.P(t("card.caption", lang, client=client_id), className="visually-hidden")]
    for title, items in card_items(values, lang):
        children.append(
            html.Div(
                className="card-block",
                children=[
                    html.H3(title),
                    html.Dl(
                        className="client-facts",
                        children=[part for label, value in items for part in (html.Dt(label), html.Dd(value))],
                    ),
                ],
            )
        )
    if in_training:
        children.append(html.P(t("card.in_training", lang), className="small-print"))
    return children


def client_card_view(lang: str) -> html.Section:
    return html.Section(
        id="card",
        **{"aria-labelledby": "card-heading"},
        className="view",
        children=[
            html.H2(t("card.heading", lang), id="card-heading"),
            html.Div(id="card-content", children=html.P(t("card.placeholder", lang), className="placeholder")),
        ],
    )

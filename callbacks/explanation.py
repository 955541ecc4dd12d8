"""Why view wiring: one client -> plain-language paragraph and waterfall with its data."""

from __future__ import annotations

from callbacks.common import CLIENT, LANG, outputs, register_callback, table_opened, triggered, viewed_client, was_opened
from layouts import explanation as why
from layouts.charts import ChartIds, caption_outputs, with_caption
from layouts.explanation import ids
from layouts.i18n import language

OUTPUTS = outputs(
    paragraph=(ids.paragraph, "children"),
    paragraph_class=(ids.paragraph, "className"),
    waterfall=(ChartIds(ids.waterfall).img, "children"),
    **caption_outputs("waterfall", ids.waterfall),
    table=(ChartIds(ids.waterfall).table, "children"),
    data=(ChartIds(ids.waterfall).data, "hidden"),
    importance_table=(ChartIds(ids.importance).table, "children"),
)
INPUTS = {
    "client_id": CLIENT,
    "table_clicks": table_opened(ids.waterfall),
    "importance_clicks": table_opened(ids.importance),
    "lang": LANG,
}


def importance_table(services, lang: str):
    portfolio = services.portfolio
    return why.importance_table(portfolio.importance, list(portfolio.feature_names), lang)


def show_explanation(services, *, client_id, lang, table_clicks=None, importance_clicks=None) -> dict:
    """The client's explanation; each data table only once its disclosure has been opened (the general
    importance table once, when first opened: it does not depend on the client)."""
    if triggered() == table_opened(ids.importance).component_id:
        return {"importance_table": importance_table(services, lang)} if was_opened(importance_clicks) else {}
    client_id = viewed_client(services, client_id, "explanation")
    if client_id is None:
        return {
            "paragraph": language(lang)._("Choose a client to see what mattered."),
            "paragraph_class": "lead-text empty-state",
        }
    explanation = services.explanation(client_id)
    items = why.factors(explanation, services.portfolio.category_levels, lang)
    table = {"table": why.waterfall_table(explanation, items, lang)} if was_opened(table_clicks) else {}
    if triggered() == table_opened(ids.waterfall).component_id:
        return table
    return {
        "paragraph": why.explanation_paragraph(explanation, items, lang),
        "paragraph_class": "lead-text",
        "waterfall": why.waterfall(explanation, items, lang),
        **with_caption("waterfall", why.waterfall_caption(explanation, items, lang)),
        **table,
        "data": False,
    }


def register(app, services) -> None:
    register_callback(
        app, services, OUTPUTS, INPUTS, show_explanation, message="paragraph", unless_shown=("paragraph_class", "data")
    )

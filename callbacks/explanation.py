"""Why view wiring: one client -> plain-language paragraph and waterfall with its data."""

from __future__ import annotations

from callbacks.common import CLIENT, LANG, outputs, register_callback, viewed_client
from layouts import explanation as why
from layouts.charts import caption_outputs, with_caption
from layouts.explanation import ids
from layouts.i18n import language

OUTPUTS = outputs(
    paragraph=(ids.paragraph, "children"),
    paragraph_class=(ids.paragraph, "className"),
    waterfall=(f"{ids.waterfall}-img", "children"),
    **caption_outputs("waterfall", ids.waterfall),
    table=(f"{ids.waterfall}-table", "children"),
    data=(f"{ids.waterfall}-data", "hidden"),
)


def show_explanation(services, *, client_id, lang) -> dict:
    client_id = viewed_client(services, client_id, "explanation")
    if client_id is None:
        return {
            "paragraph": language(lang)._("Choose a client to see what mattered."),
            "paragraph_class": "lead-text empty-state",
        }
    explanation = services.portfolio.explanation(client_id)
    items = why.factors(explanation, services.portfolio.category_levels, lang)
    return {
        "paragraph": why.explanation_paragraph(explanation, items, lang),
        "paragraph_class": "lead-text",
        "waterfall": why.waterfall(explanation, items, lang),
        **with_caption("waterfall", why.waterfall_caption(explanation, items, lang)),
        "table": why.waterfall_table(explanation, items, lang),
        "data": False,
    }


def register(app, services) -> None:
    register_callback(app, services, OUTPUTS, {"client_id": CLIENT, "lang": LANG}, show_explanation, message="paragraph")

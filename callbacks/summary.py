"""Summary wiring: one client -> decision, probability against the threshold, main reasons, key facts."""

from __future__ import annotations

from dash import html

from callbacks.common import CLIENT, LANG, outputs, register_callback, table_opened, triggered, viewed_client, was_opened
from layouts import summary
from layouts.charts import caption_outputs, with_caption
from layouts.explanation import factors
from layouts.i18n import language
from layouts.selection import ids as sel
from layouts.summary import ids

OUTPUTS = outputs(
    empty=(ids.empty, "hidden"),
    body=(ids.body, "hidden"),
    decision=(ids.decision, "children"),
    decision_class=(ids.decision, "className"),
    proba=(ids.proba, "children"),
    threshold=(ids.threshold, "children"),
    heading=(ids.heading, "children"),
    grey=(ids.grey, "children"),
    distance=(ids.distance, "children"),
    gauge=(f"{ids.gauge}-img", "children"),
    **caption_outputs("gauge", ids.gauge),
    gauge_table=(f"{ids.gauge}-table", "children"),
    gauge_data=(f"{ids.gauge}-data", "hidden"),
    reasons=(ids.reasons, "children"),
    facts=(ids.facts, "children"),
    status=(sel.status, "children"),
)


INPUTS = {"client_id": CLIENT, "table_clicks": table_opened(ids.gauge), "lang": LANG}


def show_summary(services, *, client_id, lang, table_clicks=None) -> dict:
    """The summary of one client; the gauge's data table only once its disclosure has been opened."""
    client_id = viewed_client(services, client_id, "summary")
    if client_id is None:
        tr = language(lang)
        # Silent: the summary's empty state says it on screen; the status speaks decisions only (layouts/status.py).
        return {"empty": False, "body": True, "status": "", "heading": tr._("Summary")}
    portfolio = services.portfolio
    grey_zone = services.artifacts.decision.grey_zone
    explanation = portfolio.explanation(client_id)
    table = {"gauge_table": summary.gauge_table(explanation, grey_zone, lang)} if was_opened(table_clicks) else {}
    if triggered() == table_opened(ids.gauge).component_id:
        return table
    texts = summary.decision_texts(explanation, grey_zone, lang)
    index = portfolio.index_of(client_id)
    values = {name: portfolio.value(name, index) for name in summary.KEY_FACTS}
    return {
        "empty": True,
        "body": False,
        "decision": [
            html.Span(texts["symbol"], **{"aria-hidden": "true"}, className="decision-symbol"),
            " " + texts["decision"],
        ],
        "decision_class": f"decision decision-{explanation.decision}",
        "proba": texts["proba"],
        "threshold": texts["threshold_note"],
        "heading": texts["heading"],
        "grey": texts["grey"],
        "distance": texts["distance"],
        "gauge": summary.gauge(explanation.probability, explanation.threshold, grey_zone, lang),
        **with_caption("gauge", summary.gauge_caption(explanation, grey_zone, lang)),
        **table,
        "gauge_data": False,
        "reasons": summary.reason_items(factors(explanation, portfolio.category_levels, lang), lang),
        "facts": summary.fact_items(values, lang),
        "status": texts["status"],
    }


def register(app, services) -> None:
    register_callback(
        app,
        services,
        OUTPUTS,
        INPUTS,
        show_summary,
        message="status",
        unless_shown=("empty", "body", "threshold", "gauge_data"),
    )

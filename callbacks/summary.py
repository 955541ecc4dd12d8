"""Summary wiring: one client -> decision, probability against the threshold, main reasons, key facts.

A review recorded on the page (``review-saved``) runs it again: the advisor's decision is then the final one.
"""

from __future__ import annotations

from dash import Input, Output

from app.reviews import ReviewStoreUnavailable
from callbacks.common import CLIENT, LANG, outputs, register_callback, table_opened, triggered, viewed_client, was_opened
from layouts import summary
from layouts.charts import ChartIds, caption_outputs, with_caption
from layouts.explanation import factors
from layouts.i18n import language
from layouts.review import ids as review_ids
from layouts.selection import ids as sel
from layouts.summary import ids

OUTPUTS = outputs(
    empty=(ids.empty, "hidden"),
    body=(ids.body, "hidden"),
    decision=(ids.decision, "children"),
    decision_class=(ids.decision, "className"),
    final=(ids.final, "children"),
    final_hidden=(ids.final, "hidden"),
    final_class=(ids.final, "className"),
    title=(ids.title, "children"),
    proba=(ids.proba, "children"),
    threshold=(ids.threshold, "children"),
    heading=(ids.heading, "children"),
    grey=(ids.grey, "children"),
    distance=(ids.distance, "children"),
    gauge=(ChartIds(ids.gauge).img, "children"),
    **caption_outputs("gauge", ids.gauge),
    gauge_table=(ChartIds(ids.gauge).table, "children"),
    gauge_data=(ChartIds(ids.gauge).data, "hidden"),
    reasons=(ids.reasons, "children"),
    facts=(ids.facts, "children"),
    status=(sel.status, "children"),
)


INPUTS = {
    "client_id": CLIENT,
    "table_clicks": table_opened(ids.gauge),
    "review_saved": Input(review_ids.saved, "data"),
    "lang": LANG,
}
# The tab's title follows the summary (WCAG 2.4.2): set in the browser, where the document is.
SET_TITLE = """function (title) {
    if (title) { document.title = title; }
    return window.dash_clientside.no_update;
}"""


def final_review(services, client_id: int):
    """(latest review or None, whether the register answered)."""
    try:
        latest = services.reviews.history(client_id, limit=1)
    except ReviewStoreUnavailable:
        return None, False
    return (latest[0] if latest else None), True


def show_summary(services, *, client_id, lang, table_clicks=None, review_saved=None) -> dict:  # noqa: ARG001 - Dash input
    """The summary of one client; the gauge's data table only once its disclosure has been opened."""
    client_id = viewed_client(services, client_id, "summary")
    if client_id is None:
        tr = language(lang)
        # Silent: the summary's empty state says it on screen; the status speaks decisions only (layouts/status.py).
        return {"empty": False, "body": True, "status": "", "heading": tr._("Summary"), "title": summary.page_title(lang)}
    portfolio = services.portfolio
    grey_zone = services.artifacts.decision.grey_zone
    explanation = services.explanation(client_id)
    table = {"gauge_table": summary.gauge_table(explanation, grey_zone, lang)} if was_opened(table_clicks) else {}
    if triggered() == table_opened(ids.gauge).component_id:
        return table
    texts = summary.decision_texts(explanation, grey_zone, lang)
    row = services.client_row(client_id)
    values = {name: row.value(name) for name in summary.KEY_FACTS}
    final, answered = final_review(services, client_id)
    if final is not None:
        shown_final = {
            "final": summary.final_decision(final, lang),
            "final_class": f"decision decision-final-{final.decision}",
        }
        texts["status"] = summary.final_status(explanation, final, lang)
    elif not answered:
        shown_final = {"final": language(lang)._(summary.REGISTER_DOWN), "final_class": "decision-final-unknown small-print"}
    else:
        shown_final = {"final": "", "final_class": "decision decision-final"}
    return {
        "empty": True,
        "body": False,
        **shown_final,
        "final_hidden": final is None and answered,
        "title": summary.page_title(lang, explanation, final),
        "decision": summary.model_decision(texts, final is not None, lang),
        "decision_class": f"decision decision-{explanation.decision}" + (" decision-recommendation" if final else ""),
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
    app.clientside_callback(SET_TITLE, Output(ids.title, "title"), Input(ids.title, "children"))
    register_callback(
        app,
        services,
        OUTPUTS,
        INPUTS,
        show_summary,
        message="status",
        unless_shown=("empty", "body", "threshold", "gauge_data", "title", "final_hidden"),
    )

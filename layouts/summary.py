"""Summary band: what an advisor needs at a glance once a client is chosen.

The decision (words and symbol, never colour alone), the probability against the threshold and the grey
zone (an HTML gauge), the three main reasons in words, and the key facts of the application. Once an advisor
has recorded a review, its decision is the final one: shown first (who, when, why), the model's decision
beside it as a recommendation, and carried by the page title.
"""

from __future__ import annotations

import math

from dash import html

from layouts.charts import anchor, axis_ticks, chart_figure, data_table, marker_line, position, sep
from layouts.decision import credit_words, mark
from layouts.explanation import Factor, effect_text
from layouts.formatting import points_text, value_text
from layouts.i18n import language
from layouts.review import local_time, outcome_labels, reason_labels
from scoring.fields import N_
from scoring.portfolio import ClientExplanation
from scoring.review_rules import ReviewRecord

# Said where the final decision goes when the review register does not answer (the model's decision stays).
REGISTER_DOWN = N_("The review register does not answer: a final decision recorded by an advisor, if any, cannot be shown.")
KEY_FACTS = ("AGE_YEARS", "AMT_INCOME_TOTAL", "AMT_CREDIT", "AMT_ANNUITY", "NAME_CONTRACT_TYPE")
TOP_REASONS = 3


class ids:  # noqa: N801
    section = "summary"
    heading = "summary-heading"
    empty = "summary-empty"
    body = "summary-body"
    decision = "summary-decision"
    final = "summary-final"
    title = "page-title"  # the document's title, set in the browser (callbacks/summary.py)
    proba = "summary-proba"
    threshold = "summary-threshold"
    grey = "summary-grey"
    distance = "summary-distance"
    gauge = "gauge"
    reasons = "summary-reasons"
    facts = "summary-facts"


def decision_texts(explanation: ClientExplanation, grey_zone: tuple[float, float], lang: str) -> dict[str, str]:
    """All the words of the decision for one client."""
    tr = language(lang)
    gap = explanation.probability - explanation.threshold
    proba, threshold = tr.percent(explanation.probability, 1), tr.percent(explanation.threshold, 1)
    decision = credit_words(explanation.decision, lang)
    grey = tr._("Grey zone: close to the threshold, an advisor must review the file.") if explanation.in_grey_zone else ""
    distance = (
        tr._(
            "{points} above the {threshold} threshold: the risk exceeds what the bank accepts.",
            points=points_text(gap, lang),
            threshold=threshold,
        )
        if gap >= 0
        else tr._(
            "{points} below the {threshold} threshold: the risk is acceptable.",
            points=points_text(gap, lang),
            threshold=threshold,
        )
    )
    status = tr._(
        "Client {client}: {decision}, probability of default {proba}.",
        client=explanation.client_id,
        decision=decision.lower(),
        proba=proba,
    )
    if explanation.in_grey_zone:
        status += " " + tr._("Grey zone: review by an advisor required.")
    return {
        "decision": decision,
        "symbol": mark(explanation.decision),
        "proba": proba,
        "threshold": threshold,
        "threshold_note": tr._("(threshold: {threshold})", threshold=threshold),
        "heading": tr._("Summary for client {client}", client=explanation.client_id),
        "grey": grey,
        "distance": distance,
        "status": status,
    }


def page_title(lang: str, explanation: ClientExplanation | None = None, final: ReviewRecord | None = None) -> str:
    """The browser tab's title: the client and the decision that stands (the advisor's once recorded)."""
    tr = language(lang)
    if explanation is None:
        return tr._("Credit dashboard — Prêt à dépenser")
    if final is not None:
        return tr._(
            "Client {client}: {decision} by the advisor — Prêt à dépenser",
            client=explanation.client_id,
            decision=outcome_labels(lang)[final.decision].lower(),
        )
    decision = credit_words(explanation.decision, lang)
    return tr._("Client {client}: {decision} — Prêt à dépenser", client=explanation.client_id, decision=decision.lower())


def final_decision(record: ReviewRecord, lang: str) -> list:
    """The advisor's final decision: what, who, when and why, in one paragraph."""
    tr = language(lang)
    return [
        html.Span(mark(record.decision), **{"aria-hidden": "true"}, className="decision-symbol"),
        " ",
        html.Span(tr._("Final decision: "), className="label"),
        html.Strong(outcome_labels(lang)[record.decision]),
        html.Br(),
        html.Span(
            tr._(
                "Recorded by {advisor} on {when}. Reason: {reason}.",
                advisor=record.advisor,
                when=local_time(record.created_at, lang),
                reason=reason_labels(lang).get(record.reason, record.reason),
            ),
            className="final-by small-print",
        ),
    ]


def final_status(explanation: ClientExplanation, record: ReviewRecord, lang: str) -> str:
    """What the status line says once a client's file has a final decision."""
    tr = language(lang)
    model = credit_words(explanation.decision, lang)
    return tr._(
        "Client {client}: final decision {decision} (advisor {advisor}); the model recommended: {model}, "
        "probability of default {proba}.",
        client=explanation.client_id,
        decision=outcome_labels(lang)[record.decision].lower(),
        advisor=record.advisor,
        model=model.lower(),
        proba=tr.percent(explanation.probability, 1),
    )


def model_decision(texts: dict[str, str], reviewed: bool, lang: str) -> list:
    """The model's decision; after a review it is the model's recommendation, beside the final decision."""
    tr = language(lang)
    prefix = [html.Span(tr._("Model's recommendation: "), className="label")] if reviewed else []
    return [
        html.Span(texts["symbol"], **{"aria-hidden": "true"}, className="decision-symbol"),
        " ",
        *prefix,
        texts["decision"],
    ]


def gauge_top(probability: float, threshold: float) -> float:
    """Upper end of the gauge: readable around the threshold, always showing the client."""
    top = max(3 * threshold, probability * 1.15, 0.2)
    return min(math.ceil(top * 20) / 20, 1.0)  # round up to 5 %


def gauge(probability: float, threshold: float, grey_zone: tuple[float, float], lang: str) -> html.Div:
    """HTML gauge: three risk zones told apart by pattern and border, the threshold and the client marked."""
    tr = language(lang)
    top = gauge_top(probability, threshold)
    low, high = grey_zone
    zones = [
        ("zone-low", 0.0, low, tr._("Low risk")),
        ("zone-grey", low, min(high, top), tr._("Grey zone")),
        ("zone-high", min(high, top), top, tr._("High risk")),
    ]
    # At most five ticks: on a phone-width gauge with the user's text spacing they still do not touch.
    step = next(s for s in (0.05, 0.1, 0.2, 0.25, 0.5) if top / s <= 4 + 1e-9)
    ticks = [i * step for i in range(int(top / step + 1e-9) + 1)]
    client = position(probability, 0, top)
    client_class = "gauge-client " + ("gauge-client-refused" if probability >= threshold else "gauge-client-granted")
    return html.Div(
        className="gauge",
        children=[
            html.Div(
                className="gauge-track",
                children=[
                    *[
                        html.Span(
                            className=f"gauge-zone {css}",
                            style={
                                "left": f"{position(a, 0, top)}%",
                                "width": f"{position(b, 0, top) - position(a, 0, top)}%",
                            },
                        )
                        for css, a, b, _ in zones
                    ],
                    marker_line(
                        position(threshold, 0, top),
                        tr._("Threshold {value}", value=tr.percent(threshold, 1)),
                        "marker-threshold",
                    ),
                    html.Span(
                        className=client_class,
                        style={"left": f"{client}%"},
                        children=[
                            sep(" "),
                            html.Span(
                                tr._("▲ This client {value}", value=tr.percent(probability, 1)),
                                className=f"gauge-client-label {anchor(client, 40)}",
                            ),
                            sep(" "),
                        ],
                    ),
                ],
            ),
            axis_ticks([(position(v, 0, top), tr.percent(v, 0)) for v in ticks]),
            html.Ul(
                className="gauge-legend",
                children=[
                    html.Li(
                        [
                            html.Span(className=f"legend-swatch {css}", **{"aria-hidden": "true"}),
                            label,
                            " ",
                            _zone_range(a, b, top, lang),
                        ]
                    )
                    for css, a, b, label in zones
                ],
            ),
        ],
    )


def _zone_range(a: float, b: float, top: float, lang: str) -> str:
    tr = language(lang)
    if a <= 0:
        return tr._("(below {value})", value=tr.percent(b, 1))
    if b >= top:
        return tr._("(from {value})", value=tr.percent(a, 1))
    return tr._("({low} to {high})", low=tr.percent(a, 1), high=tr.percent(b, 1))


def gauge_caption(explanation: ClientExplanation, grey_zone: tuple[float, float], lang: str) -> str:
    tr = language(lang)
    where = tr._("above") if explanation.probability >= explanation.threshold else tr._("below")
    return tr._(
        "Probability of default {proba}, {where} the {threshold} threshold. Low risk below {low}, grey zone from "
        "{low} to {high} (reviewed by an advisor), high risk above.",
        proba=tr.percent(explanation.probability, 1),
        where=where,
        threshold=tr.percent(explanation.threshold, 1),
        low=tr.percent(grey_zone[0], 1),
        high=tr.percent(grey_zone[1], 1),
    )


def gauge_table(explanation: ClientExplanation, grey_zone: tuple[float, float], lang: str) -> html.Table:
    tr = language(lang)
    rows = [
        [tr._("Probability of default"), tr.percent(explanation.probability, 1)],
        [tr._("Decision threshold"), tr.percent(explanation.threshold, 1)],
        [tr._("Grey zone"), tr._("({low} to {high})", low=tr.percent(grey_zone[0], 1), high=tr.percent(grey_zone[1], 1))],
    ]
    return data_table(tr._("Probability of default and threshold"), [tr._("Item"), tr._("Value")], rows)


def reason_items(items: list[Factor], lang: str, n: int = TOP_REASONS) -> list[html.Li]:
    """The n main reasons: n different families, each in words with its effect in points and the client's values;
    the family's help opens under it (a native disclosure: keyboard and screen readers need nothing more)."""
    tr = language(lang)
    named = [f for f in items if f.name][:n]
    return [
        html.Li(
            html.Details(
                className="reason",
                children=[
                    html.Summary(
                        [
                            html.Span(
                                "↑ " if f.contribution >= 0 else "↓ ", **{"aria-hidden": "true"}, className="reason-arrow"
                            ),
                            html.Span(f.label, className="reason-label"),
                            " — ",
                            html.Span(effect_text(f, lang), className="up" if f.contribution >= 0 else "down"),
                            html.Br(),
                            html.Span(
                                tr._("This client: {values}", values=f.value_text) if f.value_text else "",
                                className="reason-values small-print",
                            ),
                        ]
                    ),
                    html.P(f.help, className="reason-help small-print"),
                ],
            )
        )
        for f in named
    ]


def fact_items(values: dict[str, object], lang: str) -> list:
    tr = language(lang)
    return [
        part for name in KEY_FACTS for part in (html.Dt(tr.field(name)), html.Dd(value_text(name, values.get(name), lang)))
    ]


def layout(lang: str, cost_ratio: float) -> html.Section:
    tr = language(lang)
    return html.Section(
        id=ids.section,
        **{"aria-labelledby": ids.heading},
        className="view view-summary",
        children=[
            html.H2(tr._("Summary"), id=ids.heading, disable_n_clicks=True),
            html.Span(page_title(lang), id=ids.title, hidden=True),
            html.P(
                tr._("Choose a client to see their score, decision and main reasons."), id=ids.empty, className="empty-state"
            ),
            html.Div(
                id=ids.body,
                hidden=True,
                className="summary-grid",
                children=[
                    html.Div(
                        className="summary-decision",
                        children=[
                            html.H3(tr._("Decision"), className="visually-hidden"),
                            html.P(id=ids.final, className="decision decision-final", hidden=True),
                            html.P(id=ids.decision, className="decision"),
                            html.P(
                                [
                                    html.Span(tr._("Probability of default: "), className="label"),
                                    html.Strong(id=ids.proba, className="score-proba"),
                                    " ",
                                    html.Span(id=ids.threshold, className="threshold-note"),
                                ]
                            ),
                            html.P(id=ids.grey, className="grey-zone"),
                            chart_figure(
                                ids.gauge, tr._("Probability of default and threshold"), lang, [], caption_hidden=True
                            ),
                            html.P(id=ids.distance, className="distance small-print"),
                            html.P(
                                tr._(
                                    "The threshold minimises the expected cost: granting credit to a client who defaults "
                                    "costs {ratio} times as much as refusing a good client.",
                                    ratio=tr.number(cost_ratio, 0 if float(cost_ratio).is_integer() else 1),
                                ),
                                className="small-print",
                            ),
                        ],
                    ),
                    html.Div(
                        className="summary-reasons",
                        children=[
                            html.H3(tr._("Main reasons")),
                            html.P(tr._("Open a reason to see what it covers."), className="small-print"),
                            html.Ol(id=ids.reasons, className="reasons"),
                            html.A(tr._("Every factor, in detail"), href="#why", className="detail-link"),
                        ],
                    ),
                    html.Div(
                        className="summary-facts",
                        children=[
                            html.H3(tr._("Key facts")),
                            html.Dl(id=ids.facts, className="client-facts"),
                            # The card is built when its disclosure opens: the link opens it too (assets/a11y.js).
                            html.A(
                                tr._("The full client card"),
                                href="#card",
                                className="detail-link",
                                **{"data-opens": "card-open"},
                            ),
                            html.Br(),
                            html.A(tr._("Compare with other clients"), href="#compare", className="detail-link"),
                        ],
                    ),
                ],
            ),
        ],
    )

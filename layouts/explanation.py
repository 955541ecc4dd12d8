"""Why view: what drove the decision for this client (waterfall, plain-language paragraph) and in general.

The contributions are SHAP values on the calibrated log-odds scale: they add up from the average
client to this client. The waterfall draws them as HTML bars on that scale, labelled in probabilities,
with the threshold and the average client marked; factor names are text beside the bars.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from dash import html

from layouts.charts import axis_ticks, chart_figure, data_table, marker_line, position, sep
from layouts.formatting import signed, value_text
from layouts.i18n import language
from scoring.calibration import sigmoid
from scoring.fields import FIELDS
from scoring.portfolio import ClientExplanation

TOP_FACTORS = 10
TOP_GLOBAL = 15
NOTABLE = 0.02  # |log-odds| below this is not worth a sentence
_PROBABILITY_TICKS = (0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9)


class ids:  # noqa: N801
    section = "why"
    heading = "why-heading"
    paragraph = "why-paragraph"
    waterfall = "waterfall"
    importance = "importance"


@dataclass(frozen=True)
class Factor:
    name: str  # feature name, or "" for the grouped rest
    label: str  # "Montant du crédit : 450 000 €"
    short: str  # "montant du crédit (450 000 €)"
    value_text: str
    contribution: float


def feature_value_text(name: str, value: float, category_levels: dict[str, list[str]], lang: str) -> str:
    """A model feature's value in words; categorical features are stored as codes of the transform."""
    if FIELDS[name].categorical:
        levels = category_levels.get(name, [])
        if value is None or (isinstance(value, float) and math.isnan(value)) or not 0 <= int(value) < len(levels):
            return language(lang)._("not provided")
        return value_text(name, levels[int(value)], lang)
    return value_text(name, value, lang)


def factors(
    explanation: ClientExplanation, category_levels: dict[str, list[str]], lang: str, top: int = TOP_FACTORS
) -> list[Factor]:
    """Top contributions by absolute size, then the rest grouped as one 'other factors' line."""
    tr = language(lang)
    ranked = sorted(explanation.contributions.items(), key=lambda kv: -abs(kv[1]))
    out = []
    for name, contribution in ranked[:top]:
        text = feature_value_text(name, explanation.feature_values[name], category_levels, lang)
        label = tr.field(name)
        out.append(
            Factor(
                name,
                tr._("{label}: {value}", label=label, value=text),
                tr._("{label} ({value})", label=label[0].lower() + label[1:], value=text),
                text,
                contribution,
            )
        )
    rest = ranked[top:]
    if rest:
        label = tr.ngettext("Other factor ({n})", "Other factors ({n})", len(rest))
        out.append(Factor("", label, label, "", float(sum(v for _, v in rest))))
    return out


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def effect_word(contribution: float, lang: str) -> str:
    tr = language(lang)
    return tr._("raises the risk") if contribution >= 0 else tr._("lowers the risk")


def waterfall_scale(explanation: ClientExplanation, items: list[Factor]) -> tuple[float, float]:
    """Log-odds range showing every step, the threshold and the average client, with a margin."""
    cumulative = explanation.base_value + np.cumsum([0, *[f.contribution for f in items]])
    marks = [*cumulative, explanation.margin, _logit(explanation.threshold)]
    return min(marks) - 0.3, max(marks) + 0.3


def waterfall(explanation: ClientExplanation, items: list[Factor], lang: str) -> html.Div:
    """HTML waterfall from the average client to this client: one row per factor, bars on a shared scale.

    Few elements per row (a bar is placed in its grid cell, with no track around it): the chart is rebuilt for
    every client, and each Dash component it holds costs the page a store update."""
    tr = language(lang)
    low, high = waterfall_scale(explanation, items)
    rows, start = [], explanation.base_value
    for item in items:
        end = start + item.contribution
        left, right = sorted((position(start, low, high), position(end, low, high)))
        up = item.contribution >= 0
        rows.append(
            html.Div(
                className="wf-row",
                children=[
                    html.Span(item.label, className="wf-label"),
                    sep(),
                    html.Span(
                        className=f"wf-bar {'wf-up' if up else 'wf-down'}",
                        style={"left": f"{left}%", "width": f"{max(right - left, 0.4)}%"},
                    ),
                    html.Span(f"{'↑' if up else '↓'} {signed(item.contribution, 2, lang)}", className="wf-value"),
                ],
            )
        )
        start = end
    left, right = sorted((position(explanation.base_value, low, high), position(explanation.margin, low, high)))
    rows.append(
        html.Div(
            className="wf-row wf-total",
            children=[
                html.Span(tr._("This client"), className="wf-label"),
                sep(),
                html.Span(className="wf-bar wf-sum", style={"left": f"{left}%", "width": f"{max(right - left, 0.4)}%"}),
                html.Span(tr.percent(explanation.probability, 1), className="wf-value"),
            ],
        )
    )
    ticks = [p for p in _PROBABILITY_TICKS if low <= _logit(p) <= high]
    average = float(sigmoid(explanation.base_value))
    return html.Div(
        className="hbar waterfall-chart",
        children=[
            html.Div(
                className="wf-rows",
                children=[
                    html.Div(
                        className="wf-markers",
                        children=[
                            marker_line(
                                position(_logit(explanation.threshold), low, high),
                                tr._("Threshold {value}", value=tr.percent(explanation.threshold, 1)),
                                "marker-threshold",
                            ),
                            marker_line(
                                position(explanation.base_value, low, high),
                                tr._("Average client {value}", value=tr.percent(average, 1)),
                                "marker-average",
                            ),
                        ],
                    ),
                    *rows,
                ],
            ),
            html.Div(
                className="wf-axis-row",
                children=axis_ticks([(position(_logit(p), low, high), tr.percent(p, 1 if p < 0.01 else 0)) for p in ticks]),
            ),
            html.P(tr._("Probability of default (logistic scale)"), className="hbar-axis-title", **{"aria-hidden": "true"}),
        ],
    )


def waterfall_rows(explanation: ClientExplanation, items: list[Factor], lang: str) -> list[list[str]]:
    """The chart's data: start, each factor, end and threshold, in words a reader checks against the bars."""
    tr = language(lang)
    average = float(sigmoid(explanation.base_value))
    rows = [[tr._("Average client"), tr._("starting point"), "", tr.percent(average, 1)]]
    rows += [[f.label, effect_word(f.contribution, lang), signed(f.contribution, 3, lang), ""] for f in items]
    rows.append([tr._("This client"), tr._("result"), "", tr.percent(explanation.probability, 1)])
    rows.append([tr._("Decision threshold"), tr._("refused at or above"), "", tr.percent(explanation.threshold, 1)])
    return rows


def waterfall_table(explanation: ClientExplanation, items: list[Factor], lang: str) -> html.Table:
    tr = language(lang)
    header = [tr._("Factor"), tr._("Effect"), tr._("Weight (log-odds)"), tr._("Probability of default")]
    return data_table(tr._("Contributions to the score"), header, waterfall_rows(explanation, items, lang))


def waterfall_caption(explanation: ClientExplanation, items: list[Factor], lang: str) -> str:
    tr = language(lang)
    first = next((f for f in items if f.name), None)
    main = (
        "—"
        if first is None
        else tr._("{factor}, which {effect}", factor=first.short, effect=effect_word(first.contribution, lang))
    )
    return tr._(
        "From the average client ({base}) to this client ({proba}); the threshold is {threshold}. "
        "Bars to the right raise the risk, bars to the left lower it. Main factor: {first}.",
        base=tr.percent(float(sigmoid(explanation.base_value)), 1),
        proba=tr.percent(explanation.probability, 1),
        threshold=tr.percent(explanation.threshold, 1),
        first=main,
    )


def explanation_paragraph(explanation: ClientExplanation, items: list[Factor], lang: str) -> str:
    """Plain-language summary: where the model starts, what pushes up, what pushes down."""
    tr = language(lang)
    named = [f for f in items if f.name]
    up = [f.short for f in named if f.contribution >= NOTABLE][:3]
    down = [f.short for f in named if f.contribution <= -NOTABLE][:3]
    sentences = [
        tr._(
            "Starting from an average client ({base}), the model reaches {proba} for this client.",
            base=tr.percent(float(sigmoid(explanation.base_value)), 1),
            proba=tr.percent(explanation.probability, 1),
        ),
        tr._("What raises the risk most: {items}.", items=join_words(up, lang))
        if up
        else tr._("Nothing raises the risk markedly."),
        tr._("What lowers it most: {items}.", items=join_words(down, lang))
        if down
        else tr._("Nothing lowers the risk markedly."),
    ]
    return " ".join(sentences)


def join_words(items: list[str], lang: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    return language(lang)._("{items} and {last}", items=", ".join(items[:-1]), last=items[-1])


def importance_order(importance: np.ndarray, top: int = TOP_GLOBAL) -> list[int]:
    return [int(i) for i in np.argsort(-np.asarray(importance), kind="stable")[:top]]


def importance_chart(importance: np.ndarray, features: list[str], lang: str, top: int = TOP_GLOBAL) -> html.Div:
    """Horizontal HTML bars of mean |SHAP|, largest first."""
    tr = language(lang)
    order = importance_order(importance, top)
    largest = float(importance[order[0]]) if order else 1.0
    return html.Div(
        className="hbar importance-chart",
        children=[
            html.Div(
                className="wf-row",
                children=[
                    html.Span(tr.field(features[i]), className="wf-label"),
                    sep(),
                    html.Span(
                        className="wf-bar wf-importance",
                        style={"left": "0%", "width": f"{position(float(importance[i]), 0, largest)}%"},
                    ),
                    html.Span(tr.number(float(importance[i]), 3), className="wf-value"),
                ],
            )
            for i in order
        ],
    )


def importance_table(importance: np.ndarray, features: list[str], lang: str, top: int = TOP_GLOBAL) -> html.Table:
    tr = language(lang)
    rows = [[tr.field(features[i]), tr.number(float(importance[i]), 3)] for i in importance_order(importance, top)]
    return data_table(tr._("Mean importance of the factors"), [tr._("Factor"), tr._("Mean weight (|log-odds|)")], rows)


def layout(lang: str, importance: np.ndarray, features: list[str]) -> html.Section:
    tr = language(lang)
    first = tr.field(features[int(np.argmax(importance))])
    n = min(TOP_GLOBAL, len(importance))
    return html.Section(
        id=ids.section,
        **{"aria-labelledby": ids.heading},
        className="view",
        children=[
            html.H2(tr._("Why this decision?"), id=ids.heading, disable_n_clicks=True),
            html.H3(tr._("What mattered for this client")),
            html.P(tr._("Choose a client to see what mattered."), id=ids.paragraph, className="lead-text empty-state"),
            html.P(
                tr._(
                    "How to read it: the model's score is split between the client's characteristics (SHAP method). "
                    "Each weight moves the score on a logistic (log-odds) scale; weights add up from the average "
                    "client to this client."
                ),
                className="small-print",
            ),
            chart_figure(
                ids.waterfall,
                tr._("Contributions to the score"),
                lang,
                [],
                caption=tr._("The chart appears when a client is chosen."),
                hidden=True,
            ),
            html.H3(tr._("What matters in general")),
            chart_figure(
                ids.importance,
                tr._("Mean importance of the factors"),
                lang,
                importance_chart(importance, features, lang),
                caption=tr.ngettext(
                    "The factor that weighs most on average over the portfolio is {first}.",
                    "The {n} factors that weigh most on average over the portfolio; first: {first}. "
                    "Compare with this client's own factors.",
                    n,
                    first=first,
                ),
            ),  # its data table is built when its disclosure is first opened (callbacks.common.table_opened)
        ],
    )

"""Why view: SHAP waterfall for the client, plain-French paragraph, global importance."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from dash import html

from layouts import palette
from layouts.charts import accessible_graph, axis, base_layout, data_table, empty_figure, label, vertical_line, wrap_label
from layouts.formatting import feature_value, number, percent, signed
from layouts.i18n import level, t
from scoring.calibration import sigmoid
from scoring.features import FEATURES
from scoring.portfolio import ClientExplanation

TOP_FACTORS = 10
TOP_GLOBAL = 15
NOTABLE = 0.02  # |log-odds| below this is not worth a sentence
_FEATURE = {f.name: f for f in FEATURES}
_PROBABILITY_TICKS = (0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9)


@dataclass(frozen=True)
class Factor:
    name: str  # feature name, or "" for the grouped rest
    label: str  # "Montant du crédit : 450 000 €"
    short: str  # "montant du crédit (450 000 €)"
    value_text: str
    contribution: float


def value_text(name: str, value: float, category_levels: dict[str, list[str]], lang: str) -> str:
    feature = _FEATURE[name]
    if feature.categorical:
        levels = category_levels.get(name, [])
        if value is None or (isinstance(value, float) and math.isnan(value)) or not 0 <= int(value) < len(levels):
            return t("why.missing", lang)
        return level(name, levels[int(value)], lang)
    return feature_value(name, value, lang)


def factors(
    explanation: ClientExplanation, category_levels: dict[str, list[str]], lang: str, top: int = TOP_FACTORS
) -> list[Factor]:
    """Top contributions by absolute size, then the rest grouped as one 'other factors' line."""
    ranked = sorted(explanation.contributions.items(), key=lambda kv: -abs(kv[1]))
    out = []
    for name, contribution in ranked[:top]:
        text = value_text(name, explanation.feature_values[name], category_levels, lang)
        label = t(f"feature.{name}", lang)
        sep = t("punct.colon", lang)
        out.append(Factor(name, f"{label}{sep}{text}", f"{label[0].lower()}{label[1:]} ({text})", text, contribution))
    rest = ranked[top:]
    if rest:
        label = t("why.others", lang, n=len(rest))
        out.append(Factor("", label, label, "", float(sum(v for _, v in rest))))
    return out


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def waterfall_figure(explanation: ClientExplanation, items: list[Factor], lang: str) -> dict:
    """Horizontal waterfall in log-odds from the average client to this client, ticks in probabilities.

    Drawn with bars that start where the previous one ended (``base``), not plotly's waterfall trace:
    the page ships a partial plotly.js bundle (bar, scatter, heatmap) and no official one has waterfall too.
    """
    labels = [*[wrap_label(f.label) for f in items], t("why.final", lang)]
    steps = [f.contribution for f in items]
    cumulative = explanation.base_value + np.cumsum([0.0, *steps])
    # Each factor's bar runs from the running total before it to the one after; the last bar, in grey,
    # spans average client -> this client.
    bases = [*[float(c) for c in cumulative[:-1]], explanation.base_value]
    lengths = [*steps, float(cumulative[-1] - explanation.base_value)]
    colours = [*[palette.RISK_UP if s >= 0 else palette.RISK_DOWN for s in steps], palette.NEUTRAL]
    texts = [f"{'↑' if s >= 0 else '↓'} {signed(s, 2, lang)}" for s in steps]
    texts.append(percent(explanation.probability, 1, lang))
    low = min(cumulative.min(), explanation.margin, _logit(explanation.threshold)) - 0.4
    high = max(cumulative.max(), explanation.margin, _logit(explanation.threshold)) + 0.4
    ticks = [p for p in _PROBABILITY_TICKS if low <= _logit(p) <= high]
    trace = {
        "type": "bar",
        "orientation": "h",
        "y": labels,
        "x": lengths,
        "base": bases,
        "width": 0.8,
        "marker": {"color": colours},
        "text": texts,
        "textposition": "outside",
        "cliponaxis": False,
        "textfont": {"color": palette.TEXT, "size": 12},
    }
    # Connectors, as plotly's waterfall draws them: from the end of each bar down to the next one.
    connectors = [
        {
            "type": "line",
            "layer": "below",
            "x0": float(x),
            "x1": float(x),
            "y0": row + 0.4,
            "y1": row + 0.6,
            "yref": "y",
            "line": {"color": palette.GRID, "width": 1},
        }
        for row, x in enumerate(cumulative[1:])
    ]
    threshold_x = _logit(explanation.threshold)
    base_text = f"{t('why.base', lang)} {percent(float(sigmoid(explanation.base_value)), 1, lang)}"
    lines = [
        (threshold_x, f"{t('gauge.threshold', lang)} {percent(explanation.threshold, 1, lang)}", "dash", 1.0),
        (explanation.base_value, base_text, "dot", 1.07),
    ]
    return {
        "data": [trace],
        "layout": base_layout(
            height=120 + 44 * len(labels),
            margin={"l": 10, "r": 70, "t": 80, "b": 50},
            xaxis=axis(
                t("why.waterfall_axis", lang),
                range=[low, high],
                tickvals=[_logit(p) for p in ticks],
                ticktext=[percent(p, 1 if p < 0.01 else 0, lang) for p in ticks],
            ),
            yaxis=axis(autorange="reversed", type="category"),
            shapes=[*connectors, *[vertical_line(x, palette.TEXT, 2, dash) for x, _, dash, _ in lines]],
            annotations=[label(x, y, text) for x, text, _, y in lines],
        ),
    }


def waterfall_rows(items: list[Factor], lang: str) -> list[list[str]]:
    return [
        [f.label, t("why.raises" if f.contribution >= 0 else "why.lowers", lang), signed(f.contribution, 3, lang)]
        for f in items
    ]


def waterfall_table(items: list[Factor], lang: str) -> html.Table:
    header = [t("table.factor", lang), t("table.effect", lang), t("table.contribution", lang)]
    return data_table("waterfall-table-inner", t("why.waterfall_title", lang), header, waterfall_rows(items, lang))


def waterfall_aria(explanation: ClientExplanation, items: list[Factor], lang: str) -> str:
    first = items[0] if items else None
    first_text = (
        "—" if first is None else (f"{first.label} ({t('why.raises' if first.contribution >= 0 else 'why.lowers', lang)})")
    )
    return t(
        "why.waterfall_aria",
        lang,
        base=percent(float(sigmoid(explanation.base_value)), 1, lang),
        proba=percent(explanation.probability, 1, lang),
        first=first_text,
    )


def explanation_paragraph(explanation: ClientExplanation, items: list[Factor], lang: str) -> str:
    """Plain-language summary: where the model starts, what pushes up, what pushes down."""
    named = [f for f in items if f.name]
    up = [f.short for f in named if f.contribution >= NOTABLE][:3]
    down = [f.short for f in named if f.contribution <= -NOTABLE][:3]
    sentences = [
        t(
            "why.paragraph_start",
            lang,
            base=percent(float(sigmoid(explanation.base_value)), 1, lang),
            proba=percent(explanation.probability, 1, lang),
        )
    ]
    sentences.append(t("why.paragraph_up", lang, items=join_words(up, lang)) if up else t("why.paragraph_none_up", lang))
    sentences.append(
        t("why.paragraph_down", lang, items=join_words(down, lang)) if down else t("why.paragraph_none_down", lang)
    )
    return " ".join(sentences)


def join_words(items: list[str], lang: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + t("punct.and", lang) + items[-1]


def importance_figure(importance: np.ndarray, lang: str, top: int = TOP_GLOBAL) -> dict:
    order = np.argsort(-np.asarray(importance))[:top]
    labels = [wrap_label(t(f"feature.{FEATURES[i].name}", lang)) for i in order]
    values = [float(importance[i]) for i in order]
    return {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "y": labels,
                "x": values,
                "marker": {"color": palette.RISK_DOWN},
                "text": [number(v, 3, lang) for v in values],
                "textposition": "outside",
                "cliponaxis": False,
                "textfont": {"color": palette.TEXT},
            }
        ],
        "layout": base_layout(
            height=100 + 36 * len(labels),
            margin={"l": 10, "r": 60, "t": 50, "b": 50},
            xaxis=axis(t("why.importance_axis", lang)),
            yaxis=axis(autorange="reversed", type="category"),
        ),
    }


def importance_table(importance: np.ndarray, lang: str, top: int = TOP_GLOBAL) -> html.Table:
    order = np.argsort(-np.asarray(importance))[:top]
    rows = [[t(f"feature.{FEATURES[i].name}", lang), number(float(importance[i]), 3, lang)] for i in order]
    return data_table(
        "importance-table-inner",
        t("why.importance_title", lang),
        [t("table.factor", lang), t("table.importance", lang)],
        rows,
    )


def explanation_view(lang: str, importance: np.ndarray) -> html.Section:
    first = t(f"feature.{FEATURES[int(np.argmax(importance))].name}", lang)
    return html.Section(
        id="why",
        **{"aria-labelledby": "why-heading"},
        className="view",
        children=[
            html.H2(t("why.heading", lang), id="why-heading"),
            html.H3(t("why.local_heading", lang)),
            html.P(t("why.placeholder", lang), id="why-paragraph", className="lead-text"),
            accessible_graph("waterfall", t("why.waterfall_title", lang), lang, empty_figure()),
            html.H3(t("why.global_heading", lang)),
            accessible_graph(
                "importance",
                t("why.importance_title", lang),
                lang,
                importance_figure(importance, lang),
                label=t("why.importance_aria", lang, n=min(TOP_GLOBAL, len(importance)), first=first),
                caption=t("why.importance_caption", lang, first=first),
                table=importance_table(importance, lang),
            ),
        ],
    )

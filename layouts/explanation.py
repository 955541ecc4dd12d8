"""Why view: what drove the decision for this client (waterfall, plain-language paragraph) and in general.

Reasons are families of related model features (scoring/reasons.py), each with its contribution in percentage
points of probability: from the average client's probability, the families' points add up to this client's.
The waterfall draws them as HTML bars on a probability scale, with the threshold and the average client
marked; family names, the client's values in words and the points are text beside the bars.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from dash import html

from layouts.charts import axis_ticks, chart_figure, data_table, marker_line, position, sep
from layouts.formatting import points_text, value_text
from layouts.i18n import language
from scoring.fields import FIELDS
from scoring.portfolio import ClientExplanation
from scoring.reasons import FAMILIES, Family, FamilyReason, average_probability, family_of, family_reasons

TOP_FACTORS = 12  # every family: there are fewer than this
TOP_GLOBAL = 12
NOTABLE = 0.002  # below 0.2 percentage point a family is not worth a sentence
VALUES_SHOWN = 2  # a family's values in words: its two weightiest features with a value
EXTERNAL_SCORES = ("EXT_SOURCE_1", "EXT_SOURCE_2", "EXT_SOURCE_3")


class ids:  # noqa: N801
    section = "why"
    heading = "why-heading"
    paragraph = "why-paragraph"
    waterfall = "waterfall"
    importance = "importance"


@dataclass(frozen=True)
class Factor:
    name: str  # family key, or "" for the grouped rest
    label: str  # "Montant et mensualité au regard des revenus"
    short: str  # "montant et mensualité au regard des revenus (crédit = 3,20 × revenu)"
    value_text: str  # the client's values in words, or why they are missing
    contribution: float  # probability points: 0.051 = +5.1 points
    help: str = ""
    missing: bool = False


def feature_value_text(name: str, value: float, category_levels: dict[str, list[str]], lang: str) -> str:
    """A model feature's value in words; categorical features are stored as codes of the transform."""
    if FIELDS[name].categorical:
        levels = category_levels.get(name, [])
        if value is None or (isinstance(value, float) and math.isnan(value)) or not 0 <= int(value) < len(levels):
            return language(lang)._("not provided")
        return value_text(name, levels[int(value)], lang)
    return value_text(name, value, lang)


def family_values(
    reason: FamilyReason, explanation: ClientExplanation, category_levels: dict[str, list[str]], lang: str
) -> str:
    """The client's values behind a family, in words; a family without any value says what the model relies on."""
    tr = language(lang)
    if reason.missing:
        return tr._("not provided: the model then relies on {fallback}", fallback=tr._(reason.family.fallback))
    if reason.key == "external":
        given = [n for n in EXTERNAL_SCORES if n in reason.provided]
        total = len([n for n in EXTERNAL_SCORES if n in reason.features])
        mean = explanation.feature_values.get("EXT_SOURCE_MEAN")
        scores = " / ".join(tr.number(explanation.feature_values[n], 2) for n in given)  # "0,42, 0,03" would be ambiguous
        return tr._(
            "scores provided: {given} of {total} ({scores}; from 0 to 1, higher is safer)",
            given=len(given),
            total=total,
            scores=scores if given else tr.number(mean or 0, 2),
        )
    # Normalised measures without a unit mean nothing to a reader: shown only when nothing else is.
    shown = [n for n in reason.provided if FIELDS[n].kind != "normalised"] or list(reason.provided)
    parts = []
    for name in shown[:VALUES_SHOWN]:
        label = tr.field(name)
        parts.append(
            tr._(
                "{label}: {value}",
                label=label[0].lower() + label[1:],
                value=feature_value_text(name, explanation.feature_values[name], category_levels, lang),
            )
        )
    return join_words(parts, lang)


def factors(
    explanation: ClientExplanation, category_levels: dict[str, list[str]], lang: str, top: int = TOP_FACTORS
) -> list[Factor]:
    """One line per reason family, largest effect first, in probability points (they add up to p - p_average)."""
    tr = language(lang)
    ranked = family_reasons(explanation)
    out = []
    for reason in ranked[:top]:
        label = tr._(reason.family.label)
        values = family_values(reason, explanation, category_levels, lang)
        out.append(
            Factor(
                reason.key,
                label,
                tr._("{label} ({value})", label=label[0].lower() + label[1:], value=values) if values else label.lower(),
                values,
                reason.points,
                tr._(reason.family.help),
                reason.missing,
            )
        )
    rest = ranked[top:]
    if rest:
        label = tr.ngettext("Other factor ({n})", "Other factors ({n})", len(rest))
        out.append(Factor("", label, label, "", float(sum(r.points for r in rest))))
    return out


def effect_word(contribution: float, lang: str) -> str:
    tr = language(lang)
    return tr._("raises the risk") if contribution >= 0 else tr._("lowers the risk")


def effect_text(item: Factor, lang: str) -> str:
    """Direction and size in words: "raises the risk by 5.1 points". A missing value is not called good news."""
    tr = language(lang)
    size = points_text(item.contribution, lang)
    if item.missing:
        return tr._("counts for {points} in the score", points=points_text(item.contribution, lang, sign=True))
    if item.contribution >= 0:
        return tr._("raises the risk by {points}", points=size)
    return tr._("lowers the risk by {points}", points=size)


def waterfall_scale(explanation: ClientExplanation, items: list[Factor]) -> tuple[float, float]:
    """Probability range showing every step, the threshold and the average client, with a margin."""
    cumulative = average_probability(explanation) + np.cumsum([0, *[f.contribution for f in items]])
    marks = [*cumulative, explanation.probability, explanation.threshold]
    low, high = min(marks), max(marks)
    margin = max(0.02, 0.08 * (high - low))
    return max(low - margin, 0.0), min(high + margin, 1.0)


def _ticks(low: float, high: float) -> list[float]:
    step = next(s for s in (0.01, 0.02, 0.05, 0.1, 0.2, 0.25) if (high - low) / s <= 6)
    first = math.ceil(low / step - 1e-9)
    return [round(i * step, 6) for i in range(first, int(high / step + 1e-9) + 1)]


def waterfall(explanation: ClientExplanation, items: list[Factor], lang: str) -> html.Div:
    """HTML waterfall from the average client to this client: one row per family, bars on a probability scale.

    Few elements per row (a bar is placed in its grid cell, with no track around it): the chart is rebuilt for
    every client, and each Dash component it holds costs the page a store update."""
    tr = language(lang)
    low, high = waterfall_scale(explanation, items)
    average = average_probability(explanation)
    rows, start = [], average
    for item in items:
        end = start + item.contribution
        left, right = sorted((position(start, low, high), position(end, low, high)))
        up = item.contribution >= 0
        rows.append(
            html.Div(
                className="wf-row",
                children=[
                    html.Span(item.short[:1].upper() + item.short[1:], className="wf-label"),
                    sep(),
                    html.Span(
                        className=f"wf-bar {'wf-up' if up else 'wf-down'}",
                        style={"left": f"{left}%", "width": f"{max(right - left, 0.4)}%"},
                    ),
                    html.Span(
                        f"{'↑' if up else '↓'} {points_text(item.contribution, lang, sign=True)}", className="wf-value"
                    ),
                ],
            )
        )
        start = end
    left, right = sorted((position(average, low, high), position(explanation.probability, low, high)))
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
                                position(explanation.threshold, low, high),
                                tr._("Threshold {value}", value=tr.percent(explanation.threshold, 1)),
                                "marker-threshold",
                                beside=True,
                            ),
                            marker_line(
                                position(average, low, high),
                                tr._("Average client {value}", value=tr.percent(average, 1)),
                                "marker-average",
                                beside=True,
                            ),
                        ],
                    ),
                    *rows,
                ],
            ),
            html.Div(
                className="wf-axis-row",
                children=axis_ticks([(position(p, low, high), tr.percent(p, 0)) for p in _ticks(low, high)]),
            ),
            html.P(tr._("Probability of default"), className="hbar-axis-title", **{"aria-hidden": "true"}),
        ],
    )


def waterfall_rows(explanation: ClientExplanation, items: list[Factor], lang: str) -> list[list[str]]:
    """The chart's data: start, each family, end and threshold, in words a reader checks against the bars."""
    tr = language(lang)
    rows = [[tr._("Average client"), tr._("starting point"), "", "", tr.percent(average_probability(explanation), 1)]]
    rows += [
        [f.label, f.value_text, effect_word(f.contribution, lang), points_text(f.contribution, lang, sign=True), ""]
        for f in items
    ]
    rows.append([tr._("This client"), "", tr._("result"), "", tr.percent(explanation.probability, 1)])
    rows.append([tr._("Decision threshold"), "", tr._("refused at or above"), "", tr.percent(explanation.threshold, 1)])
    return rows


def waterfall_table(explanation: ClientExplanation, items: list[Factor], lang: str) -> html.Table:
    tr = language(lang)
    header = [
        tr._("Reason"),
        tr._("This client"),
        tr._("Effect"),
        tr._("Percentage points"),
        tr._("Probability of default"),
    ]
    return data_table(tr._("Contributions to the score"), header, waterfall_rows(explanation, items, lang))


def waterfall_caption(explanation: ClientExplanation, items: list[Factor], lang: str) -> str:
    tr = language(lang)
    first = next((f for f in items if f.name), None)
    main = (
        "—"
        if first is None
        else tr._("{factor}, which {effect}", factor=first.label.lower(), effect=effect_text(first, lang))
    )
    return tr._(
        "From the average client ({base}) to this client ({proba}); the threshold is {threshold}. "
        "Bars to the right raise the risk, bars to the left lower it. Main factor: {first}.",
        base=tr.percent(average_probability(explanation), 1),
        proba=tr.percent(explanation.probability, 1),
        threshold=tr.percent(explanation.threshold, 1),
        first=main,
    )


def explanation_paragraph(explanation: ClientExplanation, items: list[Factor], lang: str) -> str:
    """Plain-language summary: where the model starts, what pushes up, what pushes down, what is missing."""
    tr = language(lang)
    named = [f for f in items if f.name and not f.missing]
    up = [f.short for f in named if f.contribution >= NOTABLE][:3]
    down = [f.short for f in named if f.contribution <= -NOTABLE][:3]
    missing = [f.label.lower() for f in items if f.missing]
    sentences = [
        tr._(
            "Starting from an average client ({base}), the model reaches {proba} for this client.",
            base=tr.percent(average_probability(explanation), 1),
            proba=tr.percent(explanation.probability, 1),
        ),
        tr._("What raises the risk most: {items}.", items=join_words(up, lang))
        if up
        else tr._("Nothing raises the risk markedly."),
        tr._("What lowers it most: {items}.", items=join_words(down, lang))
        if down
        else tr._("Nothing lowers the risk markedly."),
    ]
    if missing:
        sentences.append(
            tr._(
                "Not provided: {items}; the model then relies on the rest of the file, which is neither good "
                "nor bad news in itself.",
                items=join_words(missing, lang),
            )
        )
    return " ".join(sentences)


def join_words(items: list[str], lang: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    return language(lang)._("{items} and {last}", items=", ".join(items[:-1]), last=items[-1])


def family_importance(importance: np.ndarray, features: list[str]) -> list[tuple[Family, float]]:
    """Each family's share of the model's mean absolute weight over the portfolio, largest first."""
    totals: dict[str, float] = {}
    for name, value in zip(features, np.asarray(importance, dtype=float), strict=True):
        key = family_of(name)
        totals[key] = totals.get(key, 0.0) + float(value)
    whole = sum(totals.values()) or 1.0
    ranked = sorted(((v / whole, k) for k, v in totals.items()), key=lambda t: (-t[0], t[1]))
    by_key = {f.key: f for f in FAMILIES}
    return [(by_key[k], share) for share, k in ranked]


def importance_chart(importance: np.ndarray, features: list[str], lang: str, top: int = TOP_GLOBAL) -> html.Div:
    """Horizontal HTML bars: each family's share of the model's weight over the portfolio, largest first."""
    tr = language(lang)
    shares = family_importance(importance, features)[:top]
    largest = shares[0][1] if shares else 1.0
    return html.Div(
        className="hbar importance-chart",
        children=[
            html.Div(
                className="wf-row",
                children=[
                    html.Span(tr._(family.label), className="wf-label"),
                    sep(),
                    html.Span(
                        className="wf-bar wf-importance",
                        style={"left": "0%", "width": f"{position(share, 0, largest)}%"},
                    ),
                    html.Span(tr.percent(share, 0), className="wf-value"),
                ],
            )
            for family, share in shares
        ],
    )


def importance_table(importance: np.ndarray, features: list[str], lang: str, top: int = TOP_GLOBAL) -> html.Table:
    tr = language(lang)
    shares = family_importance(importance, features)[:top]
    rows = [[tr._(f.label), tr._(f.help), tr.percent(share, 1)] for f, share in shares]
    header = [tr._("Reason"), tr._("What it covers"), tr._("Share of the model's weight")]
    return data_table(tr._("Mean importance of the factors"), header, rows)


def layout(lang: str, importance: np.ndarray, features: list[str]) -> html.Section:
    tr = language(lang)
    shares = family_importance(importance, features)
    first = tr._(shares[0][0].label).lower() if shares else "—"
    n = min(TOP_GLOBAL, len(shares))
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
                    "How to read it: related information is grouped into one reason. Each bar is what a reason adds "
                    "to the probability of default (to the right) or takes from it (to the left), in percentage "
                    "points; from the average client, they add up to this client's probability."
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
                    "The reason that weighs most on average over the portfolio is {first}.",
                    "The {n} reasons by their share of the model's weight over the portfolio; first: {first}. "
                    "Compare with this client's own reasons.",
                    n,
                    first=first,
                ),
            ),  # its data table is built when its disclosure is first opened (callbacks.common.table_opened)
        ],
    )

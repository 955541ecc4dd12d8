"""Score and decision view: probability, decision, grey zone, distance to threshold, gauge."""

from __future__ import annotations

import math

from dash import html

from layouts import palette
from layouts.charts import accessible_graph, axis, base_layout, data_table, empty_figure, label, vertical_line
from layouts.formatting import percent, points
from layouts.i18n import t
from scoring.portfolio import REFUSED, ClientExplanation


def decision_key(explanation: ClientExplanation) -> str:
    return "decision.refused" if explanation.decision == REFUSED else "decision.granted"


def decision_texts(explanation: ClientExplanation, lang: str, grey_zone: tuple[float, float]) -> dict[str, str]:
    """All the words of the score view for one client."""
    gap = explanation.probability - explanation.threshold
    distance_key = "distance.above" if gap >= 0 else "distance.below"
    texts = {
        "proba": percent(explanation.probability, 1, lang),
        "threshold": percent(explanation.threshold, 1, lang),
        "decision": t(decision_key(explanation), lang),
        "symbol": "✗" if explanation.decision == REFUSED else "✓",
        "grey": t("decision.grey", lang) if explanation.in_grey_zone else "",
        "distance": t(distance_key, lang, points=points(gap, lang), threshold=percent(explanation.threshold, 1, lang)),
        "status": t(
            "status.client",
            lang,
            client=explanation.client_id,
            decision=t(decision_key(explanation), lang).lower(),
            proba=percent(explanation.probability, 1, lang),
        ),
        "aria": t(
            "gauge.aria",
            lang,
            proba=percent(explanation.probability, 1, lang),
            position=t("gauge.above" if gap >= 0 else "gauge.below", lang),
            threshold=percent(explanation.threshold, 1, lang),
        ),
    }
    zones = t("gauge.zones", lang, low=percent(grey_zone[0], 1, lang), high=percent(grey_zone[1], 1, lang))
    texts["caption"] = f"{texts['aria']} {zones}"
    return texts


def gauge_range(probability: float, threshold: float) -> float:
    """Upper end of the gauge: readable around the threshold, always showing the client."""
    top = max(3 * threshold, probability * 1.15, 0.2)
    return min(math.ceil(top * 20) / 20, 1.0)  # round up to 5 %


def gauge_figure(probability: float, threshold: float, grey_zone: tuple[float, float], lang: str) -> dict:
    """Horizontal gauge: risk bands, the threshold line and the client's marker, all labelled in text."""
    top = gauge_range(probability, threshold)
    low, high = grey_zone
    bands = [
        (0, low, "#D7EFE7", "gauge.zone_low"),
        (low, high, "#E4E4E4", "gauge.zone_grey"),
        (high, top, "#F8DDCF", "gauge.zone_high"),
    ]
    shapes = [
        {
            "type": "rect",
            "xref": "x",
            "yref": "y",
            "x0": a,
            "x1": b,
            "y0": 0,
            "y1": 1,
            "fillcolor": color,
            "line": {"width": 1, "color": palette.GRID},
            "layer": "below",
        }
        for a, b, color, _ in bands
    ]
    shapes.append(vertical_line(threshold, palette.TEXT, 3, "dash", y0=-0.15, y1=1.15, yref="y"))
    # Zone names are in the caption, not on the bands: on a phone-width chart they would overlap.
    annotations = [label(threshold, 1.15, f"{t('gauge.threshold', lang)} {percent(threshold, 1, lang)}", yref="y")]
    annotations.append(
        label(
            probability,
            -0.2,
            f"▲ {t('gauge.client', lang)} {percent(probability, 1, lang)}",
            palette.CLIENT,
            13,
            yanchor="top",
            yref="y",
        )
    )
    client_color = palette.REFUSED if probability >= threshold else palette.GRANTED
    data = [
        {
            "type": "scatter",
            "x": [probability],
            "y": [0.5],
            "mode": "markers",
            "marker": {
                "symbol": "diamond",
                "size": 20,
                "color": client_color,
                "line": {"color": palette.CLIENT, "width": 2},
            },
        }
    ]
    ticks = [i / 20 for i in range(int(top * 20) + 1)][:: max(1, int(top * 20) // 10)]
    return {
        "data": data,
        "layout": base_layout(
            height=190,
            margin={"l": 20, "r": 20, "t": 60, "b": 60},
            xaxis=axis(range=[0, top], tickvals=ticks, ticktext=[percent(v, 0, lang) for v in ticks], fixedrange=True),
            yaxis={"visible": False, "range": [-0.6, 1.6], "fixedrange": True},
            shapes=shapes,
            annotations=annotations,
        ),
    }


def gauge_table(explanation: ClientExplanation, grey_zone: tuple[float, float], lang: str) -> html.Table:
    rows = [
        [t("score.proba_label", lang), percent(explanation.probability, 1, lang)],
        [t("score.threshold_label", lang), percent(explanation.threshold, 1, lang)],
        [t("gauge.zone_grey", lang), f"{percent(grey_zone[0], 1, lang)} – {percent(grey_zone[1], 1, lang)}"],
    ]
    return data_table("gauge-table-inner", t("gauge.title", lang), [t("table.item", lang), t("table.value", lang)], rows)


def score_view(lang: str, cost_ratio: float) -> html.Section:
    return html.Section(
        id="score",
        **{"aria-labelledby": "score-heading"},
        className="view",
        children=[
            html.H2(t("score.heading", lang), id="score-heading"),
            html.P(t("score.placeholder", lang), id="score-placeholder", className="placeholder"),
            html.Div(
                className="score-summary",
                children=[
                    html.P(
                        [
                            html.Span(t("score.proba_label", lang) + t("punct.colon", lang), className="label"),
                            html.Strong(id="score-proba", className="score-proba"),
                        ]
                    ),
                    html.P(id="score-decision", className="decision"),
                    html.P(id="score-grey", className="grey-zone"),
                    html.P(id="score-distance"),
                    html.P(t("score.threshold_explained", lang, ratio=f"{cost_ratio:g}"), className="small-print"),
                ],
            ),
            accessible_graph("gauge", t("gauge.title", lang), lang, empty_figure()),
        ],
    )

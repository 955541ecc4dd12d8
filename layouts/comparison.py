"""Comparison view: controls, distribution with the client marked, cross view of two characteristics."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from layouts import palette
from layouts.charts import accessible_graph, axis, base_layout, data_table, empty_figure, label, vertical_line
from layouts.formatting import FEATURE_UNITS, feature_value, number, percent
from layouts.i18n import level, t
from scoring.comparison import (
    AGE_BANDS,
    ANY,
    COMPARABLE,
    INCOME_BANDS,
    K_DEFAULT,
    K_MAX,
    K_MIN,
    PROBABILITY,
    SAME,
    CrossView,
    Histogram,
)

DEFAULT_X, DEFAULT_Y = "EXT_SOURCE_MEAN", PROBABILITY
MAX_POINTS = 3_000


def label_of(name: str, lang: str) -> str:
    return t("compare.probability", lang) if name == PROBABILITY else t(f"feature.{name}", lang)


def axis_scale(name: str) -> float:
    """Percent-like characteristics are drawn in %, others as is."""
    return 100.0 if FEATURE_UNITS.get(name) == "pct" else 1.0


def axis_title(name: str, lang: str) -> str:
    unit = FEATURE_UNITS.get(name)
    suffix = {"pct": " (%)", "eur": " (€)", "years": f" ({t('unit.years_short', lang)})"}.get(unit, "")
    return label_of(name, lang) + suffix


def separators(lang: str) -> str:
    return t("plotly.separators", lang)


def _band_label(band: tuple[float, float], unit: str, lang: str) -> str:
    low, high = band
    if unit == "eur":

        def fmt(v: float) -> str:
            return f"{number(v / 1000, 0, lang)} {t('unit.thousand_eur', lang)}"

        suffix = ""
    else:

        def fmt(v: float) -> str:
            return number(v, 0, lang)

        suffix = f" {t('unit.years_short', lang)}"
    if high == float("inf") or high >= 120:
        return f"≥ {fmt(low)}{suffix}"
    return f"{fmt(low)} – {fmt(high)}{suffix}"


def filter_options(kind: str, levels: list[str], lang: str) -> list[dict]:
    base = [{"label": t("compare.filter_any", lang), "value": ANY}, {"label": t("compare.filter_same", lang), "value": SAME}]
    if kind == "age":
        return base + [{"label": _band_label(b, "years", lang), "value": str(i)} for i, b in enumerate(AGE_BANDS)]
    if kind == "income":
        return base + [{"label": _band_label(b, "eur", lang), "value": str(i)} for i, b in enumerate(INCOME_BANDS)]
    column = {"gender": "CODE_GENDER", "contract": "NAME_CONTRACT_TYPE"}[kind]
    return base + [{"label": level(column, v, lang), "value": v} for v in levels if v not in ("XNA",)]


def _select(select_id: str, label: str, options: list[dict], value: str) -> html.Div:
    return html.Div(
        className="control",
        children=[
            dbc.Label(label, html_for=select_id),
            dbc.Select(id=select_id, options=options, value=value),
        ],
    )


def comparison_view(lang: str, levels: dict[str, list[str]]) -> html.Section:
    features = [{"label": label_of(name, lang), "value": name} for name in COMPARABLE]
    return html.Section(
        id="compare",
        **{"aria-labelledby": "compare-heading"},
        className="view",
        children=[
            html.H2(t("compare.heading", lang), id="compare-heading"),
            html.Div(
                className="compare-controls",
                children=[
                    html.Fieldset(
                        className="control-group",
                        children=[
                            html.Legend(t("compare.feature", lang), className="visually-hidden"),
                            _select("compare-feature", t("compare.feature", lang), features, DEFAULT_X),
                            _select("compare-feature-y", t("compare.feature_y", lang), features, DEFAULT_Y),
                        ],
                    ),
                    html.Fieldset(
                        className="control-group",
                        children=[
                            html.Legend(t("compare.group", lang)),
                            dbc.RadioItems(
                                id="compare-group",
                                value="all",
                                options=[
                                    {"label": t("compare.group_all", lang), "value": "all"},
                                    {"label": t("compare.group_decision", lang), "value": "decision"},
                                    {"label": t("compare.group_nearest", lang), "value": "nearest"},
                                ],
                            ),
                            html.Div(
                                className="control",
                                children=[
                                    dbc.Label(t("compare.k", lang), html_for="compare-k"),
                                    dbc.Input(
                                        id="compare-k",
                                        type="number",
                                        min=K_MIN,
                                        max=K_MAX,
                                        step=1,
                                        value=K_DEFAULT,
                                        debounce=True,
                                        inputmode="numeric",
                                    ),
                                    html.Small(
                                        t("compare.k_help", lang),
                                        id="compare-k-help",
                                        className="form-text",
                                        **{"data-describes": "compare-k"},
                                    ),
                                ],
                            ),
                        ],
                    ),
                    html.Fieldset(
                        className="control-group",
                        children=[
                            html.Legend(t("compare.filters", lang)),
                            _select(
                                "filter-gender",
                                t("compare.gender", lang),
                                filter_options("gender", levels["CODE_GENDER"], lang),
                                ANY,
                            ),
                            _select("filter-age", t("compare.age", lang), filter_options("age", [], lang), ANY),
                            _select("filter-income", t("compare.income", lang), filter_options("income", [], lang), ANY),
                            _select(
                                "filter-contract",
                                t("compare.contract", lang),
                                filter_options("contract", levels["NAME_CONTRACT_TYPE"], lang),
                                ANY,
                            ),
                        ],
                    ),
                ],
            ),
            html.P(t("compare.placeholder", lang), id="compare-size", className="group-size", role="status"),
            html.P(id="compare-message", className="form-error", role="alert"),
            accessible_graph(
                "compare-hist", t("compare.hist_title", lang, feature=label_of(DEFAULT_X, lang)), lang, empty_figure()
            ),
            accessible_graph(
                "compare-cross",
                t("compare.scatter_title", lang, x=label_of(DEFAULT_X, lang), y=label_of(DEFAULT_Y, lang)),
                lang,
                empty_figure(),
            ),
        ],
    )


def histogram_figure(hist: Histogram, name: str, lang: str) -> dict:
    if not hist.edges:
        return empty_figure(t("compare.no_values", lang))
    scale = axis_scale(name)
    edges = [e * scale for e in hist.edges]
    centres = [(a + b) / 2 for a, b in zip(edges[:-1], edges[1:], strict=True)]
    widths = [b - a for a, b in zip(edges[:-1], edges[1:], strict=True)]
    data = [
        {
            "type": "bar",
            "x": centres,
            "y": hist.granted,
            "width": widths,
            "name": t("decision.granted", lang),
            "marker": {"color": palette.GRANTED, "line": {"color": "#FFFFFF", "width": 0.5}},
        },
        {
            "type": "bar",
            "x": centres,
            "y": hist.refused,
            "width": widths,
            "name": t("decision.refused", lang),
            "marker": {
                "color": palette.REFUSED,
                "pattern": {"shape": "/", "fillmode": "overlay", "fgcolor": "#FFFFFF", "size": 8, "solidity": 0.25},
                "line": {"color": "#FFFFFF", "width": 0.5},
            },
        },
    ]
    shapes, annotations = [], []
    if hist.client_value is not None:
        x = hist.client_value * scale
        shapes.append(vertical_line(x, palette.CLIENT, 3))
        value = feature_value(name, hist.client_value, lang)
        annotations.append(label(x, 1, f"★ {t('gauge.client', lang)}{t('punct.colon', lang)}{value}", palette.CLIENT, 13))
    return {
        "data": data,
        "layout": base_layout(
            height=360,
            barmode="stack",
            bargap=0.05,
            showlegend=True,
            legend={"orientation": "h", "y": -0.25, "font": {"color": palette.TEXT}},
            separators=separators(lang),
            margin={"l": 10, "r": 20, "t": 70, "b": 80},
            xaxis=axis(axis_title(name, lang)),
            yaxis=axis(t("table.count", lang)),
            shapes=shapes,
            annotations=annotations,
        ),
    }


def histogram_texts(hist: Histogram, name: str, lang: str) -> tuple[str, str]:
    """(aria-label, caption)."""
    feature = label_of(name, lang)
    median = "—" if hist.median is None else feature_value(name, hist.median, lang)
    if hist.client_value is None or hist.share_below is None:
        caption = t("compare.hist_missing", lang, feature=feature, median=median)
        return caption, caption
    value = feature_value(name, hist.client_value, lang)
    pct = percent(hist.share_below, 0, lang)
    return (
        t("compare.hist_aria", lang, feature=feature, n=number(hist.n, 0, lang), value=value, pct=pct),
        t("compare.hist_caption", lang, value=value, pct=pct, median=median),
    )


def histogram_table(hist: Histogram, name: str, lang: str) -> html.Table:
    rows = []
    for (a, b), granted, refused in zip(
        zip(hist.edges[:-1], hist.edges[1:], strict=True), hist.granted, hist.refused, strict=True
    ):
        if granted or refused:
            rows.append(
                [
                    f"{feature_value(name, a, lang)} – {feature_value(name, b, lang)}",
                    number(granted, 0, lang),
                    number(refused, 0, lang),
                ]
            )
    header = [t("table.bin", lang), t("table.granted", lang), t("table.refused", lang)]
    return data_table("compare-hist-table-inner", t("compare.hist_title", lang, feature=label_of(name, lang)), header, rows)


def cross_figure(view: CrossView, x_name: str, y_name: str, lang: str) -> dict:
    if view.n == 0:
        return empty_figure(t("compare.no_values", lang))
    sx, sy = axis_scale(x_name), axis_scale(y_name)
    data = []
    if view.points is not None:
        xs, ys, refused = view.points
        for flag, key, color, symbol in (
            (False, "decision.granted", palette.GRANTED, "circle"),
            (True, "decision.refused", palette.REFUSED, "x"),
        ):
            chosen = [i for i, r in enumerate(refused) if r == flag]
            data.append(
                {
                    "type": "scatter",
                    "mode": "markers",
                    "name": t(key, lang),
                    "x": [xs[i] * sx for i in chosen],
                    "y": [ys[i] * sy for i in chosen],
                    "marker": {"color": color, "symbol": symbol, "size": 6, "opacity": 0.6},
                }
            )
    else:
        xc, yc, counts = view.density
        data.append(
            {
                "type": "heatmap",
                "x": [v * sx for v in xc],
                "y": [v * sy for v in yc],
                "z": counts,
                "colorscale": palette.DENSITY_SCALE,
                "name": t("compare.density", lang),
                "colorbar": {"title": {"text": t("compare.density", lang)}, "tickfont": {"color": palette.TEXT}},
            }
        )
    cx, cy = view.client
    annotations = []
    if cx is not None and cy is not None:
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": t("gauge.client", lang),
                "x": [cx * sx],
                "y": [cy * sy],
                "marker": {"symbol": "star", "size": 22, "color": "#FFD23F", "line": {"color": palette.CLIENT, "width": 2}},
            }
        )
        annotations.append(
            {
                "x": cx * sx,
                "y": cy * sy,
                "text": f"★ {t('gauge.client', lang)}",
                "showarrow": True,
                "arrowcolor": palette.CLIENT,
                "ax": 40,
                "ay": -40,
                "bgcolor": "#FFFFFF",
                "bordercolor": palette.CLIENT,
                "font": {"color": palette.CLIENT},
            }
        )
    return {
        "data": data,
        "layout": base_layout(
            height=420,
            showlegend=view.points is not None,
            legend={"orientation": "h", "y": -0.2, "font": {"color": palette.TEXT}},
            separators=separators(lang),
            margin={"l": 10, "r": 20, "t": 50, "b": 80},
            xaxis=axis(axis_title(x_name, lang)),
            yaxis=axis(axis_title(y_name, lang)),
            annotations=annotations,
        ),
    }


def cross_texts(view: CrossView, x_name: str, y_name: str, lang: str) -> tuple[str, str]:
    xv = feature_value(x_name, view.client[0], lang)
    yv = feature_value(y_name, view.client[1], lang)
    x, y = label_of(x_name, lang), label_of(y_name, lang)
    return (
        t("compare.scatter_aria", lang, x=x, y=y, n=number(view.n, 0, lang), xv=xv, yv=yv),
        t("compare.scatter_caption", lang, xv=xv, yv=yv, max=number(MAX_POINTS, 0, lang)),
    )


def cross_table(view: CrossView, x_name: str, y_name: str, lang: str) -> html.Table:
    """Summary rows (the client and the group), not thousands of points."""
    header = [t("table.item", lang), label_of(x_name, lang), label_of(y_name, lang)]
    rows = [
        [t("gauge.client", lang), feature_value(x_name, view.client[0], lang), feature_value(y_name, view.client[1], lang)],
        [t("compare.group_members", lang), number(view.n, 0, lang), number(view.n, 0, lang)],
    ]
    return data_table(
        "compare-cross-table-inner",
        t("compare.scatter_title", lang, x=label_of(x_name, lang), y=label_of(y_name, lang)),
        header,
        rows,
    )

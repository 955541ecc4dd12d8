"""Accessible chart scaffolding shared by all views (pure functions, plain-dict figures).

Each chart is a labelled ``role="img"`` container around the graph, a visible caption that says what
the chart shows, and the chart's data as a real table in a disclosure. Figures are plain dicts: they
serialise fast and are unit-testable without a browser.
"""

from __future__ import annotations

from dash import dcc, html

from layouts import palette
from layouts.i18n import t

# No mode bar (extra Tab stops, duplicate ids) and no hover: every value is printed on the chart
# or in its table, so nothing depends on a pointer (WCAG 1.4.13, 2.1.1).
GRAPH_CONFIG = {"displayModeBar": False, "staticPlot": True, "responsive": True}


def base_layout(height: int = 360, **extra) -> dict:
    """Shared figure layout. Titles are HTML above the chart (readable, reflowing), not SVG text."""
    layout = {
        "height": height,
        "margin": {"l": 10, "r": 20, "t": 30, "b": 40},
        "paper_bgcolor": "#FFFFFF",
        "plot_bgcolor": "#FFFFFF",
        "font": {"family": palette.FONT_FAMILY, "size": 13, "color": palette.TEXT},
        "hovermode": False,
        "showlegend": False,
    }
    layout.update(extra)
    return layout


def axis(title: str = "", **extra) -> dict:
    spec = {
        "title": {"text": title, "font": {"color": palette.TEXT}},
        "tickfont": {"color": palette.TEXT},
        "linecolor": palette.GRID,
        "gridcolor": "#E0E0E0",
        "zeroline": False,
        "automargin": True,
    }
    spec.update(extra)
    return spec


def wrap_label(text: str, width: int = 26) -> str:
    """Break a long axis label over lines (Plotly's <br>), so labels are not cut on narrow screens."""
    lines, current = [], ""
    for word in text.split():
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    lines.append(current)
    return "<br>".join(lines)


def vertical_line(
    x: float,
    color: str = palette.TEXT,
    width: int = 2,
    dash: str = "solid",
    y0: float = 0,
    y1: float = 1,
    yref: str = "paper",
) -> dict:
    """A marker line across the plot (threshold, client, average)."""
    return {
        "type": "line",
        "x0": x,
        "x1": x,
        "y0": y0,
        "y1": y1,
        "yref": yref,
        "line": {"color": color, "width": width, "dash": dash},
    }


def label(
    x: float, y: float, text: str, color: str = palette.TEXT, size: int = 12, yanchor: str = "bottom", yref: str = "paper"
) -> dict:
    """A text label on a white background, so it stays readable over bars."""
    return {
        "x": x,
        "y": y,
        "yref": yref,
        "yanchor": yanchor,
        "showarrow": False,
        "text": text,
        "bgcolor": "#FFFFFF",
        "font": {"color": color, "size": size},
    }


def empty_figure(message: str = "") -> dict:
    return {
        "data": [],
        "layout": base_layout(
            height=80,
            xaxis={"visible": False},
            yaxis={"visible": False},
            annotations=[{"text": message, "showarrow": False, "font": {"color": palette.TEXT}}],
        ),
    }


def data_table(table_id: str, caption: str, header: list[str], rows: list[list[str]]) -> html.Table:
    """A real table: caption, column headers with scope, first cell of each row as row header."""
    return html.Table(
        id=table_id,
        className="table table-sm data-table",
        children=[
            html.Caption(caption),
            html.Thead(html.Tr([html.Th(h, scope="col") for h in header])),
            html.Tbody([html.Tr([html.Th(r[0], scope="row"), *[html.Td(c) for c in r[1:]]]) for r in rows]),
        ],
    )


def accessible_graph(
    graph_id: str,
    title: str,
    lang: str,
    figure: dict | None = None,
    label: str = "",
    caption: str = "",
    table: html.Table | None = None,
) -> html.Div:
    """Graph + text alternative. Callbacks update ``{id}-img`` aria-label, ``{id}-caption`` and ``{id}-table``."""
    label = label or t("chart.waiting", lang)
    return html.Div(
        className="chart",
        children=[
            html.P(title, id=f"{graph_id}-title", className="chart-title"),
            html.Div(
                id=f"{graph_id}-img",
                role="img",
                **{"aria-label": label},
                children=dcc.Graph(id=graph_id, figure=figure or empty_figure(), config=GRAPH_CONFIG),
            ),
            html.P(caption, id=f"{graph_id}-caption", className="chart-caption"),
            html.Details(
                className="chart-data",
                children=[
                    html.Summary(t("table.show", lang)),
                    html.Div(
                        id=f"{graph_id}-table", className="table-responsive", children=table if table is not None else []
                    ),
                ],
            ),
        ],
    )

"""Accessible chart scaffolding shared by all views (pure functions).

Every chart sits in a figure: a visible title, the drawing as an image named by that title and described
by a visible caption (WCAG 1.1.1: name and description are not the same words twice), and the chart's
data as a real table in a disclosure named after the chart.

Two kinds of drawing:
- Plotly figures as plain dicts (comparison histogram and cross view): serialised fast, unit-testable;
- HTML bar charts (gauge, waterfall, importance): the words are real text that wraps, zooms, takes the
  user's text spacing and forced colours, and nothing needs drawing in a canvas when a client changes.
"""

from __future__ import annotations

from dataclasses import dataclass

from dash import dcc, html

from layouts import palette
from layouts.i18n import language

# No mode bar (extra Tab stops, duplicate ids) and no hover: every value is printed on the chart
# or in its table, so nothing depends on a pointer (WCAG 1.4.13, 2.1.1).
GRAPH_CONFIG = {"displayModeBar": False, "staticPlot": True, "responsive": True}


def base_layout(height: int = 360, **extra) -> dict:
    """Shared Plotly layout. Titles are HTML above the chart (readable, reflowing), not SVG text."""
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
        "gridcolor": "#D9D9D9",
        "zeroline": False,
        "automargin": True,
        # Whole numbers as people write them ("100 000"), not Plotly's SI suffixes ("100k").
        "exponentformat": "none",
        "separatethousands": True,
    }
    spec.update(extra)
    return spec


def wrap_label(text: str, width: int = 26) -> str:
    """Break a long axis title over lines (Plotly's <br>), so it is not cut on narrow screens."""
    lines, current = [], ""
    for word in text.split():
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    lines.append(current)
    return "<br>".join(lines)


def vertical_line(x: float, color: str = palette.TEXT, width: int = 2, dash: str = "solid") -> dict:
    """A Plotly marker line across the plot (client, median)."""
    return {
        "type": "line",
        "x0": x,
        "x1": x,
        "y0": 0,
        "y1": 1,
        "yref": "paper",
        "line": {"color": color, "width": width, "dash": dash},
    }


def empty_figure(message: str = "") -> dict:
    return {
        "data": [],
        "layout": base_layout(
            height=80,
            xaxis={"visible": False},
            yaxis={"visible": False},
            annotations=[{"text": message, "showarrow": False, "font": {"color": palette.TEXT}}] if message else [],
        ),
    }


def data_table(caption: str, header: list[str], rows: list[list[str]]) -> html.Table:
    """A real table: caption, column headers with scope, first cell of each row as row header."""
    return html.Table(
        className="table table-sm data-table",
        children=[
            html.Caption(caption),
            html.Thead(html.Tr([html.Th(h, scope="col") for h in header])),
            html.Tbody([html.Tr([html.Th(r[0], scope="row"), *[html.Td(c) for c in r[1:]]]) for r in rows]),
        ],
    )


@dataclass(frozen=True)
class ChartIds:
    """The ids of a chart's parts, all derived from the chart's own id: ``chart_figure`` gives them to its parts and
    callbacks name them through here (a misspelt part is an AttributeError, not a silently dead output)."""

    chart: str

    @property
    def figure(self) -> str:
        return f"{self.chart}-figure"

    @property
    def title(self) -> str:
        return f"{self.chart}-title"

    @property
    def img(self) -> str:
        return f"{self.chart}-img"

    @property
    def caption(self) -> str:
        return f"{self.chart}-caption"

    @property
    def data(self) -> str:
        return f"{self.chart}-data"

    @property
    def summary(self) -> str:
        return f"{self.chart}-summary"

    @property
    def table(self) -> str:
        return f"{self.chart}-table"


def chart_figure(
    chart_id: str,
    title: str,
    lang: str,
    drawing,
    *,
    caption: str = "",
    table=None,
    hidden: bool = False,
    caption_hidden: bool = False,
):
    """A chart with its text alternatives; callbacks update the drawing, the caption (``caption_outputs``) and
    ``{id}-table``.

    RGAA 1.9.1's structure: a ``<figure role="figure">`` whose ``aria-label`` is its caption's text and whose
    caption is a ``<figcaption>``; inside, the drawing is an image named by the chart's title. The disclosure
    holding the data table is named after the chart and hidden while there is no data (``{id}-data``).
    Dashboard charts leave ``table`` empty: their callbacks fill ``{id}-table`` once the disclosure's summary
    (``{id}-summary``) has been clicked (see ``callbacks.common.table_opened``).
    """
    tr = language(lang)
    part = ChartIds(chart_id)
    return html.Figure(
        id=part.figure,
        className="chart",
        role="figure",
        **{"aria-label": caption or title},
        children=[
            html.P(title, id=part.title, className="chart-title"),
            html.Div(
                id=part.img,
                role="img",
                className="chart-drawing",
                **{"aria-labelledby": part.title},
                children=drawing,
            ),
            # A caption that repeats visible text (the gauge's legend) is kept for screen readers only.
            html.Figcaption(
                caption, id=part.caption, className="visually-hidden" if caption_hidden else "chart-caption"
            ),
            html.Details(
                id=part.data,
                className="chart-data",
                hidden=hidden,
                children=[
                    html.Summary(tr._("Data of the chart: {title}", title=title), id=part.summary),
                    # Focusable region: on a narrow screen the table may scroll sideways (WCAG 2.1.1).
                    html.Div(
                        id=part.table,
                        className="table-responsive",
                        tabIndex="0",
                        role="region",
                        **{"aria-labelledby": part.summary},
                        children=table or [],
                    ),
                ],
            ),
        ],
    )


def caption_outputs(key: str, chart_id: str) -> dict[str, tuple[str, str]]:
    """The two places a chart's caption goes (the figcaption and the figure's name), for a callback's outputs."""
    part = ChartIds(chart_id)
    return {f"{key}_caption": (part.caption, "children"), f"{key}_label": (part.figure, "aria-label")}


def with_caption(key: str, text: str) -> dict[str, str]:
    """Output values setting a chart's caption in both places."""
    return {f"{key}_caption": text, f"{key}_label": text}


def plotly_chart(chart_id: str, title: str, lang: str, figure: dict | None = None, **kwargs):
    return chart_figure(
        chart_id, title, lang, dcc.Graph(id=chart_id, figure=figure or empty_figure(), config=GRAPH_CONFIG), **kwargs
    )


def position(value: float, low: float, high: float) -> float:
    """Where ``value`` sits on a [low, high] axis, in percent of its width (clipped to the axis)."""
    if high <= low:
        return 0.0
    return round(min(max((value - low) / (high - low), 0.0), 1.0) * 100, 3)


def sep(text: str = " — ") -> html.Span:
    """Punctuation shown only without styles (RGAA 10.3): label and value never run together unstyled."""
    return html.Span(text, className="unstyled-only")


def anchor(left: float, margin: float = 25.0) -> str:
    """Label alignment near the edges, so that a label never sticks out of its chart (no sideways scroll)."""
    if left < margin:
        return "anchor-start"
    if left > 100 - margin:
        return "anchor-end"
    return "anchor-middle"


def marker_line(left: float, text: str, css: str, *, beside: bool = False) -> html.Div:
    """A vertical line across an HTML chart at ``left`` percent, with its label above it: centred on it, or with
    ``beside`` next to it on the side with more room, so that the line never runs through its label."""
    placement = ("anchor-after" if left < 50 else "anchor-before") if beside else anchor(left)
    return html.Div(
        className=f"marker-line {css}",
        style={"left": f"{left}%"},
        children=[sep(" "), html.Span(text, className=f"marker-label {placement}"), sep(" ")],
    )


def axis_ticks(ticks: list[tuple[float, str]]) -> html.Div:
    """Tick labels under an HTML chart: (left percent, text)."""
    return html.Div(
        className="hbar-axis",
        **{"aria-hidden": "true"},
        children=[
            part
            for left, text in ticks
            for part in (html.Span(text, className=f"hbar-tick {anchor(left, 12)}", style={"left": f"{left}%"}), sep(" · "))
        ],
    )

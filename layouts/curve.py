"""Risk curves view: for the chosen client, the probability of default over a range of amounts (duration kept) and
of durations (amount kept), with the threshold, the grey zone and the lender's affordability limit drawn, the
client's request marked and the advice's options as points on the curves.

Two Plotly figures as plain dicts, each in the project's chart scaffold (``layouts.charts``: a figure named by its
caption, the drawing an image named by its title, the data as a real table). Every reference is a named trace in
the legend, so nothing is told by colour alone and no label is drawn over a line. The section is built when its
disclosure is first opened (``callbacks.curve``): a client switch with the disclosure never opened costs nothing.
"""

from __future__ import annotations

import math

from dash import dcc, html

from layouts import decision as decision_words
from layouts import palette
from layouts.advice import option_sentence
from layouts.charts import axis, base_layout, data_table, plotly_chart, wrap_label
from layouts.formatting import axis_unit
from layouts.i18n import language
from layouts.status import status_line
from layouts.whatif import months_text
from scoring.advice import Advice
from scoring.affordability import affordable, effort_rate
from scoring.curve import Curve, Curves, Point

LEGEND_WIDTH = 30  # characters per legend line: the legend wraps instead of running out of a 320 px chart
LIMIT_COLOUR = "#D55E00"  # vermillion: 3.3:1 on white (a graphical object, WCAG 1.4.11)
OPTION_COLOUR = palette.GRANTED


class ids:  # noqa: N801
    section = "curve"
    heading = "curve-heading"
    disclosure = "curve-disclosure"
    open = "curve-open"  # the disclosure's summary: clicks (or Enter, Space) build the curves
    status = "curve-status"
    body = "curve-body"
    amount = "curve-amount"
    duration = "curve-duration"
    both = "curve-both"
    shown = "curve-shown"  # the client and language the curves were drawn for


# --------------------------------------------------------------------------- words


def axis_value(kind: str, value: float, lang: str) -> str:
    tr = language(lang)
    return tr.money(value) if kind == "amount" else months_text(value, lang)


def decision_word(point: Point, lang: str) -> str:
    tr = language(lang)
    word = decision_words.decision_word(point.decision, lang)
    return tr._("{decision}, close to the threshold", decision=word) if point.in_grey_zone else word


def options_on(curve: Curve, advice: Advice | None) -> list:
    """The advice's options that lie on this curve (an amount-only option on the amount curve, a duration-only one on
    the duration curve)."""
    if advice is None:
        return []
    return [o for o in advice.options if o.kind == curve.kind]


def option_value(curve: Curve, option) -> float:
    return option.credit if curve.kind == "amount" else option.months


def limit_sentence(curves: Curves, curve: Curve, lang: str) -> str:
    tr = language(lang)
    rate = tr.percent(curves.max_rate, 0)
    if curve.limit is None:
        return tr._("The income is not known: the affordability limit cannot be drawn.")
    if curve.kind == "amount":
        if curve.limit >= curve.points[-1].value:
            return tr._("Every amount shown keeps the instalment within {rate} of the income.", rate=rate)
        return tr._(
            "Above {value}, the instalment would take more than {rate} of the income (the lender's limit).",
            value=tr.money(curve.limit),
            rate=rate,
        )
    if math.isinf(curve.limit):
        return tr._("No duration keeps the instalment within {rate} of the income.", rate=rate)
    if curve.limit <= curve.points[0].value:
        return tr._("Every duration shown keeps the instalment within {rate} of the income.", rate=rate)
    return tr._(
        "Under {value}, the instalment would take more than {rate} of the income (the lender's limit).",
        value=months_text(math.ceil(curve.limit), lang),
        rate=rate,
    )


def granted_sentence(curve: Curve, lang: str) -> str:
    """Where the curve is under the threshold, in words."""
    tr = language(lang)
    granted = curve.granted()
    if not granted:
        return tr._("The model refuses every value shown.")
    if len(granted) == len(curve.points):
        return tr._("The model grants every value shown.")
    values = [p.value for p in curve.points]
    first, last = values.index(granted[0].value), values.index(granted[-1].value)
    if last - first + 1 == len(granted):  # one stretch
        low, high = (axis_value(curve.kind, p.value, lang) for p in (granted[0], granted[-1]))
        if last == len(values) - 1:
            return tr._("The model grants from {value}.", value=low)
        if first == 0:
            return tr._("The model grants up to {value}.", value=high)
        return tr._("The model grants from {low} to {high}.", low=low, high=high)
    return tr.ngettext(
        "The model grants {n} of the {total} values shown.",
        "The model grants {n} of the {total} values shown.",
        len(granted),
        total=len(curve.points),
    )


def caption(curves: Curves, curve: Curve, lang: str) -> str:
    tr = language(lang)
    first, last = curve.points[0], curve.points[-1]
    kept = tr._("duration kept") if curve.kind == "amount" else tr._("amount kept")
    return " ".join(
        [
            tr._(
                "Probability of default from {p_first} ({v_first}) to {p_last} ({v_last}), {kept}; the client's request "
                "({value}) is at {proba}, the threshold at {threshold}.",
                p_first=tr.percent(first.probability, 1),
                v_first=axis_value(curve.kind, first.value, lang),
                p_last=tr.percent(last.probability, 1),
                v_last=axis_value(curve.kind, last.value, lang),
                kept=kept,
                value=axis_value(curve.kind, curve.current, lang),
                proba=tr.percent(curves.probability, 1),
                threshold=tr.percent(curves.threshold, 1),
            ),
            granted_sentence(curve, lang),
            limit_sentence(curves, curve, lang),
        ]
    )


def title(curve: Curve, lang: str) -> str:
    tr = language(lang)
    if curve.kind == "amount":
        return tr._("Probability of default by credit amount (duration kept)")
    return tr._("Probability of default by duration (amount kept)")


# --------------------------------------------------------------------------- drawing


def _percent_suffix(lang: str) -> str:
    tr = language(lang)
    return tr.percent(0.5, 0).replace(tr.number(50), "")


def _grey_zone_trace(curves: Curves, low: float, high: float, lang: str) -> dict:
    tr = language(lang)
    grey_low, grey_high = (100 * v for v in curves.grey_zone)
    return {
        "type": "scatter",
        "x": [low, high, high, low, low],
        "y": [grey_low, grey_low, grey_high, grey_high, grey_low],
        "fill": "toself",
        "fillcolor": "rgba(107,107,107,0.18)",
        "line": {"width": 0},
        "mode": "lines",
        "name": wrap_label(
            tr._(
                "Grey zone ({low} to {high}): reviewed by an advisor",
                low=tr.percent(curves.grey_zone[0], 1),
                high=tr.percent(curves.grey_zone[1], 1),
            ),
            LEGEND_WIDTH,
        ),
    }


def _threshold_trace(curves: Curves, low: float, high: float, lang: str) -> dict:
    tr = language(lang)
    return {
        "type": "scatter",
        "x": [low, high],
        "y": [100 * curves.threshold] * 2,
        "mode": "lines",
        "line": {"color": palette.TEXT, "width": 2, "dash": "dash"},
        "name": tr._("Threshold {value}", value=tr.percent(curves.threshold, 1)),
    }


def _beyond_limit_trace(curves: Curves, curve: Curve, low: float, high: float, top: float, lang: str) -> dict | None:
    """The part of the axis beyond the affordability limit, as a shaded band (None: the limit is off the axis)."""
    limit = curve.limit
    if limit is None:
        return None
    beyond = (min(max(limit, low), high), high) if curve.kind == "amount" else (low, min(max(limit, low), high))
    if beyond[1] <= beyond[0]:
        return None
    tr = language(lang)
    edge = beyond[0] if curve.kind == "amount" else beyond[1]
    return {
        "type": "scatter",
        "x": [edge, edge, *([beyond[1], beyond[1]] if curve.kind == "amount" else [beyond[0], beyond[0]]), edge],
        "y": [0, top, top, 0, 0],
        "fill": "toself",
        "fillcolor": "rgba(213,94,0,0.10)",
        "line": {"color": LIMIT_COLOUR, "width": 2, "dash": "dot"},
        "mode": "lines",
        "name": wrap_label(
            tr._("Beyond the limit: instalment over {rate} of the income", rate=tr.percent(curves.max_rate, 0)),
            LEGEND_WIDTH,
        ),
    }


def _marker_trace(xs: list, ys: list, colour: str, size: int, symbol: str, name: str) -> dict:
    return {
        "type": "scatter",
        "x": xs,
        "y": ys,
        "mode": "markers",
        "marker": {"color": colour, "size": size, "symbol": symbol, "line": {"color": "#FFFFFF", "width": 2}},
        "name": name,
    }


def figure(curves: Curves, curve: Curve, advice: Advice | None, lang: str) -> dict:
    """The curve, the grey zone (a band), the threshold, the affordability limit (and the part beyond it), the client's
    request and the advice's options; every one a named trace in the legend."""
    tr = language(lang)
    xs = [p.value for p in curve.points]
    ys = [100 * p.probability for p in curve.points]
    low, high = xs[0], xs[-1]
    top = max(max(ys), 100 * curves.grey_zone[1], 100 * curves.probability) * 1.1
    data = [_grey_zone_trace(curves, low, high, lang), _threshold_trace(curves, low, high, lang)]
    beyond = _beyond_limit_trace(curves, curve, low, high, top, lang)
    if beyond is not None:
        data.append(beyond)
    data.append(
        {
            "type": "scatter",
            "x": xs,
            "y": ys,
            "mode": "lines",
            "line": {"color": palette.RISK_DOWN, "width": 3},
            "name": tr._("Probability of default"),
        }
    )
    options = options_on(curve, advice)
    if options:
        points = [option_value(curve, o) for o in options], [100 * o.probability for o in options]
        data.append(_marker_trace(*points, OPTION_COLOUR, 13, "circle", tr._("Advised option")))
    request = [curve.current], [100 * curves.probability]
    data.append(_marker_trace(*request, palette.CLIENT, 14, "diamond", tr._("The client's request")))
    unit = axis_unit("AMT_CREDIT", lang)
    # The unit on its own line: "(unités du jeu de données)" beside the label overflows a 320 px screen.
    x_title = f"{tr.field('AMT_CREDIT')}<br>({unit})" if curve.kind == "amount" else tr._("Duration (months)")
    return {
        "data": data,
        "layout": base_layout(
            height=380,
            showlegend=True,
            # Legend above the plot: it wraps on narrow screens and never covers the curve.
            legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom", "font": {"color": palette.TEXT}},
            separators=tr.plotly_separators,
            margin={"l": 10, "r": 20, "t": 10, "b": 70},
            xaxis=axis(x_title, range=[low, high], nticks=6, tickformat=",.0f"),
            yaxis=axis(tr._("Probability of default"), range=[0, top], nticks=6, ticksuffix=_percent_suffix(lang)),
        ),
    }


def option_point(curves: Curves, curve: Curve, option) -> Point:
    """An advised option as a point of the curve (its amount or duration is off the grid: it is its own row)."""
    return Point(
        option_value(curve, option),
        option.probability,
        option.decision,
        option.in_grey_zone,
        option.annuity,
        affordable(option.annuity, curves.income, curves.max_rate),
    )


def table(curves: Curves, curve: Curve, advice: Advice | None, lang: str) -> html.Table:
    """One row per point, the advised options among them in order; the request and the options said in words."""
    tr = language(lang)
    rows = [(p, None) for p in curve.points]
    rows += [(option_point(curves, curve, o), tr._("advised option")) for o in options_on(curve, advice)]
    cells = []
    for p, mark in sorted(rows, key=lambda row: (row[0].value, row[1] is None)):
        if mark is None and math.isclose(p.value, curve.current, rel_tol=1e-9):
            mark = tr._("the client's request")
        label = axis_value(curve.kind, p.value, lang)
        rate = effort_rate(p.annuity, curves.income)
        cells.append(
            [
                tr._("{value} ({mark})", value=label, mark=mark) if mark else label,
                tr.money(p.annuity) if p.annuity is not None else "—",
                "—" if rate is None else tr.percent(rate, 1) + ("" if p.affordable else " " + tr._("(over the limit)")),
                tr.percent(p.probability, 1),
                decision_word(p, lang),
            ]
        )
    first = tr.field("AMT_CREDIT") if curve.kind == "amount" else tr._("Duration")
    header = [first, tr._("Monthly instalment"), tr._("Share of income"), tr._("Probability of default"), tr._("Decision")]
    return data_table(title(curve, lang), header, cells)


def chart(curves: Curves, curve: Curve, advice: Advice | None, lang: str):
    chart_id = ids.amount if curve.kind == "amount" else ids.duration
    words = caption(curves, curve, lang)
    return plotly_chart(
        chart_id,
        title(curve, lang),
        lang,
        figure(curves, curve, advice, lang),
        caption=words,
        table=table(curves, curve, advice, lang),
    )


def status_text(curves: Curves, lang: str) -> str:
    tr = language(lang)
    if curves.amount is None:
        return tr._("This application has no credit amount: there is no curve to draw.")
    text = tr._(
        "Curves of client {client}: probability of default {proba} today.",
        client=curves.client_id,
        proba=tr.percent(curves.probability, 1),
    )
    if curves.duration is None:
        text += " " + tr._("A revolving credit has no fixed duration: only the amount curve is drawn.")
    return text


def body(curves: Curves, advice: Advice | None, lang: str) -> list:
    """The curves of one client: amount, then duration; an option that changes both is said under them."""
    tr = language(lang)
    out = []
    for curve in (curves.amount, curves.duration):
        if curve is not None and curve.points:
            out.append(chart(curves, curve, advice, lang))
    both = [o for o in advice.options if o.kind == "both"] if advice is not None else []
    if both:
        out.append(
            html.P(
                [
                    tr._("An option that changes both the amount and the duration (on neither curve):"),
                    " ",
                    option_sentence(both[0], lang),
                ],
                id=ids.both,
            )
        )
    return out


def layout(lang: str) -> html.Section:
    tr = language(lang)
    return html.Section(
        id=ids.section,
        **{"aria-labelledby": ids.heading},
        className="view",
        children=[
            html.H2(tr._("How does the risk change with the amount and the duration?"), id=ids.heading),
            html.P(
                tr._(
                    "For the chosen client, the model's probability of default over a range of amounts (same duration) "
                    "and of durations (same amount); everything else stays the client's own. The threshold, the grey "
                    "zone and the lender's affordability limit are drawn; the advice's options are points on the curves."
                ),
                className="lead-text",
            ),
            html.Details(
                id=ids.disclosure,
                className="section-disclosure",
                children=[
                    html.Summary(tr._("Show the curves for this client"), id=ids.open),
                    status_line(ids.status, tr._("Choose a client first.")),
                    html.Div(id=ids.body, className="curve-body"),
                    dcc.Store(id=ids.shown),
                ],
            ),
        ],
    )

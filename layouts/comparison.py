"""Comparison view: controls, distribution with the client marked, cross view of two characteristics."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from layouts import palette
from layouts.charts import axis, base_layout, data_table, empty_figure, plotly_chart, vertical_line, wrap_label
from layouts.formatting import axis_scale, axis_unit, money, value_text
from layouts.i18n import language
from layouts.status import status_line
from scoring.comparison import AGE_BANDS, ANY, INCOME_BANDS, K_DEFAULT, K_MAX, K_MIN, PROBABILITY, SAME, CrossView, Histogram

DEFAULT_X, DEFAULT_Y = "EXT_SOURCE_MEAN", PROBABILITY
MAX_POINTS = 3_000
FILTER_COLUMNS = {"gender": "CODE_GENDER", "contract": "NAME_CONTRACT_TYPE"}


class ids:  # noqa: N801
    section = "compare"
    heading = "compare-heading"
    feature = "compare-feature"
    feature_y = "compare-feature-y"
    group = "compare-group"
    k = "compare-k"
    k_help = "compare-k-help"
    k_error = "compare-k-error"
    gender = "filter-gender"
    age = "filter-age"
    income = "filter-income"
    contract = "filter-contract"
    size = "compare-size"
    message = "compare-message"
    hist = "compare-hist"
    cross = "compare-cross"


def axis_title(name: str, lang: str) -> str:
    """The axis title, on short lines: a phone-width chart with the user's text spacing still shows every word."""
    unit = axis_unit(name, lang)
    label = language(lang).field(name)
    return wrap_label(f"{label} ({unit})" if unit else label, 20)


def band_label(band: tuple[float, float], kind: str, lang: str) -> str:
    tr = language(lang)
    low, high = band
    if kind == "age":  # the unit goes where each language puts it ("65 ans ou plus", "65 years or more")
        if high >= 120:
            return tr._("{low} years or more", low=tr.number(low))
        return tr._("{low} to {high} years", low=tr.number(low), high=tr.number(high))
    if high == float("inf"):
        return tr._("{low} or more", low=money(low, lang))
    return tr._("{low} to {high}", low=money(low, lang), high=money(high, lang))


def filter_options(kind: str, levels: list[str], lang: str) -> list[dict]:
    tr = language(lang)
    base = [{"label": tr._("Any"), "value": ANY}, {"label": tr._("Same as this client"), "value": SAME}]
    if kind in ("age", "income"):
        bands = AGE_BANDS if kind == "age" else INCOME_BANDS
        return base + [{"label": band_label(b, kind, lang), "value": str(i)} for i, b in enumerate(bands)]
    column = FILTER_COLUMNS[kind]
    return base + [{"label": tr.category(column, v), "value": v} for v in levels if v != "XNA"]


def _select(select_id: str, label: str, options: list[dict], value: str) -> html.Div:
    return html.Div(
        className="control",
        children=[dbc.Label(label, html_for=select_id), dbc.Select(id=select_id, options=options, value=value)],
    )


def _group_choice(lang: str) -> html.Fieldset:
    """The comparison group: everyone, the same decision, or the k most similar clients (k said and checked)."""
    tr = language(lang)
    return html.Fieldset(
        className="control-group",
        children=[
            html.Legend(tr._("Comparison group")),
            dbc.RadioItems(
                id=ids.group,
                name=ids.group,
                value="all",
                options=[
                    {"label": tr._("All clients"), "value": "all"},
                    {"label": tr._("Clients with the same decision"), "value": "decision"},
                    {"label": tr._("The most similar clients"), "value": "nearest"},
                ],
            ),
            html.Div(
                className="control",
                children=[
                    dbc.Label(tr._("Number of similar clients"), html_for=ids.k),
                    dbc.Input(
                        id=ids.k,
                        type="number",
                        min=K_MIN,
                        max=K_MAX,
                        step=1,
                        value=K_DEFAULT,
                        debounce=True,
                        inputmode="numeric",
                    ),
                    html.Small(
                        tr._("Between {low} and {high}.", low=tr.number(K_MIN), high=tr.number(K_MAX)),
                        id=ids.k_help,
                        className="form-text",
                        **{"data-describes": ids.k},
                    ),
                    html.P(id=ids.k_error, className="form-error", role="alert", **{"data-error-for": ids.k}),
                ],
            ),
        ],
    )


def _group_filters(lang: str, levels: dict[str, list[str]]) -> html.Fieldset:
    tr = language(lang)
    return html.Fieldset(
        className="control-group",
        children=[
            html.Legend(tr._("Group filters")),
            _select(ids.gender, tr._("Sex"), filter_options("gender", levels["CODE_GENDER"], lang), ANY),
            _select(ids.age, tr._("Age band"), filter_options("age", [], lang), ANY),
            _select(ids.income, tr._("Monthly income band"), filter_options("income", [], lang), ANY),
            _select(
                ids.contract,
                tr._("Contract type"),
                filter_options("contract", levels["NAME_CONTRACT_TYPE"], lang),
                ANY,
            ),
        ],
    )


def layout(lang: str, levels: dict[str, list[str]], comparable: tuple[str, ...]) -> html.Section:
    tr = language(lang)
    features = [{"label": tr.field(name), "value": name} for name in comparable]
    return html.Section(
        id=ids.section,
        **{"aria-labelledby": ids.heading},
        className="view",
        children=[
            html.H2(tr._("Compare with other clients"), id=ids.heading, disable_n_clicks=True),
            html.Div(
                className="compare-controls",
                children=[
                    html.Div(
                        className="control-group",
                        children=[
                            _select(ids.feature, tr._("Compared characteristic"), features, DEFAULT_X),
                            _select(ids.feature_y, tr._("Second characteristic (cross view)"), features, DEFAULT_Y),
                        ],
                    ),
                    _group_choice(lang),
                    _group_filters(lang, levels),
                ],
            ),
            status_line(ids.size, tr._("Choose a client to compare them."), class_name="group-size"),
            html.P(id=ids.message, className="form-error", role="alert"),
            plotly_chart(ids.hist, tr._("Distribution: {feature}", feature=tr.field(DEFAULT_X)), lang, hidden=True),
            plotly_chart(
                ids.cross, tr._("Cross view: {x} and {y}", x=tr.field(DEFAULT_X), y=tr.field(DEFAULT_Y)), lang, hidden=True
            ),
        ],
    )


def histogram_figure(hist: Histogram, name: str, lang: str) -> dict:
    tr = language(lang)
    if not hist.edges:
        return empty_figure(tr._("No value in this group."))
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
            "name": tr._("Credit granted"),
            "marker": {"color": palette.GRANTED, "line": {"color": "#FFFFFF", "width": 0.5}},
        },
        {
            "type": "bar",
            "x": centres,
            "y": hist.refused,
            "width": widths,
            "name": tr._("Credit refused"),
            "marker": {
                "color": palette.REFUSED,
                "pattern": {"shape": "/", "fillmode": "overlay", "fgcolor": "#FFFFFF", "size": 8, "solidity": 0.25},
                "line": {"color": "#FFFFFF", "width": 0.5},
            },
        },
    ]
    shapes = [] if hist.client_value is None else [vertical_line(hist.client_value * scale, palette.CLIENT, 3)]
    return {
        "data": data,
        "layout": base_layout(
            height=340,
            barmode="stack",
            bargap=0.05,
            showlegend=True,
            # Legend above the plot: below it, it collides with the axis title on narrow screens.
            legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom", "font": {"color": palette.TEXT}},
            separators=tr.plotly_separators,
            margin={"l": 10, "r": 20, "t": 40, "b": 60},
            xaxis=axis(axis_title(name, lang), nticks=6),
            yaxis=axis(tr._("Number of clients"), nticks=6),
            shapes=shapes,
        ),
    }


def histogram_texts(hist: Histogram, name: str, lang: str) -> str:
    """The caption: where the client stands, the group's median, and how many clients have a value."""
    tr = language(lang)
    feature = tr.field(name)
    median = "—" if hist.median is None else value_text(name, hist.median, lang)
    counted = tr.ngettext("{n} client of the group has a value.", "{n} clients of the group have a value.", hist.n_values)
    if hist.client_value is None or hist.share_below is None:
        return (
            tr._("This client's value is missing for {feature}; group median: {median}.", feature=feature, median=median)
            + " "
            + counted
        )
    return (
        tr._(
            "The vertical line marks this client ({value}), above {pct} of the group; group median: {median}.",
            value=value_text(name, hist.client_value, lang),
            pct=tr.percent(hist.share_below, 0),
            median=median,
        )
        + " "
        + counted
    )


def histogram_table(hist: Histogram, name: str, lang: str) -> html.Table:
    tr = language(lang)
    rows = [
        [tr._("{low} to {high}", low=value_text(name, a, lang), high=value_text(name, b, lang)), tr.number(g), tr.number(r)]
        for a, b, g, r in zip(hist.edges[:-1], hist.edges[1:], hist.granted, hist.refused, strict=True)
        if g or r
    ]
    header = [tr._("Range"), tr._("Granted"), tr._("Refused")]
    return data_table(tr._("Distribution: {feature}", feature=tr.field(name)), header, rows)


# Density scale from a blue that already has 3:1 against white (WCAG 1.4.11) to near black.
DENSITY_SCALE = [[0.0, "#4A90C4"], [0.5, "#0B5C96"], [1.0, "#08204A"]]


def cross_figure(view: CrossView, x_name: str, y_name: str, lang: str) -> dict:
    tr = language(lang)
    if view.n == 0:
        return empty_figure(tr._("No value in this group."))
    sx, sy = axis_scale(x_name), axis_scale(y_name)
    data = []
    if view.points is not None:
        xs, ys, refused = view.points
        for flag, name, color, symbol in (
            (False, tr._("Credit granted"), palette.GRANTED, "circle"),
            (True, tr._("Credit refused"), palette.REFUSED, "x"),
        ):
            chosen = [i for i, r in enumerate(refused) if r == flag]
            data.append(
                {
                    "type": "scatter",
                    "mode": "markers",
                    "name": name,
                    "x": [xs[i] * sx for i in chosen],
                    "y": [ys[i] * sy for i in chosen],
                    # Opaque markers: at 0.6 opacity they fell to 2.7:1 on white (WCAG 1.4.11 asks 3:1).
                    "marker": {"color": color, "symbol": symbol, "size": 5},
                }
            )
    else:
        xc, yc, counts = view.density
        data.append(
            {
                "type": "heatmap",
                "x": [v * sx for v in xc],
                "y": [v * sy for v in yc],
                "z": [[c if c else None for c in row] for row in counts],  # empty cells stay background
                "colorscale": DENSITY_SCALE,
                "colorbar": {"tickfont": {"color": palette.TEXT}, "thickness": 12},
            }
        )
    cx, cy = view.client
    if cx is not None and cy is not None:
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": tr._("This client"),
                "x": [cx * sx],
                "y": [cy * sy],
                "marker": {"symbol": "star", "size": 20, "color": "#FFD23F", "line": {"color": palette.CLIENT, "width": 2}},
            }
        )
    return {
        "data": data,
        "layout": base_layout(
            height=400,
            showlegend=view.points is not None,
            legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom", "font": {"color": palette.TEXT}},
            separators=tr.plotly_separators,
            margin={"l": 10, "r": 20, "t": 40, "b": 60},
            xaxis=axis(axis_title(x_name, lang), nticks=6),
            yaxis=axis(axis_title(y_name, lang), nticks=6),
        ),
    }


def trend_sentence(view: CrossView, x_name: str, y_name: str, lang: str) -> str:
    tr = language(lang)
    rho = view.correlation
    x, y = tr.field(x_name).lower(), tr.field(y_name).lower()
    if rho is None or abs(rho) < 0.1:
        return tr._("In this group, {y} shows no clear trend with {x}.", x=x, y=y)
    strength = tr._("clearly") if abs(rho) >= 0.4 else tr._("slightly")
    if rho > 0:
        return tr._(
            "In this group, {y} {strength} tends to rise when {x} rises (rank correlation {rho}).",
            x=x,
            y=y,
            strength=strength,
            rho=tr.number(rho, 2),
        )
    return tr._(
        "In this group, {y} {strength} tends to fall when {x} rises (rank correlation {rho}).",
        x=x,
        y=y,
        strength=strength,
        rho=tr.number(rho, 2),
    )


def cross_texts(view: CrossView, x_name: str, y_name: str, lang: str) -> str:
    """The caption: what is drawn (points or density), where the client is, the trend, and who is counted."""
    tr = language(lang)
    xv, yv = value_text(x_name, view.client[0], lang), value_text(y_name, view.client[1], lang)
    drawn = (
        tr._(
            "Each point is a client of the group (granted: circles, refused: crosses); "
            "the star marks this client ({xv}; {yv}).",
            xv=xv,
            yv=yv,
        )
        if view.points is not None
        else tr._(
            "The group has more than {max} clients: the colour of each square says how many clients it holds "
            "(darker: more); the star marks this client ({xv}; {yv}).",
            max=tr.number(MAX_POINTS),
            xv=xv,
            yv=yv,
        )
        if view.n > MAX_POINTS
        # A density of a small group comes from precomputed aggregates (no client's row is at hand).
        else tr._(
            "The colour of each square says how many clients of the group it holds (darker: more); "
            "the star marks this client ({xv}; {yv}).",
            xv=xv,
            yv=yv,
        )
    )
    missing = view.group_size - view.n
    counted = tr.ngettext("{n} client has both values", "{n} clients have both values", view.n)
    if missing:
        counted += tr.ngettext(
            " ({n} without one of them is left out).", " ({n} without one of them are left out).", missing
        )
    else:
        counted += "."
    return " ".join([drawn, trend_sentence(view, x_name, y_name, lang), counted])


def cross_table(view: CrossView, x_name: str, y_name: str, lang: str) -> html.Table:
    """The client against the group's medians, and the group's size (not thousands of points)."""
    tr = language(lang)
    mx, my = view.medians
    rows = [
        [tr._("This client"), value_text(x_name, view.client[0], lang), value_text(y_name, view.client[1], lang)],
        [tr._("Group median"), value_text(x_name, mx, lang), value_text(y_name, my, lang)],
    ]
    caption = tr.ngettext(
        "Cross view: {x} and {y} ({n} client with both values)",
        "Cross view: {x} and {y} ({n} clients with both values)",
        view.n,
        x=tr.field(x_name),
        y=tr.field(y_name),
    )
    return data_table(caption, [tr._("Item"), tr.field(x_name), tr.field(y_name)], rows)

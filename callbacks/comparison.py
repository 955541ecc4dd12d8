"""Comparison wiring: client + characteristic + group -> distribution and cross view.

Group aggregates are data cached per resolved group (every client of the same group shares them); the
figures and words are rendered on each request in the request's language.
"""

from __future__ import annotations

import logging

from dash import Input

from callbacks.common import CLIENT, LANG, outputs, register_callback, table_opened, triggered, viewed_client, was_opened
from layouts import comparison as view
from layouts.charts import ChartIds, caption_outputs, empty_figure, with_caption
from layouts.comparison import DEFAULT_X, DEFAULT_Y, MAX_POINTS, ids
from layouts.i18n import language
from scoring.comparison import (
    GROUP_BASES,
    K_MAX,
    K_MIN,
    PROBABILITY,
    ConcreteGroup,
    ExactStats,
    GroupSpec,
    GroupStats,
    clamp_k,
    comparable,
    facts_of,
    place_client,
    resolve,
    value_at,
    with_client,
)
from scoring.errors import ArtifactError

log = logging.getLogger(__name__)

OUTPUTS = outputs(
    size=(ids.size, "children"),
    message=(ids.message, "children"),
    k_error=(ids.k_error, "children"),
    hist_title=(ChartIds(ids.hist).title, "children"),
    hist=(ids.hist, "figure"),
    **caption_outputs("hist", ids.hist),
    hist_table=(ChartIds(ids.hist).table, "children"),
    hist_data=(ChartIds(ids.hist).data, "hidden"),
    hist_summary=(ChartIds(ids.hist).summary, "children"),
    cross_title=(ChartIds(ids.cross).title, "children"),
    cross=(ids.cross, "figure"),
    **caption_outputs("cross", ids.cross),
    cross_table=(ChartIds(ids.cross).table, "children"),
    cross_data=(ChartIds(ids.cross).data, "hidden"),
    cross_summary=(ChartIds(ids.cross).summary, "children"),
)
INPUTS = {
    "client_id": CLIENT,
    "x_name": Input(ids.feature, "value"),
    "y_name": Input(ids.feature_y, "value"),
    "base": Input(ids.group, "value"),
    "k": Input(ids.k, "value"),
    "gender": Input(ids.gender, "value"),
    "age": Input(ids.age, "value"),
    "income": Input(ids.income, "value"),
    "contract": Input(ids.contract, "value"),
    "hist_clicks": table_opened(ids.hist),
    "cross_clicks": table_opened(ids.cross),
    "lang": LANG,
}


def group_spec(base, k, gender, age, income, contract) -> tuple[GroupSpec, bool]:
    """Sanitised group from raw control values (anything odd falls back to a safe default)."""
    k_value, k_valid = clamp_k(k)
    spec = GroupSpec(
        base=base if base in GROUP_BASES else "all",
        k=k_value,
        gender=str(gender or "any")[:40],
        age=str(age or "any")[:10],
        income=str(income or "any")[:10],
        contract=str(contract or "any")[:40],
    )
    return spec, k_valid or base != "nearest"


def group_stats(services) -> GroupStats:
    """The view's data source: ``services.group_stats`` when the deployment gives one (the build's aggregates,
    for clients kept in a store without per-client arrays), else the memory-mapped arrays (the embedded default).

    A deployment without arrays also gives ``services.nearest_stats(group)``: the k-nearest clients' rows
    (``scoring.comparison.RowStats``), since that group is not a union of the aggregates' cells.
    """
    stats = getattr(services, "group_stats", None)
    return stats if stats is not None else ExactStats(services.portfolio, MAX_POINTS)


def group_aggregates(services, stats: GroupStats, group: ConcreteGroup, x_name: str, y_name: str):
    """Client-independent data of one group: the histogram summary and the cross view (None: empty group)."""
    if group.nearest_of is not None and not isinstance(stats, ExactStats):
        stats = services.nearest_stats(group)
    return stats.group_aggregates(group, x_name, y_name)


def titles(x_name: str, y_name: str, lang: str) -> dict:
    tr = language(lang)
    hist = tr._("Distribution: {feature}", feature=tr.field(x_name))
    cross = tr._("Cross view: {x} and {y}", x=tr.field(x_name), y=tr.field(y_name))
    return {
        "hist_title": hist,
        "cross_title": cross,
        "hist_summary": tr._("Data of the chart: {title}", title=hist),
        "cross_summary": tr._("Data of the chart: {title}", title=cross),
    }


def empty_group(lang: str) -> dict:
    """An empty group is said in words, and the charts of the previous group are cleared."""
    tr = language(lang)
    message = tr._("No client matches this group. Widen the filters.")
    return {
        "size": tr.ngettext("Compared group: {n} client.", "Compared group: {n} clients.", 0),
        "message": message,
        "hist": empty_figure(message),
        "cross": empty_figure(message),
        **with_caption("hist", message),
        **with_caption("cross", message),
        "hist_table": [],
        "cross_table": [],
        "hist_data": True,
        "cross_data": True,
    }


def unavailable(lang: str) -> dict:
    """The comparison data cannot be read (missing or corrupt file): said in words, the charts cleared."""
    tr = language(lang)
    message = tr._("The comparison data of this portfolio cannot be read; the other views still work.")
    return {
        **empty_group(lang),
        "size": "",
        "message": message,
        "hist": empty_figure(message),
        "cross": empty_figure(message),
        **with_caption("hist", message),
        **with_caption("cross", message),
    }


def compare(
    services, *, client_id, x_name, y_name, base, k, gender, age, income, contract, lang, hist_clicks=None, cross_clicks=None
) -> dict:
    """The comparison of one client with a group; each data table only once its disclosure has been opened."""
    tr = language(lang)
    client_id = viewed_client(services, client_id, "comparison")
    if client_id is None:
        return {"size": tr._("Choose a client to compare them."), "message": "", "k_error": ""}
    portfolio = services.portfolio
    choices = comparable(portfolio)
    x_name = x_name if x_name in choices else DEFAULT_X
    y_name = y_name if y_name in choices else DEFAULT_Y
    spec, k_valid = group_spec(base, k, gender, age, income, contract)
    k_error = (
        ""
        if k_valid
        else tr._(
            "The number of similar clients must be a whole number from {low} to {high}: the group shown uses {k}.",
            low=tr.number(K_MIN),
            high=tr.number(K_MAX),
            k=tr.number(spec.k),
        )
    )
    index = portfolio.index_of(client_id)
    result = {"k_error": k_error, **titles(x_name, y_name, lang)}
    try:
        stats = group_stats(services)
        group = resolve(facts_of(portfolio, index), spec, stats.levels(), index)
        parts = services.cached(
            "group",
            (stats.source, group.key(), x_name, y_name),
            lambda: group_aggregates(services, stats, group, x_name, y_name),
        )
    except ArtifactError as exc:  # a missing or corrupt aggregates file: said on the page, the rest still works
        log.error("comparison data unavailable: %s", exc)
        return {**result, **unavailable(lang)}
    if parts is None:
        return {**result, **empty_group(lang)}
    summary, cross = parts
    hist = place_client(summary, value_at(portfolio, x_name, index))
    if cross is not None:
        cross = with_client(cross, value_at(portfolio, x_name, index), value_at(portfolio, y_name, index))
    tables = {}
    if was_opened(hist_clicks):
        tables["hist_table"] = view.histogram_table(hist, x_name, lang)
    if was_opened(cross_clicks) and cross is not None:
        tables["cross_table"] = view.cross_table(cross, x_name, y_name, lang)
    opened_now = {table_opened(ids.hist).component_id: "hist_table", table_opened(ids.cross).component_id: "cross_table"}
    if triggered() in opened_now:
        return {key: tables[key] for key in (opened_now[triggered()],) if key in tables}
    return {
        **result,
        "size": tr.ngettext("Compared group: {n} client.", "Compared group: {n} clients.", summary.n),
        "message": "",
        "hist": view.histogram_figure(hist, x_name, lang),
        **with_caption("hist", view.histogram_texts(hist, x_name, lang)),
        "hist_data": False,
        **cross_outputs(cross, x_name, y_name, lang),
        **tables,
    }


def cross_outputs(cross, x_name: str, y_name: str, lang: str) -> dict:
    """The cross view, or why there is none: the aggregates keep 2-D grids of pairs with the score only."""
    if cross is None:
        tr = language(lang)
        note = tr._(
            "For this portfolio, cross views are precomputed with the {score} as one of the two characteristics: "
            "choose it as the first or the second one.",
            score=tr.field(PROBABILITY).lower(),
        )
        return {"cross": empty_figure(note), **with_caption("cross", note), "cross_table": [], "cross_data": True}
    return {
        "cross": view.cross_figure(cross, x_name, y_name, lang),
        **with_caption("cross", view.cross_texts(cross, x_name, y_name, lang)),
        "cross_data": False,
    }


def register(app, services) -> None:
    # Titles change with the characteristics only, the flags and messages seldom: sent when they change.
    steady = ("k_error", "message", "hist_title", "cross_title", "hist_summary", "cross_summary", "hist_data", "cross_data")
    register_callback(app, services, OUTPUTS, INPUTS, compare, message="message", unless_shown=steady)

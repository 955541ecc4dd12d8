"""Comparison wiring: client + characteristic + group -> distribution and cross view."""

from __future__ import annotations

import numpy as np
from dash import Input, Output, State, no_update

from callbacks.common import guarded, viewed_client
from layouts.charts import empty_figure
from layouts.comparison import (
    DEFAULT_X,
    DEFAULT_Y,
    MAX_POINTS,
    cross_figure,
    cross_table,
    cross_texts,
    histogram_figure,
    histogram_table,
    histogram_texts,
    label_of,
)
from layouts.formatting import number
from layouts.i18n import t
from scoring.comparison import (
    COMPARABLE,
    GROUP_BASES,
    ConcreteGroup,
    GroupSpec,
    clamp_k,
    concrete_mask,
    cross_view,
    place_client,
    resolve_group,
    summarise,
    value_at,
    values_of,
    with_client,
)


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


OUTPUTS: tuple[str, ...] = (
    "compare-size.children",
    "compare-message.children",
    "compare-hist-title.children",
    "compare-hist.figure",
    "compare-hist-img.aria-label",
    "compare-hist-caption.children",
    "compare-hist-table.children",
    "compare-cross-title.children",
    "compare-cross.figure",
    "compare-cross-img.aria-label",
    "compare-cross-caption.children",
    "compare-cross-table.children",
)


def in_order(values: dict) -> tuple:
    """Callback return tuple in OUTPUTS order; outputs not given are left unchanged."""
    return tuple(values.get(key, no_update) for key in OUTPUTS)


def empty_group(lang: str) -> dict:
    """An empty group is said in words, and the charts of the previous group are cleared."""
    message = t("compare.empty", lang)
    cleared = {f"{chart}.figure": empty_figure(message) for chart in ("compare-hist", "compare-cross")}
    texts = {
        f"{chart}-{part}": message
        for chart in ("compare-hist", "compare-cross")
        for part in ("img.aria-label", "caption.children")
    }
    tables = {f"{chart}-table.children": [] for chart in ("compare-hist", "compare-cross")}
    return {
        "compare-size.children": t("compare.size", lang, n="0"),
        "compare-message.children": message,
        **cleared,
        **texts,
        **tables,
    }


def register(app, services) -> None:
    portfolio = services.portfolio

    def refused() -> np.ndarray:
        return np.asarray(portfolio.proba) >= portfolio.decision.threshold

    def group_aggregates(group: ConcreteGroup, x_name: str, y_name: str):
        """Client-independent: shared by every client whose resolved group is the same."""
        mask = concrete_mask(portfolio, group)
        if not mask.any():
            return None
        flags = refused()
        x, y = values_of(portfolio, x_name), values_of(portfolio, y_name)
        return summarise(x, flags, mask), cross_view(x, y, flags, mask, max_points=MAX_POINTS)

    def compute(client_id: int, x_name: str, y_name: str, spec: GroupSpec, lang: str) -> dict:
        index = portfolio.index_of(client_id)
        group = resolve_group(portfolio, index, spec)
        parts = services.cached("group", (group.key(), x_name, y_name), lambda: group_aggregates(group, x_name, y_name))
        if parts is None:
            return empty_group(lang)
        summary, cross = parts
        x_value = value_at(portfolio, x_name, index)
        y_value = value_at(portfolio, y_name, index)
        hist = place_client(summary, x_value)
        cross = with_client(cross, x_value, y_value)
        hist_aria, hist_caption = histogram_texts(hist, x_name, lang)
        cross_aria, cross_caption = cross_texts(cross, x_name, y_name, lang)
        return {
            "compare-size.children": t("compare.size", lang, n=number(summary.n, 0, lang)),
            "compare-hist-title.children": t("compare.hist_title", lang, feature=label_of(x_name, lang)),
            "compare-hist.figure": histogram_figure(hist, x_name, lang),
            "compare-hist-img.aria-label": hist_aria,
            "compare-hist-caption.children": hist_caption,
            "compare-hist-table.children": histogram_table(hist, x_name, lang),
            "compare-cross-title.children": t(
                "compare.scatter_title", lang, x=label_of(x_name, lang), y=label_of(y_name, lang)
            ),
            "compare-cross.figure": cross_figure(cross, x_name, y_name, lang),
            "compare-cross-img.aria-label": cross_aria,
            "compare-cross-caption.children": cross_caption,
            "compare-cross-table.children": cross_table(cross, x_name, y_name, lang),
        }

    @app.callback(
        *[Output(*key.split(".", 1)) for key in OUTPUTS],
        Input("client-id", "data"),
        Input("compare-feature", "value"),
        Input("compare-feature-y", "value"),
        Input("compare-group", "value"),
        Input("compare-k", "value"),
        Input("filter-gender", "value"),
        Input("filter-age", "value"),
        Input("filter-income", "value"),
        Input("filter-contract", "value"),
        State("lang", "data"),
    )
    @guarded(len(OUTPUTS), message_at=OUTPUTS.index("compare-message.children"))
    def compare(client_id, x_name, y_name, base, k, gender, age, income, contract, lang):
        client_id = viewed_client(services, client_id, "comparison")
        if client_id is None:
            return in_order({"compare-size.children": t("compare.placeholder", lang), "compare-message.children": ""})
        x_name = x_name if x_name in COMPARABLE else DEFAULT_X
        y_name = y_name if y_name in COMPARABLE else DEFAULT_Y
        spec, k_valid = group_spec(base, k, gender, age, income, contract)
        result = services.cached(
            f"compare-{lang}",
            (client_id, x_name, y_name, spec.key()),
            lambda: compute(int(client_id), x_name, y_name, spec, lang),
        )
        message = "" if k_valid else t("compare.k_invalid", lang, k=number(spec.k, 0, lang))
        return in_order({"compare-message.children": message, **result})

"""Shared callback plumbing: dict outputs, no callback error ever reaching the browser as a 500."""

from __future__ import annotations

import functools
import logging

from dash import Input, Output, State, ctx, no_update

from app.security import audit_client_view
from app.services import INVALID_ROW, NEIGHBOURS_UNAVAILABLE, STORE_DOWN
from layouts.charts import ChartIds
from layouts.i18n import LANGUAGES, language
from layouts.page import ids as page_ids
from scoring.errors import UnknownClientError
from scoring.fields import N_
from scoring.stores import InvalidClientRow, NeighboursUnavailable, StoreUnavailable

log = logging.getLogger("app.callbacks")

CLIENT = Input(page_ids.client, "data")
LANG = State(page_ids.lang, "data")
# What a view says when its callback fails (benchmarks/load.py counts it as a failure).
UNEXPECTED_ERROR = N_("An unexpected error occurred; the rest of the page is unchanged. Please retry.")


def outputs(**spec: tuple[str, str]) -> dict[str, Output]:
    """Named outputs: ``outputs(proba=(ids.proba, "children"))`` -> {"proba": Output(...)}."""
    return {name: Output(component, prop) for name, (component, prop) in spec.items()}


def triggered() -> str | None:
    """Id of the component whose change ran the callback (None on first load, or outside a request)."""
    try:
        return ctx.triggered_id
    except Exception:  # noqa: BLE001 - called outside a request (tests): as on first load
        return None


def table_opened(chart_id: str) -> Input:
    """Clicks on a chart's data disclosure (Enter or Space on its <summary> is a click too).

    A chart's data table is built only once its disclosure has been opened, and from then on kept up to date.
    Why: in Dash 4 every component on the page re-checks the store on every store update, and every
    component a callback creates makes one such update; a data table is dozens to hundreds of components
    that most client switches never show (benchmarks/browser_switch.py, benchmarks/browser_profile.py).
    """
    return Input(ChartIds(chart_id).summary, "n_clicks")


def was_opened(clicks) -> bool:
    return isinstance(clicks, int) and not isinstance(clicks, bool) and clicks > 0


def guarded(output_names, message: str | None = None):
    """On an unexpected exception: log it, leave the page as it is, and say so in the ``message`` output.

    The wrapped callback takes keyword arguments and returns a dict of (some of) its outputs; outputs it
    leaves out are not updated.
    """

    def decorate(func):
        @functools.wraps(func)
        def wrapper(**kwargs):
            try:
                result = func(**kwargs)
            except Exception as exc:  # noqa: BLE001 - the page must survive any bug
                said = _said(exc)
                if said == UNEXPECTED_ERROR:
                    log.exception("callback %s failed", func.__name__)
                else:  # a known fault: one line, no traceback
                    log.warning("callback %s: %s", func.__name__, exc)
                result = {}
                if message is not None:
                    lang = kwargs.get("lang") if kwargs.get("lang") in LANGUAGES else None
                    result[message] = language(lang)._(said)
            return {name: result[name] if name in result else not_updated(name) for name in output_names}

        return wrapper

    return decorate


def _said(exc: Exception) -> str:
    """What the page says of a failed callback."""
    if isinstance(exc, StoreUnavailable):
        return STORE_DOWN
    if isinstance(exc, InvalidClientRow):
        return INVALID_ROW
    if isinstance(exc, NeighboursUnavailable):
        return NEIGHBOURS_UNAVAILABLE
    return UNEXPECTED_ERROR


def register_callback(
    app,
    services,
    output_spec: dict[str, Output],
    inputs: dict,
    func,
    message: str | None = None,
    unless_shown: tuple[str, ...] = (),
    prevent_initial_call: bool | None = None,
) -> None:
    """Wire a module-level callback ``func(services, **inputs) -> dict`` with named outputs, guarded.

    An input, state or output with a pattern-matching id (a dict) is a form's fields: the callback takes and gives
    ``{field name: value}`` for it (``by_field``, ``in_page_order``).

    ``unless_shown``: outputs of plain values (text, flags) that the page sends back as State, so that a value it
    already shows is not sent again (the same heading, an empty message, a flag already set): in Dash 4 each
    updated component is one store update that every component on the page re-checks.
    """
    shown_states = {
        f"shown__{name}": State(output_spec[name].component_id, output_spec[name].component_property)
        for name in unless_shown
    }
    field_inputs = [name for name, dep in inputs.items() if isinstance(dep.component_id, dict)]
    field_outputs = [name for name, dep in output_spec.items() if isinstance(dep.component_id, dict)]

    @functools.wraps(func)
    def callback(**kwargs):
        shown = {name: kwargs.pop(f"shown__{name}", None) for name in unless_shown}
        kwargs.update({name: by_field(ctx.args_grouping[name]) for name in field_inputs})
        result = func(services, **kwargs)
        for name in field_outputs:
            result[name] = in_page_order(result.get(name, {}), ctx.outputs_grouping[name])
        return {name: value for name, value in result.items() if not (name in shown and same_value(value, shown[name]))}

    options = {} if prevent_initial_call is None else {"prevent_initial_call": prevent_initial_call}  # allow_duplicate
    app.callback(output=output_spec, inputs={**inputs, **shown_states}, **options)(
        guarded(tuple(output_spec), message)(callback)
    )


# Pattern-matching form ids (``layouts.whatif.field_pattern``): Dash gives and takes one list per pattern, in the
# page's order; the callbacks take and give {field name: value}, so they stay plain functions of named values.


def by_field(entries) -> dict:
    """{field: value} of a pattern's inputs or states, as Dash describes them ({"id": {..., "field": f}, "value": v})."""
    return {entry["id"]["field"]: entry.get("value") for entry in entries}


def in_page_order(values: dict, outputs) -> list:
    """A callback's {field: value} for a pattern output, as the list Dash expects (a field left out: not updated)."""
    return [values.get(output["id"]["field"], no_update) for output in outputs]


def not_updated(name: str):
    """``no_update`` for an output; for a pattern output, one per component it matched (Dash wants the list)."""
    try:
        spec = ctx.outputs_grouping.get(name)
    except Exception:  # noqa: BLE001 - outside a request (a callback called as a function)
        spec = None
    return [no_update] * len(spec) if isinstance(spec, list) else no_update


def same_value(new, shown) -> bool:
    """Whether a plain output value is the one the page shows (components, lists and numbers are always sent)."""
    return isinstance(new, (str, bool)) and type(new) is type(shown) and new == shown


def viewed_client(services, value, view: str) -> int | None:
    """The client a data callback may show, with an audit line; None for no client or a forged id.

    Every callback that shows client data goes through here, so the audit trail is complete even for
    requests that did not come from the selection box.
    """
    if value is None or isinstance(value, bool) or not str(value).strip().isdigit() or len(str(value).strip()) > 12:
        return None
    client_id = int(str(value).strip())
    try:
        services.client_row(client_id)
    except UnknownClientError:
        return None
    audit_client_view(client_id, view)
    return client_id

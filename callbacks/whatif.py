"""What-if wiring: the chosen client fills the form; Simulate scores the changed application in-process.

Nothing is stored: the audit line of the client view is the only trace (``viewed_client``).
"""

from __future__ import annotations

from dash import Input, State

from callbacks.common import CLIENT, LANG, outputs, register_callback, triggered, viewed_client, was_opened
from layouts import whatif as view
from layouts.charts import ChartIds
from layouts.formatting import value_text
from layouts.i18n import language
from layouts.whatif import FORM_FIELDS, ids
from scoring import fields as registry
from scoring.form_units import shown_value
from scoring.simulate import DURATION, Application, InvalidChanges, simulate, terms_of

_FIELD_KEYS = {name: name.lower() for name in FORM_FIELDS}
# Text boxes (numbers): Enter in one of them runs the simulation, as the button does.
_NUMBER_KEYS = {
    name: key
    for name, key in _FIELD_KEYS.items()
    if not (registry.FIELDS[name].categorical or registry.FIELDS[name].kind == "flag")
}

OUTPUTS = outputs(
    status=(ids.status, "children"),
    message=(ids.message, "children"),
    result=(ids.result, "hidden"),
    before=(ids.before, "children"),
    after=(ids.after, "children"),
    changes=(ids.changes, "children"),
    waterfall=(ChartIds(ids.waterfall).img, "children"),
    caption=(ChartIds(ids.waterfall).caption, "children"),
    table=(ChartIds(ids.waterfall).table, "children"),
    data=(ChartIds(ids.waterfall).data, "hidden"),
    **{f"value_{key}": (ids.field(name), "value") for name, key in _FIELD_KEYS.items()},
    **{f"help_{key}": (f"{ids.field(name)}-help", "children") for name, key in _FIELD_KEYS.items()},
    **{f"error_{key}": (f"{ids.field(name)}-error", "children") for name, key in _FIELD_KEYS.items()},
)
INPUTS = {
    "client_id": CLIENT,
    "resets": Input(ids.reset, "n_clicks"),
    "clicks": Input(ids.submit, "n_clicks"),
    **{f"enter_{key}": Input(ids.field(name), "n_submit") for name, key in _NUMBER_KEYS.items()},
    "lang": LANG,
    **{f"value_{key}": State(ids.field(name), "value") for name, key in _FIELD_KEYS.items()},
}


FORM_OUTPUTS = outputs(body=(ids.body, "children"), body_class=(ids.body, "className"))
FORM_INPUTS = {"clicks": Input(ids.open, "n_clicks"), "shown": State(ids.body, "className"), "lang": LANG}


def show_form(services, *, clicks, shown, lang) -> dict:  # noqa: ARG001 - the same signature as every callback
    """The form, built when its disclosure is first opened; Dash then runs ``whatif`` on it, which fills it with
    the chosen client's values (closing and reopening keeps what was typed)."""
    if not was_opened(clicks) or shown == view.FILLED:
        return {}
    return {"body": view.form(lang), "body_class": view.FILLED}


def current_text(name: str, value, lang: str) -> str:
    tr = language(lang)
    shown = view.months_text(value, lang) if name == DURATION else value_text(name, value, lang)
    return tr._("Client's value: {value}.", value=shown)


def fill_form(services, client_id: int | None, lang: str) -> dict:
    """The client's own values in the form, each one said under its field; no result, no error."""
    tr = language(lang)
    cleared = {
        "result": True,
        "message": "",
        "status": tr._("Change a value, then press Simulate."),
        **{f"error_{k}": "" for k in _FIELD_KEYS.values()},
    }
    if client_id is None:
        return {
            **cleared,
            "status": tr._("Choose a client, change a value, then press Simulate."),
            **{f"value_{k}": None for k in _FIELD_KEYS.values()},
            **{f"help_{k}": tr._("Choose a client first.") for k in _FIELD_KEYS.values()},
        }
    values = dict(Application.from_portfolio(services.portfolio, client_id).values)
    out = dict(cleared)
    for name, key in _FIELD_KEYS.items():
        out[f"value_{key}"] = view.input_text(name, shown_value(name, values), lang)
        exact = terms_of(values).months if name == DURATION else values.get(name)
        out[f"help_{key}"] = current_text(name, exact, lang)
    return out


def changes_from_form(original: dict, form: dict, lang: str) -> dict:
    """Raw changes: the fields whose form value differs from the client's as shown (empty fields are left unchanged).

    Numbers are compared as read in the UI language ("450 000" is the shown 450000): only a real change counts."""
    changes = {}
    for name in FORM_FIELDS:
        value = form.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if _same_shown(name, value, shown_value(name, original), lang):
            continue
        changes[name] = view.raw_value(name, value, lang)
    return changes


def _same_shown(name: str, value, shown, lang: str) -> bool:
    if shown is None:
        return False
    if name in _NUMBER_KEYS:
        number = view.read_number(value, lang)
        return number is not None and abs(number - float(shown)) < 1e-9
    return str(value).strip() == str(shown)


def normalised_values(form: dict, problems, lang: str) -> dict:
    """The numbers of the form shown back in the language's format (a field with a problem keeps what was typed)."""
    texts = view.normalised_texts(form, _NUMBER_KEYS, problems, lang)
    return {f"value_{_NUMBER_KEYS[name]}": text for name, text in texts.items()}


SUBMITTERS = {ids.submit, *(ids.field(name) for name in _NUMBER_KEYS)}


def whatif(services, *, client_id, resets, clicks, lang, **values) -> dict:  # noqa: ARG001 - resets only triggers
    """Client chosen or reset: fill the form. Simulate pressed (or Enter in a number): score the changed application."""
    tr = language(lang)
    client_id = viewed_client(services, client_id, "whatif")
    if triggered() not in SUBMITTERS:
        return fill_form(services, client_id, lang)
    if client_id is None:
        return {"message": tr._("Choose a client first."), "result": True}
    application = Application.from_portfolio(services.portfolio, client_id)
    form = {name: values.get(f"value_{key}") for name, key in _FIELD_KEYS.items()}
    changes = changes_from_form(dict(application.values), form, lang)
    errors = {f"error_{key}": "" for key in _FIELD_KEYS.values()}
    if not changes:
        return {
            **errors,
            **normalised_values(form, set(), lang),
            "message": "",
            "status": tr._("Change at least one value, then press Simulate."),
        }
    try:
        outcome = simulate(services.simulator, application, changes)
    except InvalidChanges as invalid:
        beside, rest = view.field_errors(invalid, _FIELD_KEYS, lang)
        errors.update({f"error_{_FIELD_KEYS[name]}": text for name, text in beside.items()})
        message = tr.ngettext(
            "{n} value needs correcting; the client's application is unchanged.",
            "{n} values need correcting; the client's application is unchanged.",
            len(invalid.by_field()),
        )
        return {
            **errors,
            **normalised_values(form, set(invalid.by_field()), lang),
            "message": " ".join([message, *rest]),
            "result": True,
            "status": tr._("Simulation not run: see the messages beside the fields."),
        }
    parts = view.result_parts(outcome, services.portfolio.category_levels, lang, services.config.max_effort_rate)
    return {
        **errors,
        **normalised_values(form, set(), lang),
        "message": "",
        "result": False,
        "status": parts["status"],
        "before": parts["before"],
        "after": parts["after"],
        "changes": parts["changes"],
        "waterfall": parts["waterfall"],
        "caption": parts["caption"],
        "table": parts["table"],
        "data": False,
    }


def register(app, services) -> None:
    register_callback(app, services, FORM_OUTPUTS, FORM_INPUTS, show_form)
    register_callback(app, services, OUTPUTS, INPUTS, whatif, message="message")

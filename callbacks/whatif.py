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
from scoring.form_units import shown_value
from scoring.simulate import DURATION, InvalidChanges, simulate, terms_of

# Text boxes (numbers): Enter in one of them runs the simulation, as the button does.
NUMBER_FIELDS = tuple(name for name in FORM_FIELDS if view.text_box(name))

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
    values=(view.field_pattern("whatif"), "value"),
    helps=(view.field_pattern("whatif", "help"), "children"),
    errors=(view.field_pattern("whatif", "error"), "children"),
)
INPUTS = {
    "client_id": CLIENT,
    "resets": Input(ids.reset, "n_clicks"),
    "clicks": Input(ids.submit, "n_clicks"),
    "enters": Input(view.field_pattern("whatif", numbers_only=True), "n_submit"),
    "lang": LANG,
    "values": State(view.field_pattern("whatif"), "value"),
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
        "errors": dict.fromkeys(FORM_FIELDS, ""),
    }
    if client_id is None:
        return {
            **cleared,
            "status": tr._("Choose a client, change a value, then press Simulate."),
            "values": dict.fromkeys(FORM_FIELDS),
            "helps": dict.fromkeys(FORM_FIELDS, tr._("Choose a client first.")),
        }
    values = dict(services.application(client_id).values)
    exact = {**values, DURATION: terms_of(values).months}
    return {
        **cleared,
        "values": {name: view.input_text(name, shown_value(name, values), lang) for name in FORM_FIELDS},
        "helps": {name: current_text(name, exact.get(name), lang) for name in FORM_FIELDS},
    }


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
    if name in NUMBER_FIELDS:
        number = view.read_number(value, lang)
        return number is not None and abs(number - float(shown)) < 1e-9
    return str(value).strip() == str(shown)


def submitted() -> bool:
    """Whether Simulate, or Enter in a number box, ran the callback (not a client switch or Back)."""
    trigger = triggered()
    return trigger == ids.submit or view.field_of(trigger) in NUMBER_FIELDS


def whatif(services, *, client_id, resets, clicks, enters, lang, values) -> dict:  # noqa: ARG001 - they only trigger
    """Client chosen or reset: fill the form. Simulate pressed (or Enter in a number): score the changed application.

    ``values``: {field: what its box or select holds}; the outputs ``values``, ``helps``, ``errors`` are by field."""
    tr = language(lang)
    client_id = viewed_client(services, client_id, "whatif")
    if not submitted():
        return fill_form(services, client_id, lang)
    if client_id is None:
        return {"message": tr._("Choose a client first."), "result": True}
    application = services.application(client_id)
    form = {name: (values or {}).get(name) for name in FORM_FIELDS}
    changes = changes_from_form(dict(application.values), form, lang)
    errors = dict.fromkeys(FORM_FIELDS, "")
    if not changes:
        return {
            "errors": errors,
            "values": view.normalised_texts(form, NUMBER_FIELDS, set(), lang),
            "message": "",
            "status": tr._("Change at least one value, then press Simulate."),
        }
    try:
        outcome = simulate(services.simulator, application, changes)
    except InvalidChanges as invalid:
        beside, rest = view.field_errors(invalid, FORM_FIELDS, lang)
        errors.update(beside)
        message = tr.ngettext(
            "{n} value needs correcting; the client's application is unchanged.",
            "{n} values need correcting; the client's application is unchanged.",
            len(invalid.by_field()),
        )
        return {
            "errors": errors,
            "values": view.normalised_texts(form, NUMBER_FIELDS, set(invalid.by_field()), lang),
            "message": " ".join([message, *rest]),
            "result": True,
            "status": tr._("Simulation not run: see the messages beside the fields."),
        }
    parts = view.result_parts(outcome, services.portfolio.category_levels, lang, services.config.max_effort_rate)
    return {
        "errors": errors,
        "values": view.normalised_texts(form, NUMBER_FIELDS, set(), lang),
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

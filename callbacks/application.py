"""New-application wiring: the form's values -> validated application -> score, reasons, waterfall, advice.

Nothing is invented: what the form leaves empty, and what it does not ask, reaches the model as missing.

Nothing about the application is stored or cached (the audit line says an application was scored, no more),
unless the advisor saves it as a client (``callbacks.save_client``).
"""

from __future__ import annotations

import uuid
from dataclasses import replace

from dash import Input, State

from app.queries import APPLICATION_COLUMNS, regions_of
from app.security import audit
from callbacks.common import LANG, outputs, register_callback, triggered, was_opened
from layouts import advice as advice_view
from layouts import application as view
from layouts import whatif as forms
from layouts.application import ids
from layouts.charts import ChartIds
from layouts.decision import credit_words, marked
from layouts.explanation import factors, waterfall, waterfall_caption, waterfall_table
from layouts.i18n import language
from layouts.save_client import ids as saving
from layouts.summary import reason_items
from scoring.advice import advise
from scoring.regions import region_of
from scoring.simulate import CASH, DURATION, InvalidChanges, new_application, terms_of
from scoring.stores.pg_save import can_save, whole

# Text boxes (numbers): Enter in one of them scores the application, as the button does.
NUMBER_FIELDS = tuple(name for name in APPLICATION_COLUMNS if forms.text_box(name))

OUTPUTS = outputs(
    message=(ids.message, "children"),
    status=(ids.status, "children"),
    result=(ids.result, "hidden"),
    decision=(ids.decision, "children"),
    decision_class=(ids.decision, "className"),
    proba=(ids.proba, "children"),
    grey=(ids.grey, "children"),
    terms=(ids.terms, "children"),
    certainty=(ids.certainty, "children"),
    missing=(ids.missing, "children"),
    reasons=(ids.reasons, "children"),
    waterfall=(ChartIds(ids.waterfall).img, "children"),
    caption=(ChartIds(ids.waterfall).caption, "children"),
    table=(ChartIds(ids.waterfall).table, "children"),
    data=(ChartIds(ids.waterfall).data, "hidden"),
    advice_status=(ids.advice_status, "children"),
    advice=(ids.advice, "children"),
    errors=(forms.field_pattern("application", "error"), "children"),
    values=(forms.field_pattern("application", numbers_only=True), "value"),
    save_key=(saving.key, "data"),
    save_disabled=(saving.submit, "disabled"),
    saved=(saving.saved, "children"),
    save_message=(saving.message, "children"),
)
# An application that does not score cannot be saved: no key, the button disabled.
NOT_SAVABLE = {"save_key": None, "save_disabled": True, "saved": "", "save_message": ""}
INPUTS = {
    "clicks": Input(ids.submit, "n_clicks"),
    "enters": Input(forms.field_pattern("application", numbers_only=True), "n_submit"),
    "lang": LANG,
    "region": State(ids.region, "value"),
    "values": State(forms.field_pattern("application"), "value"),
}


FORM_OUTPUTS = outputs(body=(ids.body, "children"), body_class=(ids.body, "className"))
FORM_INPUTS = {"clicks": Input(ids.open, "n_clicks"), "shown": State(ids.body, "className"), "lang": LANG}


def show_form(services, *, clicks, shown, lang) -> dict:
    """The form, built when its disclosure is first opened (closing and reopening keeps what was typed)."""
    if not was_opened(clicks) or shown == view.FILLED:
        return {}
    body = view.form(lang, APPLICATION_COLUMNS, regions_of(services), can_save(services.clients))
    return {"body": body, "body_class": view.FILLED}


def form_application(services, values: dict, region, lang):
    """The application the form holds (``InvalidChanges`` naming each wrong value): scored, or saved as a client."""
    form = {name: forms.raw_value(name, values.get(name), lang) for name in APPLICATION_COLUMNS if name != DURATION}
    chosen = region_of(regions_of(services), region)
    form.update(chosen.values if chosen is not None else {})  # no region chosen: both statistics not provided
    months = forms.raw_value(DURATION, values.get(DURATION), lang)
    simulator = services.simulator
    checked = new_application(form, simulator.columns, months, simulator.rules.bounds)
    # Ages typed in years give fractional days: whole days once checked, as the portfolio (and a saved client's
    # row) holds them, so that a saved application scores as the form did.
    return replace(checked, values={name: whole(name, value) for name, value in checked.values.items()})


def submitted(clicks) -> bool:
    """Whether "Score this application" was pressed, or Enter in a number box."""
    trigger = triggered()
    return (trigger == ids.submit and bool(clicks)) or forms.field_of(trigger) in NUMBER_FIELDS


def score_application(services, *, clicks, enters, lang, region=None, values=None) -> dict:  # noqa: ARG001 - enters
    """``values``: {field: what its box or select holds}; the outputs ``values`` and ``errors`` are by field."""
    tr = language(lang)
    if not submitted(clicks):
        return {}
    values = {name: (values or {}).get(name) for name in APPLICATION_COLUMNS}
    errors = dict.fromkeys(APPLICATION_COLUMNS, "")
    simulator = services.simulator
    try:
        application = form_application(services, values, region, lang)
    except InvalidChanges as invalid:
        beside, rest = forms.field_errors(invalid, APPLICATION_COLUMNS, lang)
        errors.update(beside)
        message = tr.ngettext(
            "{n} value needs correcting before the application can be scored.",
            "{n} values need correcting before the application can be scored.",
            len(invalid.by_field()),
        )
        return {
            "errors": errors,
            "values": forms.normalised_texts(values, NUMBER_FIELDS, set(invalid.by_field()), lang),
            "message": " ".join([message, *rest]),
            "result": True,
            "status": tr._("Not scored: see the messages beside the fields."),
            **NOT_SAVABLE,
        }
    audit("application_scored")  # no client data in the audit trail
    explanation = simulator.explain(application)
    items = factors(explanation, services.portfolio.category_levels, lang)
    decision = credit_words(explanation.decision, lang)
    missing = [n for n in simulator.columns if application.values.get(n) is None]
    if application.values.get("NAME_CONTRACT_TYPE") != CASH:
        missing = [n for n in missing if n != DURATION]
    advice = advise(simulator, application)
    without_scores = all(application.values.get(n) is None for n in view.EXTERNAL)
    segment = (services.artifacts.metrics.get("segments") or {}).get("no_external_scores") if without_scores else None
    overall = services.artifacts.metrics.get("roc_auc")
    return {
        "errors": errors,
        "values": forms.normalised_texts(values, NUMBER_FIELDS, set(), lang),
        "message": "",
        "result": False,
        "status": tr._(
            "Application scored: {decision}, probability of default {proba}.",
            decision=decision.lower(),
            proba=tr.percent(explanation.probability, 1),
        ),
        "decision": marked(explanation.decision, lang),
        "decision_class": f"decision decision-{explanation.decision}",
        "proba": tr._("Probability of default: {proba}", proba=tr.percent(explanation.probability, 1)),
        "grey": tr._("Grey zone: close to the threshold, an advisor must review the file.")
        if explanation.in_grey_zone
        else "",
        "terms": view.terms_text(terms_of(application.values), lang, simulator.rules.max_effort_rate),
        "certainty": view.certainty_text(segment, overall, lang),
        "missing": view.missing_text(missing, lang),
        "reasons": reason_items(items, lang),
        "waterfall": waterfall(explanation, items, lang),
        "caption": waterfall_caption(explanation, items, lang),
        "table": waterfall_table(explanation, items, lang),
        "data": False,
        "advice_status": advice_view.advice_status(advice, lang),
        "advice": advice_view.option_items(advice, lang),
        # A fresh save key per scoring: saving this form twice gives one client (scoring.stores.pg_save).
        "save_key": uuid.uuid4().hex,
        "save_disabled": not can_save(services.clients),
        "saved": "",
        "save_message": "",
    }


def register(app, services) -> None:
    register_callback(app, services, FORM_OUTPUTS, FORM_INPUTS, show_form)
    register_callback(app, services, OUTPUTS, INPUTS, score_application, message="message")
